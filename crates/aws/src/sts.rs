//! STS on the SDK: GetCallerIdentity with the user's credentials (presign), and AssumeRoleWithSAML
//! (saml-validator).

use crate::user_credentials;
use studiogate::login::ports::{AssumeRoleWithSaml, SamlFederation, StsAnswer};
use studiogate::provision::CallerIdentity;
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::{AwsError, ErrorKind};

/// STS through the SDK.
#[derive(Clone, Debug)]
pub struct SdkSts {
    /// Each call signs with the credentials it is asked about, never with the function's own.
    client: aws_sdk_sts::Client,
}

impl SdkSts {
    /// A client from `config` (region, endpoint); its calls override the credentials.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SdkSts {
            client: aws_sdk_sts::Client::new(config),
        }
    }
}

impl CallerIdentity for SdkSts {
    async fn caller_arn(&self, credentials: &FederatedCredentials) -> Result<String, AwsError> {
        // The user's credentials for this call alone, kept by no cache (as in
        // `sagemaker::user_override`).
        let user = aws_sdk_sts::config::Builder::default()
            .credentials_provider(user_credentials(credentials))
            .identity_cache(aws_sdk_sts::config::IdentityCache::no_cache());
        let identity = self
            .client
            .get_caller_identity()
            .customize()
            .config_override(user)
            .send()
            .await
            .map_err(|e| crate::sdk_error("sts:GetCallerIdentity", e))?;
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

/// AssumeRoleWithSAML through the SDK.
#[derive(Clone, Debug)]
pub struct SdkSamlFederation {
    client: aws_sdk_sts::Client,
}

impl SdkSamlFederation {
    /// An STS client from `config` (region, endpoint); a call that has not answered within
    /// `timeout` fails as a network error.
    pub fn new(config: &aws_config::SdkConfig, timeout: std::time::Duration) -> Self {
        let config = aws_sdk_sts::config::Builder::from(config)
            .timeout_config(crate::operation_timeout(timeout))
            .build();
        SdkSamlFederation {
            client: aws_sdk_sts::Client::from_conf(config),
        }
    }
}

impl SamlFederation for SdkSamlFederation {
    async fn assume_role_with_saml(
        &self,
        params: &AssumeRoleWithSaml<'_>,
    ) -> Result<StsAnswer, AwsError> {
        const OPERATION: &str = "sts:AssumeRoleWithSAML";
        // Some IdPs wrap the base64 in lines; STS takes it in one piece.
        let assertion: String = params.saml_response.split_whitespace().collect();
        let output = self
            .client
            .assume_role_with_saml()
            .role_arn(params.role_arn)
            .principal_arn(params.provider_arn)
            .saml_assertion(assertion)
            .duration_seconds(i32::try_from(params.duration_seconds).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| crate::sdk_error(OPERATION, e))?;
        let credentials = output.credentials().ok_or_else(|| {
            AwsError::new(
                OPERATION,
                ErrorKind::Other,
                "NoCredentials",
                "no Credentials in the answer",
            )
        })?;
        let expiration = time::OffsetDateTime::from_unix_timestamp(credentials.expiration().secs())
            .map_err(|_| {
                AwsError::new(
                    OPERATION,
                    ErrorKind::Other,
                    "BadExpiration",
                    "Expiration is out of range",
                )
            })?;
        Ok(StsAnswer {
            credentials: FederatedCredentials {
                access_key_id: credentials.access_key_id().to_owned(),
                secret_access_key: credentials.secret_access_key().to_owned(),
                session_token: credentials.session_token().to_owned(),
                expiration: studiogate_kernel::clock::format_instant(expiration),
            },
            assumed_role_arn: output.assumed_role_user().map(|u| u.arn().to_owned()),
            issuer: output.issuer().map(str::to_owned),
            audience: output.audience().map(str::to_owned),
            subject: output.subject().map(str::to_owned),
        })
    }
}
