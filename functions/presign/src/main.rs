//! presign: provisions the user's Studio identity and returns a one-time URL. This build loads and
//! checks the configuration at cold start and answers every invocation with a typed
//! `not-available` error; provisioning is wired in by the presign work.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use studiogate::config::BrokerConfig;

#[tokio::main]
async fn main() -> Result<(), Error> {
    studiogate::telemetry::init_json_logs();
    let config = BrokerConfig::from_env()
        .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"))?;
    config.saml_validator()?;
    tracing::info!("presign ready");
    run(service_fn(|event: LambdaEvent<Value>| async move {
        let request_id = event.context.request_id;
        Ok::<_, Error>(json!({
            "ok": false,
            "request_id": request_id,
            "error": { "code": "not-available", "message": "Workspace provisioning is not available in this release." }
        }))
    }))
    .await
}
