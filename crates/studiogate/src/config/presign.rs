//! `[presign]`: settings of the presign function (saml-validator reads `seal_key` and
//! `budget_seconds` too: it seals requests and waits for presign's answer).

use super::ConfigError;
use serde::Deserialize;

/// `[presign]`: settings of the presign function.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PresignConfig {
    /// The SageMaker API endpoint to presign through: the interface VPC endpoint, so IAM can
    /// require `aws:sourceVpce`. Empty: the SDK's default (or `AWS_ENDPOINT_URL`).
    pub sagemaker_endpoint_url: Option<String>,
    /// The console federation endpoint.
    pub federation_url: String,
    /// The broker's public URL, the `Issuer` of console sign-ins.
    pub broker_url: Option<String>,
    /// Total time for one request's AWS calls, including retries (below the Lambda timeout).
    pub budget_seconds: u64,
    /// How long to wait for a new profile to become InService, within the budget.
    pub profile_ready_seconds: u64,
    /// Bring existing profiles in line with the rules (role, lifecycle configs, tags).
    pub update_existing_profiles: bool,
    /// The KMS HMAC key (ID, ARN or alias) that seals presign requests: saml-validator makes the
    /// MAC, presign checks it (`studiogate_kernel::seal`). A deployment sets it through
    /// `STUDIOGATE_PRESIGN_SEAL_KEY`; both functions refuse to start without it.
    pub seal_key: Option<String>,
}

impl PresignConfig {
    /// `seal_key`, or the error that names it.
    pub fn seal_key(&self) -> Result<&str, ConfigError> {
        self.seal_key
            .as_deref()
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .ok_or_else(|| {
                ConfigError::field(
                    "presign.seal_key",
                    "name the KMS HMAC key that seals presign requests (a deployment sets STUDIOGATE_PRESIGN_SEAL_KEY)",
                )
            })
    }
}

impl Default for PresignConfig {
    fn default() -> Self {
        PresignConfig {
            sagemaker_endpoint_url: None,
            federation_url: "https://signin.aws.amazon.com/federation".into(),
            broker_url: None,
            budget_seconds: 20,
            profile_ready_seconds: 15,
            update_existing_profiles: true,
            seal_key: None,
        }
    }
}

/// Checks `[presign]`, naming the first bad field.
pub(super) fn check(presign: &PresignConfig) -> Result<(), ConfigError> {
    if !(5..=840).contains(&presign.budget_seconds) {
        return Err(ConfigError::field(
            "presign.budget_seconds",
            "must be between 5 and 840 (keep it below the Lambda timeout)",
        ));
    }
    if presign.profile_ready_seconds == 0 || presign.profile_ready_seconds > presign.budget_seconds
    {
        return Err(ConfigError::field(
            "presign.profile_ready_seconds",
            "must be between 1 and presign.budget_seconds",
        ));
    }
    if !presign.federation_url.starts_with("https://")
        && !presign.federation_url.starts_with("http://")
    {
        return Err(ConfigError::field(
            "presign.federation_url",
            "must be an http(s) URL",
        ));
    }
    Ok(())
}
