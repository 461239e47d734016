//! SSM Parameter Store on the SDK: the deployed configuration, IdP metadata and SP key.

use studiogate::config::deployment::ParameterStore;
use studiogate_kernel::{AwsError, ErrorKind};

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
