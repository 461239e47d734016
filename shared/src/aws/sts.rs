//! STS on the SDK: GetCallerIdentity with the user's credentials.

use super::{user_credentials, AwsError, ErrorKind};
use crate::provision::contract::FederatedCredentials;
use crate::provision::ports::CallerIdentity;

/// The AWS operations this adapter calls (GetCallerIdentity needs no IAM permission).
pub const OPERATIONS: &[&str] = &["sts:GetCallerIdentity"];

/// STS through the SDK.
#[derive(Clone, Debug)]
pub struct SdkSts {
    sdk_config: aws_config::SdkConfig,
}

impl SdkSts {
    /// Per-request clients are built from `config` with the user's credentials.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SdkSts {
            sdk_config: config.clone(),
        }
    }
}

impl CallerIdentity for SdkSts {
    async fn caller_arn(&self, credentials: &FederatedCredentials) -> Result<String, AwsError> {
        let config = aws_sdk_sts::config::Builder::from(&self.sdk_config)
            .credentials_provider(user_credentials(credentials))
            .build();
        let identity = aws_sdk_sts::Client::from_conf(config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("sts:GetCallerIdentity", e))?;
        identity.arn().map(str::to_owned).ok_or_else(|| {
            AwsError::new(
                "sts:GetCallerIdentity",
                ErrorKind::Other,
                "NoArn",
                "no Arn in the answer",
            )
        })
    }
}
