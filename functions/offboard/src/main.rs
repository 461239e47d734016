//! offboard: `main` only wires. Under Lambda (`AWS_LAMBDA_RUNTIME_API` set) it is the stack's
//! scheduled function, configured by the stack's variables; anywhere else it is the
//! administrator's command, configured by its arguments (a dry run unless `--execute`).

mod command;

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use studiogate::config::deployment::{load, Environment, Function};
use studiogate_aws::ssm::SdkParameterStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        std::process::exit(command::main().await);
    }
    studiogate::telemetry::init_json_logs();
    let aws = studiogate_aws::sdk_config().await;
    let env = Environment::of_process(Function::Offboard);
    let settings = offboard::RunSettings::from_environment(&env);
    let config = load(Function::Offboard, &env, &SdkParameterStore::new(&aws)).await;
    let (offboarding, settings) = config
        .and_then(|config| Ok((offboard::build(&config, &aws), settings?)))
        .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"))?;
    let (offboarding, settings) = (&offboarding, &settings);
    run(service_fn(move |_: LambdaEvent<Value>| async move {
        offboarding.scheduled(settings).await.map_err(Error::from)
    }))
    .await
}
