//! presign: provisions the user's Studio identity and returns a one-time URL. `main` only wires:
//! configuration once at cold start (bad config fails here, naming the field), clients once, then
//! the handler (`studiogate::provision::wiring::handle_event`).

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use studiogate::aws::ssm::SdkParameterStore;
use studiogate::config::deployment::{load, Environment, Function};
use studiogate::provision::wiring::{handle_event, sdk_config, sdk_presigner, sdk_seal_verifier};

#[tokio::main]
async fn main() -> Result<(), Error> {
    studiogate::telemetry::init_json_logs();
    let aws = sdk_config().await;
    let function = Function::Presign;
    let env = Environment::of_process(function);
    let config = load(function, &env, &SdkParameterStore::new(&aws))
        .await
        .and_then(|config| sdk_seal_verifier(&config, &aws).map(|verifier| (config, verifier)))
        .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"))?;
    let (config, verifier) = config;
    let presigner = sdk_presigner(&config, &aws);
    tracing::info!(
        targets = config.targets.len(),
        revision = env.revision().unwrap_or("local"),
        "presign ready"
    );
    let (presigner, verifier) = (&presigner, &verifier);
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let request_id = &event.context.request_id;
        Ok::<_, Error>(handle_event(presigner, verifier, event.payload, request_id).await)
    }))
    .await
}
