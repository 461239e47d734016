//! Building the presigner on the real SDK clients, once, at cold start.

use super::Presigner;
use crate::aws::emr::SdkEmr;
use crate::aws::federation::HttpFederation;
use crate::aws::sagemaker::SdkSageMaker;
use crate::aws::sts::SdkSts;
use crate::config::BrokerConfig;

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
