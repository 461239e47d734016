//! presign: provisions the user's Studio identity and returns a one-time URL. `main` only wires:
//! configuration once at cold start (bad config fails here, naming the field), clients once, then
//! the handler.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use studiogate::config::deployment::{load, Environment, Function};
use studiogate_aws::ssm::SdkParameterStore;

// One invocation at a time per environment: a single-threaded runtime does the same work without
// waking worker threads (measured only together with the shared HTTPS client, commit 97efb61:
// BENCHMARKS.md's 8.83 -> 5.0 ms per login, "Against the targets").
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    studiogate::telemetry::init_json_logs();
    let aws = studiogate_aws::sdk_config().await;
    let function = Function::Presign;
    let env = Environment::of_process(function);
    let config = load(function, &env, &SdkParameterStore::new(&aws)).await;
    let presigner = match config {
        Ok(config) => presign::build(&config, &aws).await,
        Err(error) => Err(error),
    }
    .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"))?;
    tracing::info!(
        targets = presigner.targets.len(),
        revision = env.revision().unwrap_or("local"),
        "presign ready"
    );
    let presigner = &presigner;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let request_id = &event.context.request_id;
        Ok::<_, Error>(presigner.handle_event(event.payload, request_id).await)
    }))
    .await
}
