//! Building the presigner on the real SDK clients, once, at cold start.

use super::contract::{ErrorCode, PresignError, PresignResponse};
use super::seal::{self, MacVerifier, SealError};
use super::Presigner;
use crate::aws::emr::SdkEmr;
use crate::aws::federation::HttpFederation;
use crate::aws::kms::KmsMacKey;
use crate::aws::sagemaker::SdkSageMaker;
use crate::aws::sts::SdkSts;
use crate::config::{BrokerConfig, ConfigError};
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

/// The seal checker for `config` (KMS through the stack's endpoint); fails, naming the field,
/// without `presign.seal_key`.
pub fn sdk_seal_verifier(
    config: &BrokerConfig,
    aws: &aws_config::SdkConfig,
) -> Result<KmsMacKey, ConfigError> {
    Ok(KmsMacKey::new(
        aws,
        config.presign.seal_key()?,
        seal::SEAL_TIMEOUT,
    ))
}

/// One Lambda invocation: a sealed request in, JSON out, one audit log line. Nothing in the event
/// is trusted before its seal is checked ([`seal::open`]); a malformed, unsealed, forged or
/// expired event is a typed `bad-request`, never a panic.
pub async fn handle_event<V: MacVerifier>(
    presigner: &SdkPresigner,
    verifier: &V,
    event: Value,
    lambda_request_id: &str,
) -> Value {
    let started = std::time::Instant::now();
    let response = match seal::open(verifier, event, time::OffsetDateTime::now_utc()).await {
        Ok(request) => {
            // Checking the seal spent part of the budget: the Lambda timeout assumes one budget.
            let (response, audit) = presigner.handle_after(&request, started.elapsed()).await;
            tracing::info!(audit = %serde_json::to_string(&audit).unwrap_or_default(), lambda_request_id, "presign outcome");
            response
        }
        Err(e) => {
            tracing::warn!(reason = e.reason_code(), error = %e, lambda_request_id, "presign request refused");
            let (code, message) = match e {
                SealError::Unverifiable(_) => (
                    ErrorCode::TryAgain,
                    "AWS is busy right now. Try again in a minute.",
                ),
                _ => (ErrorCode::BadRequest, "The request was not understood."),
            };
            PresignResponse::Error {
                error: PresignError {
                    code,
                    message: message.into(),
                },
            }
        }
    };
    serde_json::to_value(response).unwrap_or(Value::Null)
}
