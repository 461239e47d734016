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
    /// The DynamoDB table where presign spends each seal once (the stack's replay table, keys
    /// `seal#…`; a deployment sets it through `STUDIOGATE_REPLAY_TABLE`). presign refuses to start
    /// without it, or `seal_ledger_in_memory`.
    pub seal_ledger_table: Option<String>,
    /// Spend seals in process memory instead: tests and single-process local runs only.
    pub seal_ledger_in_memory: bool,
}

/// Where presign spends seals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealLedgerSetting<'a> {
    /// A DynamoDB table.
    Table(&'a str),
    /// Process memory (local runs only).
    InMemory,
}

impl PresignConfig {
    /// `seal_ledger_table` or `seal_ledger_in_memory`, or the error that names them.
    pub fn seal_ledger(&self) -> Result<SealLedgerSetting<'_>, ConfigError> {
        let table = self
            .seal_ledger_table
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match (table, self.seal_ledger_in_memory) {
            (Some(table), false) => Ok(SealLedgerSetting::Table(table)),
            (None, true) => Ok(SealLedgerSetting::InMemory),
            (Some(_), true) => Err(ConfigError::field(
                "presign.seal_ledger_table",
                "set seal_ledger_table or seal_ledger_in_memory, not both",
            )),
            (None, false) => Err(ConfigError::field(
                "presign.seal_ledger_table",
                "name the DynamoDB table where presign spends each seal once (a deployment sets STUDIOGATE_REPLAY_TABLE), or set seal_ledger_in_memory = true for a local run",
            )),
        }
    }

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
            seal_ledger_table: None,
            seal_ledger_in_memory: false,
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
