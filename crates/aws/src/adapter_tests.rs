//! The adapters' error shapes, against SDK clients answered with canned HTTP responses (AWS's own
//! JSON error bodies): what AWS answers becomes the right `ErrorKind`, or the right non-error
//! outcome. A hand-made HTTP client instead of aws-smithy-mocks, which would turn on the SDK
//! runtime's `test-util` feature and make tests and functions build the SDK twice.

use crate::emr::SdkEmr;
use crate::federation::HttpFederation;
use crate::sagemaker::SdkSageMaker;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use studiogate::targets::emr::{EmrStudioAccess, IdentityType};
use studiogate::targets::sagemaker::rules::{DesiredProfile, Drift};
use studiogate::targets::sagemaker::{Created, SageMakerApi, Updated};
use studiogate_kernel::retry::Retryable;
use studiogate_kernel::ErrorKind;

/// An HTTP client that answers every request with one status and JSON body.
#[derive(Debug, Clone)]
pub(crate) struct Canned {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl HttpConnector for Canned {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        let status = StatusCode::try_from(self.status).expect("a valid status");
        HttpConnectorFuture::ready(Ok(HttpResponse::new(
            status,
            SdkBody::from(self.body.clone()),
        )))
    }
}

impl HttpClient for Canned {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// An HTTP client that answers 200 with the body of the first route whose needle the request's
/// body contains, else `{}`.
#[derive(Debug, Clone)]
struct Routed(Vec<(&'static str, &'static str)>);

impl HttpConnector for Routed {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let sent = String::from_utf8_lossy(request.body().bytes().unwrap_or_default()).into_owned();
        let body = self
            .0
            .iter()
            .find(|(needle, _)| sent.contains(needle))
            .map_or("{}", |(_, body)| body);
        HttpConnectorFuture::ready(Ok(HttpResponse::new(
            StatusCode::try_from(200).expect("a valid status"),
            SdkBody::from(body),
        )))
    }
}

impl HttpClient for Routed {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// An SDK configuration whose every call gets AWS's JSON error `code` with `status`.
fn answering_error(status: u16, code: &str, message: &str) -> aws_config::SdkConfig {
    answering(
        status,
        &format!(r#"{{"__type":"{code}","message":"{message}"}}"#),
    )
}

fn answering(status: u16, body: &str) -> aws_config::SdkConfig {
    function_config(SharedHttpClient::new(Canned {
        status,
        body: body.into(),
    }))
}

/// A function's SDK configuration (its own credentials: `AKIDFUNCTION`, us-east-1, the SDK's
/// retries off) whose every call goes to `http_client`.
pub(crate) fn function_config(http_client: SharedHttpClient) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    "AKIDFUNCTION",
                    "function-secret",
                    None,
                    None,
                    "function",
                ),
            ),
        )
        .http_client(http_client)
        .build()
}

fn sagemaker(config: &aws_config::SdkConfig) -> SdkSageMaker {
    SdkSageMaker::new(config, None)
}

fn emr(config: &aws_config::SdkConfig) -> SdkEmr {
    SdkEmr::new(config, HttpFederation::new("http://127.0.0.1:1/federation"))
}

/// A drift that changes the execution role.
fn role_change() -> Drift {
    Drift {
        execution_role: Some("arn:aws:iam::123456789012:role/New".into()),
        ..Drift::default()
    }
}

fn desired() -> DesiredProfile {
    DesiredProfile {
        execution_role: "arn:aws:iam::123456789012:role/R".into(),
        lifecycle_configs: Default::default(),
        idle_shutdown_minutes: None,
        tags: [("studiouserid".to_string(), "alice".to_string())].into(),
    }
}

#[tokio::test]
async fn a_missing_profile_is_none_not_an_error() {
    let api = sagemaker(&answering_error(400, "ResourceNotFound", "nope"));
    assert_eq!(api.describe_profile("d-1", "alice").await, Ok(None));
}

