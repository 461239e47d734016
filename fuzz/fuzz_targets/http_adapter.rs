//! The Lambda HTTP adapter: any invocation event (function URL / API Gateway payload, which
//! lambda_http parses) through saml-validator's `respond` to the broker on test doubles. Nothing may
//! panic, no answer may be a 5xx but the one "unavailable" page, and every page is secured.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use studiogate::config::BrokerConfig;
use studiogate::login::replay::InMemoryReplayCache;
use studiogate::testkit::{fake_broker, FakeLoginPorts, ScriptedSts};
use studiogate::web::Broker;

static BROKER: LazyLock<Broker<FakeLoginPorts>> = LazyLock::new(|| {
    let text = studiogate_saml::testkit::broker_toml(
        r#"
[login]
presign_function = "presign"
replay_in_memory = true
allowed_roles = ["arn:aws:iam::111122223333:role/StudioUser"]
[presign]
seal_key = "alias/seal"
[targets.ml]
kind = "sagemaker"
display_name = "ML"
domain_id = "d-1"
default = { execution_role = "arn:aws:iam::111122223333:role/Exec" }
"#,
    );
    let config = BrokerConfig::from_toml(&text, None).expect("fuzz configuration");
    fake_broker(
        &config,
        InMemoryReplayCache::default(),
        ScriptedSts::alice("111122223333"),
        "https://d-1.studio.us-east-1.sagemaker.aws/auth?token=x",
        studiogate_fuzz::now(),
    )
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // lambda_http's event parser (aws_lambda_events 1.2.1) panics on `isBase64Encoded: true` with a
    // body that is not base64 (RELIABILITY.md, finding F3): upstream, and not ours to fuzz, so such
    // events are set aside here. Function URLs and API Gateway encode the body themselves.
    let Ok(Ok(request)) = std::panic::catch_unwind(|| lambda_http::request::from_str(text)) else {
        return;
    };
    let (response, _) = studiogate_fuzz::block_on(saml_validator::respond(&BROKER, &request));
    let status = response.status().as_u16();
    assert!(status < 500 || status == 503, "status {status}");
    assert_eq!(
        response.headers().get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
});
