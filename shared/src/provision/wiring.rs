//! Building the presigner on the real SDK clients, once, at cold start.

use super::contract::{ErrorCode, PresignError, PresignRequest, PresignResponse};
use super::Presigner;
use crate::aws::emr::SdkEmr;
use crate::aws::federation::HttpFederation;
use crate::aws::sagemaker::SdkSageMaker;
use crate::aws::sts::SdkSts;
use crate::config::BrokerConfig;
use serde_json::Value;

/// The presigner on the SDK adapters.
pub type SdkPresigner = Presigner<SdkSts, SdkSageMaker, SdkEmr, HttpFederation>;

/// Loads the AWS configuration from the environment (credentials, region, `AWS_ENDPOINT_URL`) with
/// the SDK's own retries off: the presigner retries within its time budget.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

/// The presigner for `config`, on clients built from `aws`.
pub fn sdk_presigner(config: &BrokerConfig, aws: &aws_config::SdkConfig) -> SdkPresigner {
    Presigner {
        identity: SdkSts::new(aws),
        sagemaker: SdkSageMaker::new(aws, config.presign.sagemaker_endpoint_url.clone()),
        emr: SdkEmr::new(aws),
        federation: HttpFederation::new(config.presign.federation_url.clone()),
        settings: config.presign.clone(),
        targets: config.targets.clone(),
    }
}

/// One Lambda invocation: JSON in, JSON out, one audit log line. A malformed event is a typed
/// `bad-request`, never a panic.
pub async fn handle_event(
    presigner: &SdkPresigner,
    event: Value,
    lambda_request_id: &str,
) -> Value {
    let response = match serde_json::from_value::<PresignRequest>(event) {
        Ok(request) => {
            let (response, audit) = presigner.handle(&request).await;
            tracing::info!(audit = %serde_json::to_string(&audit).unwrap_or_default(), lambda_request_id, "presign outcome");
            response
        }
        Err(e) => {
            tracing::warn!(reason = "bad-request", error = %e, lambda_request_id, "presign request rejected");
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
