//! saml-validator: the public ACS endpoint. `main` only wires: configuration once at cold start
//! (bad config fails here, naming the field), the SDK clients once, then the handler.

use lambda_http::{run, service_fn, Error, Request};
use studiogate::config::BrokerConfig;
use studiogate::login::wiring::sdk_broker;
use studiogate::provision::wiring::sdk_config;

#[tokio::main]
async fn main() -> Result<(), Error> {
    studiogate::telemetry::init_json_logs();
    let config = BrokerConfig::from_env()
        .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"))?;
    let broker = sdk_broker(&config, &sdk_config().await)
        .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"))?;
    tracing::info!(
        idp = %broker.flow.validator.settings().idp_entity_id,
        targets = config.targets.len(),
        "saml-validator ready"
    );
    let broker = &broker;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(saml_validator::handle(broker, request).await)
    }))
    .await
}
