//! saml-validator: the public ACS endpoint. `main` only wires: configuration once at cold start
//! (bad config fails here, naming the field), the SDK clients once, then the handler.

use lambda_http::{run, service_fn, Error, Request};
use studiogate::aws::ssm::SdkParameterStore;
use studiogate::config::deployment::{load, Environment, Function};
use studiogate::login::wiring::sdk_broker;
use studiogate::provision::wiring::sdk_config;

#[tokio::main]
async fn main() -> Result<(), Error> {
    studiogate::telemetry::init_json_logs();
    let aws = sdk_config().await;
    let function = Function::SamlValidator;
    let env = Environment::of_process(function);
    let config = load(function, &env, &SdkParameterStore::new(&aws))
        .await
        .and_then(|config| sdk_broker(&config, &aws).map(|broker| (config, broker)))
        .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"));
    let (config, broker) = config?;
    tracing::info!(
        idp = %broker.flow.validator.settings().idp_entity_id,
        targets = config.targets.len(),
        revision = env.revision().unwrap_or("local"),
        "saml-validator ready"
    );
    let broker = &broker;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(saml_validator::handle(broker, request).await)
    }))
    .await
}
