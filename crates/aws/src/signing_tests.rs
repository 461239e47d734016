//! Who signs what: the calls made for a user (presigning, the STS cross-check) carry the user's
//! credentials and go where they are configured to go, and the function's own calls keep the
//! function's credentials, before and after a user's call on the same clients. Read from the
//! requests themselves (SigV4's `Credential=` and the session token), recorded on their way to
//! the adapter tests' canned answer.

use crate::adapter_tests::{function_config, Canned};
use crate::sagemaker::SdkSageMaker;
use crate::sts::SdkSts;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnector, HttpConnectorFuture, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use std::sync::{Arc, Mutex};
use studiogate::provision::CallerIdentity;
use studiogate::targets::sagemaker::{PresignParams, SageMakerApi};
use studiogate_kernel::wire::FederatedCredentials;

/// What a request was signed with and sent to.
#[derive(Debug, PartialEq)]
struct Sent {
    host: String,
    access_key: String,
    session_token: Option<String>,
}

/// Records every request, then answers it as `answer` does.
#[derive(Debug, Clone)]
struct Recording {
    answer: Canned,
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl HttpConnector for Recording {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let header = |name: &str| request.headers().get(name).map(str::to_owned);
        let authorization = header("authorization").expect("every call is signed");
        let access_key = authorization
            .split("Credential=")
            .nth(1)
            .and_then(|scope| scope.split('/').next())
            .expect("SigV4's Credential=")
            .to_owned();
        let host = request
            .uri()
            .split('/')
            .nth(2)
            .unwrap_or_default()
            .to_owned();
        self.sent.lock().unwrap().push(Sent {
            host,
            access_key,
            session_token: header("x-amz-security-token"),
        });
        self.answer.call(request)
    }
}

/// A function's configuration (`AKIDFUNCTION`) whose calls are recorded and answered `body`.
fn recorded_function_config(body: &str) -> (aws_config::SdkConfig, Arc<Mutex<Vec<Sent>>>) {
    let recording = Recording {
        answer: Canned {
            status: 200,
            body: body.into(),
        },
        sent: Arc::default(),
    };
    let sent = recording.sent.clone();
    let config = function_config(http_client_fn(move |_, _| {
        SharedHttpConnector::new(recording.clone())
    }));
    (config, sent)
}

fn user(access_key_id: &str) -> FederatedCredentials {
    FederatedCredentials {
        access_key_id: access_key_id.into(),
        secret_access_key: "user-secret".into(),
        session_token: format!("token-of-{access_key_id}"),
        expiration: "2026-12-03T10:00:00Z".into(),
    }
}

fn signed(host: &str, access_key: &str, session_token: Option<&str>) -> Sent {
    Sent {
        host: host.into(),
        access_key: access_key.into(),
        session_token: session_token.map(Into::into),
    }
}

#[tokio::test]
async fn presigning_signs_with_each_users_credentials_through_the_presign_endpoint() {
    let (config, sent) = recorded_function_config(
        r#"{"AuthorizedUrl":"https://d-1.studio.us-east-1.sagemaker.aws/auth?token=t"}"#,
    );
    let api = SdkSageMaker::new(
        &config,
        Some("https://vpce-1.api.sagemaker.us-east-1.vpce.amazonaws.com".into()),
    );
    let params = PresignParams {
        domain_id: "d-1".into(),
        profile: "alice".into(),
        expires_in_seconds: 30,
        session_seconds: 1800,
        space_name: None,
        landing_uri: None,
    };
    let _ = api.describe_profile("d-1", "alice").await;
    api.presign(&user("ASIAALICE"), &params)
        .await
        .expect("a URL");
    api.presign(&user("ASIABOB"), &params).await.expect("a URL");
    let _ = api.describe_profile("d-1", "alice").await;
    let vpce = "vpce-1.api.sagemaker.us-east-1.vpce.amazonaws.com";
    // Reading a profile is two calls (DescribeUserProfile, ListTags), the function's own.
    let function = || {
        signed(
            "api.sagemaker.us-east-1.amazonaws.com",
            "AKIDFUNCTION",
            None,
        )
    };
    assert_eq!(
        *sent.lock().unwrap(),
        [
            function(),
            function(),
            signed(vpce, "ASIAALICE", Some("token-of-ASIAALICE")),
            signed(vpce, "ASIABOB", Some("token-of-ASIABOB")),
            function(),
            function(),
        ]
    );
}

#[tokio::test]
async fn the_sts_cross_check_asks_with_the_users_credentials_each_time() {
    let (config, sent) = recorded_function_config(
        r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/R/alice</Arn><UserId>AROA:alice</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"#,
    );
    let sts = SdkSts::new(&config);
    for key in ["ASIAALICE", "ASIABOB"] {
        assert_eq!(
            sts.caller_arn(&user(key)).await.as_deref(),
            Ok("arn:aws:sts::123456789012:assumed-role/R/alice")
        );
    }
    assert_eq!(
        *sent.lock().unwrap(),
        [
            signed(
                "sts.us-east-1.amazonaws.com",
                "ASIAALICE",
                Some("token-of-ASIAALICE")
            ),
            signed(
                "sts.us-east-1.amazonaws.com",
                "ASIABOB",
                Some("token-of-ASIABOB")
            ),
        ]
    );
}
