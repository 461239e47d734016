//! SSM Parameter Store on the SDK: the deployed configuration, IdP metadata and SP key.

use studiogate::config::deployment::ParameterStore;
use studiogate_kernel::retry::{with_retry_by_deadline, Budget};
use studiogate_kernel::{AwsError, ErrorKind};

/// How long a cold start may spend on one parameter read, retries of a throttled, failed (5xx) or
/// lost read included, before the function refuses to start (Lambda allows 10 s of init).
const READ_BUDGET: std::time::Duration = std::time::Duration::from_secs(4);

/// Parameter Store through the SDK.
#[derive(Clone, Debug)]
pub struct SdkParameterStore {
    client: aws_sdk_ssm::Client,
}

impl SdkParameterStore {
    /// With the function's own credentials.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SdkParameterStore {
            client: aws_sdk_ssm::Client::new(config),
        }
    }
}

impl ParameterStore for SdkParameterStore {
    async fn parameter(&self, name: &str) -> Result<String, AwsError> {
        let budget = Budget::new(READ_BUDGET);
        with_retry_by_deadline(&budget, "ssm:GetParameter", || self.read_once(name))
            .await
            .0
    }
}

impl SdkParameterStore {
    async fn read_once(&self, name: &str) -> Result<String, AwsError> {
        const OPERATION: &str = "ssm:GetParameter";
        let output = self
            .client
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| crate::sdk_error(OPERATION, e))?;
        output
            .parameter()
            .and_then(|p| p.value())
            .map(str::to_owned)
            .ok_or_else(|| {
                AwsError::new(
                    OPERATION,
                    ErrorKind::Other,
                    "NoValue",
                    "the parameter has no value",
                )
            })
    }
}
