//! The saml-validator handler in-process: its Lambda events, and recording doubles of STS and
//! presign for tests that pin the clock (the emulator's STS reads the wall clock).

use serde_json::Value;
use std::sync::Mutex;
use studiogate::aws::AwsError;
use studiogate::clock::FixedClock;
use studiogate::config::BrokerConfig;
use studiogate::login::ports::{AssumeRoleWithSaml, PresignInvoker, SamlFederation, StsAnswer};
use studiogate::login::LoginFlow;
use studiogate::provision::contract::{
    Action, Change, FederatedCredentials, PresignRequest, PresignResponse, TargetKind,
};
use studiogate::replay::InMemoryReplayCache;
use studiogate::web::Broker;

/// What STS was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsCall {
    /// RoleArn.
    pub role_arn: String,
    /// PrincipalArn.
    pub provider_arn: String,
    /// SAMLAssertion, as sent.
    pub saml_response: String,
    /// DurationSeconds.
    pub duration_seconds: u32,
}

/// STS that answers what a correct STS reads from an assertion of `issuer` for `name_id`.
pub struct EchoSts {
    /// Issuer to answer.
    pub issuer: String,
    /// Subject to answer.
    pub name_id: String,
    /// Session name for the assumed-role ARN.
    pub session_name: String,
    /// Every call.
    pub calls: Mutex<Vec<StsCall>>,
}

impl SamlFederation for EchoSts {
    async fn assume_role_with_saml(
        &self,
        params: &AssumeRoleWithSaml<'_>,
    ) -> Result<StsAnswer, AwsError> {
        self.calls.lock().unwrap().push(StsCall {
            role_arn: params.role_arn.into(),
            provider_arn: params.provider_arn.into(),
            saml_response: params.saml_response.into(),
            duration_seconds: params.duration_seconds,
        });
        let role = params.role_arn.rsplit('/').next().unwrap_or_default();
        Ok(StsAnswer {
            credentials: FederatedCredentials {
                access_key_id: "ASIATESTDOUBLE".into(),
                secret_access_key: "test-double-secret".into(),
                session_token: "test-double-token".into(),
                expiration: "2099-01-01T00:00:00Z".into(),
            },
            assumed_role_arn: Some(format!(
                "arn:aws:sts::123456789012:assumed-role/{role}/{}",
                self.session_name
            )),
            issuer: Some(self.issuer.clone()),
            audience: Some("https://signin.aws.amazon.com/saml".into()),
            subject: Some(self.name_id.clone()),
        })
    }
}

/// presign that records requests and answers a fixed redirect.
#[derive(Default)]
pub struct RecordingPresign {
    /// Every request.
    pub requests: Mutex<Vec<PresignRequest>>,
}

/// The URL [`RecordingPresign`] answers.
pub const PRESIGNED_URL: &str =
    "https://d-7ac2bcf8fc16.studio.us-east-1.sagemaker.aws/auth?token=in-process";

impl PresignInvoker for RecordingPresign {
    async fn invoke(&self, request: &PresignRequest) -> Result<PresignResponse, AwsError> {
        self.requests.lock().unwrap().push(request.clone());
        Ok(PresignResponse::Redirect {
            url: PRESIGNED_URL.into(),
            action: Action {
                kind: TargetKind::SagemakerProfile,
                name: Some(request.identity.role_session_name.clone()),
                change: Change::Created,
            },
        })
    }
}

/// The broker the handler tests drive: the local configuration, an in-memory replay cache, the
/// doubles above, and a clock pinned at `now`.
pub type PinnedBroker = Broker<InMemoryReplayCache, EchoSts, RecordingPresign, FixedClock>;

/// `examples/local/studiogate.toml` with test doubles and a pinned clock.
pub fn pinned_broker(now: time::OffsetDateTime) -> PinnedBroker {
    let config =
        BrokerConfig::from_file(&crate::workspace_root().join("examples/local/studiogate.toml"))
            .expect("the local configuration is valid");
    let flow = LoginFlow {
        validator: config.saml_validator().expect("validator"),
        login: config.login().expect("[login]").clone(),
        targets: config.targets.clone(),
        replay: InMemoryReplayCache::default(),
        sts: EchoSts {
            issuer: "https://idp.example.test/saml".into(),
            name_id: "alice@example.com".into(),
            session_name: "alice".into(),
            calls: Mutex::default(),
        },
        presign: RecordingPresign::default(),
        clock: FixedClock(now),
    };
    Broker::new(flow, &config)
}

/// A sample event of `events/` (parsed JSON).
pub fn event(name: &str) -> Value {
    let path = crate::workspace_root().join("events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("event file")).expect("event JSON")
}

/// The instant an event was sent (`requestContext.timeEpoch`), for pinning the clock.
pub fn sent_at(event: &Value) -> time::OffsetDateTime {
    let millis = event["requestContext"]["timeEpoch"]
        .as_i64()
        .expect("timeEpoch");
    time::OffsetDateTime::from_unix_timestamp(millis / 1000).expect("instant")
}

/// `event` as the Lambda runtime hands it to saml-validator, with `request_id` as the Lambda request ID.
pub fn lambda_request(event: &Value, request_id: &str) -> lambda_http::Request {
    use lambda_http::RequestExt as _;
    let lambda: lambda_http::request::LambdaRequest =
        serde_json::from_value(event.clone()).expect("a payload 2.0 event");
    let mut context = lambda_http::Context::default();
    context.request_id = request_id.into();
    lambda_http::Request::from(lambda).with_lambda_context(context)
}
