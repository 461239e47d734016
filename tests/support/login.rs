//! The saml-validator handler in-process: its Lambda events, and the broker on the test kit's
//! doubles (`studiogate::testkit`) for tests that pin the clock (the emulator's STS reads the wall
//! clock).

use serde_json::Value;
use studiogate::config::BrokerConfig;
use studiogate::login::replay::InMemoryReplayCache;
use studiogate::testkit::{fake_broker, FakeLoginPorts, ScriptedSts};
use studiogate::web::Broker;

/// The URL the broker's presign double answers.
pub const PRESIGNED_URL: &str =
    "https://d-7ac2bcf8fc16.studio.us-east-1.sagemaker.aws/auth?token=in-process";

/// The broker the handler tests drive: the local configuration on the test kit's doubles.
pub type PinnedBroker = Broker<FakeLoginPorts>;

/// `examples/local/studiogate.toml` on the doubles (STS reading the local IdP's alice, presign
/// redirecting to [`PRESIGNED_URL`]), with the clock pinned at `now`.
pub fn pinned_broker(now: time::OffsetDateTime) -> PinnedBroker {
    let config =
        BrokerConfig::from_file(&crate::workspace_root().join("examples/local/studiogate.toml"))
            .expect("the local configuration is valid");
    let sts = ScriptedSts {
        issuer: "https://idp.example.test/saml".into(),
        // STS reports the Recipient, which the local IdP sets to the broker's ACS URL.
        audience: config.sp.acs_urls[0].clone(),
        ..ScriptedSts::alice("123456789012")
    };
    fake_broker(
        &config,
        InMemoryReplayCache::default(),
        sts,
        PRESIGNED_URL,
        now,
    )
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