#[tokio::test]
async fn losing_the_create_race_is_already_exists() {
    let api = sagemaker(&answering_error(400, "ResourceInUse", "exists"));
    assert_eq!(
        api.create_profile("d-1", "alice", &desired()).await,
        Ok(Created::AlreadyExists)
    );
}

#[tokio::test]
async fn throttling_and_5xx_are_retryable_and_denials_are_not() {
    let cases = [
        (400, "ThrottlingException", ErrorKind::Throttled, true),
        (500, "InternalFailure", ErrorKind::ServerError, true),
        (503, "ServiceUnavailable", ErrorKind::ServerError, true),
        (400, "AccessDeniedException", ErrorKind::AccessDenied, false),
        (400, "ValidationException", ErrorKind::Validation, false),
    ];
    for (status, code, kind, retryable) in cases {
        let api = sagemaker(&answering_error(status, code, "m"));
        let error = api
            .describe_profile("d-1", "alice")
            .await
            .expect_err("an error");
        assert_eq!(
            (error.kind, error.is_retryable()),
            (kind, retryable),
            "{error}"
        );
        assert_eq!(error.operation, "sagemaker:DescribeUserProfile");
    }
}

#[tokio::test]
async fn a_role_change_while_apps_run_is_not_attempted_and_reported_as_such() {
    // ListApps answers a running app: the role is not sent at all (no error message is parsed).
    let api = sagemaker(&answering(
        200,
        r#"{"Apps":[{"DomainId":"d-1","UserProfileName":"alice","AppType":"JupyterLab","AppName":"default","Status":"InService"}]}"#,
    ));
    assert_eq!(
        api.update_profile("d-1", "alice", &role_change()).await,
        Ok(Updated::RoleLockedByRunningApps)
    );
    let api = sagemaker(&answering_error(
        400,
        "ValidationException",
        "lifecycle config not found",
    ));
    let error = api
        .update_profile("d-1", "alice", &Drift::default())
        .await
        .expect_err("validation errors stay errors");
    assert_eq!(error.kind, ErrorKind::Validation);
}

#[tokio::test]
async fn an_app_running_in_the_private_space_locks_the_role_too() {
    // ListApps lists the user's JupyterLab under the space, not the profile.
    let api = sagemaker(&function_config(SharedHttpClient::new(Routed(vec![
        (r#""UserProfileNameEquals":"alice""#, r#"{"Apps":[]}"#),
        (
            r#""SpaceNameEquals":"alice-private""#,
            r#"{"Apps":[{"DomainId":"d-1","SpaceName":"alice-private","AppType":"JupyterLab","AppName":"default","Status":"InService"}]}"#,
        ),
    ]))));
    assert_eq!(
        api.update_profile("d-1", "alice", &role_change()).await,
        Ok(Updated::RoleLockedByRunningApps)
    );
}

#[tokio::test]
async fn deleting_a_mapping_that_is_gone_succeeds_and_other_refusals_stand() {
    let gone = emr(&answering_error(
        400,
        "InvalidRequestException",
        "no mapping",
    ));
    assert_eq!(
        gone.delete_mapping("es-1", IdentityType::User, "alice")
            .await,
        Ok(())
    );
    let denied = emr(&answering_error(400, "AccessDeniedException", "no"));
    assert_eq!(
        denied
            .delete_mapping("es-1", IdentityType::User, "alice")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::AccessDenied
    );
}

#[tokio::test]
async fn emr_answers_a_missing_mapping_with_invalid_request_which_means_none() {
    let api = emr(&answering_error(
        400,
        "InvalidRequestException",
        "no mapping",
    ));
    assert_eq!(
        api.session_policy("es-1", IdentityType::User, "alice")
            .await,
        Ok(None)
    );
    let api = emr(&answering_error(500, "InternalServerError", "x"));
    assert_eq!(
        api.session_policy("es-1", IdentityType::User, "alice")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::ServerError
    );
}
