//! saml-validator: the public ACS endpoint. `main` only wires: configuration once at cold start
//! (bad config fails here, naming the field), the SDK clients once, then the handler.

use lambda_http::{run, service_fn, Error, Request};
use studiogate::config::deployment::{load, Environment, Function};
use studiogate_aws::ssm::SdkParameterStore;

// One invocation at a time per environment: a single-threaded runtime does the same work without
// waking worker threads (measured only together with the shared HTTPS client, commit 97efb61:
// BENCHMARKS.md's 8.83 -> 5.0 ms per login, "Against the targets").
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    studiogate::telemetry::init_json_logs();
    let aws = studiogate_aws::sdk_config().await;
    let function = Function::SamlValidator;
    let env = Environment::of_process(function);
    let broker = load(function, &env, &SdkParameterStore::new(&aws))
        .await
        .and_then(|config| saml_validator::build(&config, &aws).map(|broker| (config, broker)))
        .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"));
    let (config, broker) = broker?;
    for warning in config.warnings() {
        tracing::warn!(%warning, "configuration gives something up");
    }
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
