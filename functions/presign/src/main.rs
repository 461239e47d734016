//! presign: provisions the user's Studio identity and returns a one-time URL. `main` only wires:
//! configuration once at cold start (bad config fails here, naming the field), clients once, then
//! the handler.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use studiogate::config::BrokerConfig;
use studiogate::provision::contract::{ErrorCode, PresignError, PresignRequest, PresignResponse};
use studiogate::provision::wiring::{sdk_config, sdk_presigner, SdkPresigner};

#[tokio::main]
async fn main() -> Result<(), Error> {
    studiogate::telemetry::init_json_logs();
    let config = BrokerConfig::from_env()
        .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"))?;
    let presigner = sdk_presigner(&config, &sdk_config().await);
    tracing::info!(targets = config.targets.len(), "presign ready");
    let presigner = &presigner;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(handle(presigner, event).await)
    }))
    .await
}

/// One invocation: a malformed event is a typed `bad-request`, never a panic.
async fn handle(presigner: &SdkPresigner, event: LambdaEvent<Value>) -> Value {
    let response = match serde_json::from_value::<PresignRequest>(event.payload) {
        Ok(request) => {
            let (response, audit) = presigner.handle(&request).await;
            tracing::info!(audit = %serde_json::to_string(&audit).unwrap_or_default(), lambda_request_id = %event.context.request_id, "presign outcome");
            response
        }
        Err(e) => {
            tracing::warn!(reason = "bad-request", error = %e, "presign request rejected");
            PresignResponse::Error {
                error: PresignError {
                    code: ErrorCode::BadRequest,
                    message: "The request was not understood.".into(),
                },
            }
        }
    };
    serde_json::to_value(response).unwrap_or(Value::Null)
}
