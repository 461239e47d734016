//! `[presign]` and `[targets.KEY]`: where a login can lead. RelayState is only ever a key into these.

use super::ConfigError;
use crate::provision::naming::ProfileNameRule;
use crate::provision::rules::ProfileRule;
use serde::Deserialize;
use std::collections::BTreeMap;

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
    /// MAC, presign checks it ([`crate::provision::seal`]). A deployment sets it through
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

/// A SageMaker Studio domain target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SagemakerTarget {
    /// What the user sees on chooser pages.
    pub display_name: String,
    /// The domain (IAM auth mode).
    pub domain_id: String,
    /// How profile names are derived.
    #[serde(default)]
    pub profile_name: ProfileNameRule,
    /// The tag that names a profile's owner.
    #[serde(default = "default_owner_tag")]
    pub owner_tag: String,
    /// Tags every profile carries.
    #[serde(default)]
    pub static_tags: BTreeMap<String, String>,
    /// Tags copied from SAML attributes: tag key → attribute name.
    #[serde(default)]
    pub tags_from_attributes: BTreeMap<String, String>,
    /// Ordered group rules (first match wins).
    #[serde(default)]
    pub rules: Vec<ProfileRule>,
    /// The rule for everyone else.
    pub default: ProfileRule,
    /// Presigned URL lifetime, 5-300 seconds.
    #[serde(default = "default_expires")]
    pub expires_in_seconds: u32,
    /// Open this space.
    pub space_name: Option<String>,
    /// Land here (e.g. `app:JupyterLab:`).
    pub landing_uri: Option<String>,
    /// IAM roles (role ARNs) allowed to use this target; empty: any role the broker allows.
    #[serde(default)]
    pub allowed_roles: Vec<String>,
}

/// How an Identity Center EMR Studio maps users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MappingMode {
    /// One session mapping per user (IdentityName = NameID).
    #[default]
    User,
    /// One per group: the first group that has a rule.
    Group,
}

/// A session policy rule for an Identity Center EMR Studio.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPolicyRule {
    /// The group; absent on the default rule.
    #[serde(default)]
    pub group: Option<String>,
    /// The session policy ARN.
    pub session_policy_arn: String,
}

/// An EMR Studio target (its mode is read with DescribeStudio).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmrTarget {
    /// What the user sees on chooser pages.
    pub display_name: String,
    /// The Studio.
    pub studio_id: String,
    /// The Studio's region (for the console deep link).
    pub region: String,
    /// Identity Center mode: user or group mappings.
    #[serde(default)]
    pub mapping: MappingMode,
    /// Identity Center mode: ordered group rules.
    #[serde(default)]
    pub session_policy_rules: Vec<SessionPolicyRule>,
    /// Identity Center mode: the policy for everyone else.
    pub default_session_policy_arn: Option<String>,
    /// IAM roles allowed to use this target; empty: any.
    #[serde(default)]
    pub allowed_roles: Vec<String>,
}

/// One configured target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Target {
    /// A SageMaker Studio domain.
    Sagemaker(SagemakerTarget),
    /// An EMR Studio.
    Emr(EmrTarget),
}

fn default_owner_tag() -> String {
    "studiouserid".into()
}

fn default_expires() -> u32 {
    30
}

/// Checks the targets, naming the first bad field.
pub(crate) fn check(
    presign: &PresignConfig,
    targets: &BTreeMap<String, Target>,
) -> Result<(), (String, String)> {
    let field = |path: String, message: &str| Err((path, message.to_owned()));
    if !(5..=840).contains(&presign.budget_seconds) {
        return field(
            "presign.budget_seconds".into(),
            "must be between 5 and 840 (keep it below the Lambda timeout)",
        );
    }
    if presign.profile_ready_seconds == 0 || presign.profile_ready_seconds > presign.budget_seconds
    {
        return field(
            "presign.profile_ready_seconds".into(),
            "must be between 1 and presign.budget_seconds",
        );
    }
    if !presign.federation_url.starts_with("https://")
        && !presign.federation_url.starts_with("http://")
    {
        return field("presign.federation_url".into(), "must be an http(s) URL");
    }
    for (key, target) in targets {
        if key.is_empty()
            || key.len() > 64
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return field(
                format!("targets.{key}"),
                "target keys are 1-64 letters, digits, '-' or '_' (they travel as RelayState)",
            );
        }
        match target {
            Target::Sagemaker(t) => {
                if !t.domain_id.starts_with("d-") {
                    return field(
                        format!("targets.{key}.domain_id"),
                        "must be a SageMaker domain ID (d-...)",
                    );
                }
                if !(5..=300).contains(&t.expires_in_seconds) {
                    return field(
                        format!("targets.{key}.expires_in_seconds"),
                        "must be between 5 and 300",
                    );
                }
                if t.owner_tag.is_empty() {
                    return field(format!("targets.{key}.owner_tag"), "must not be empty");
                }
                for (index, rule) in t.rules.iter().enumerate() {
                    if rule.group.is_none() {
                        return field(
                            format!("targets.{key}.rules[{index}].group"),
                            "every rule names a group (use `default` for everyone else)",
                        );
                    }
                }
                for (path, rule) in t
                    .rules
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (format!("targets.{key}.rules[{i}]"), r))
                    .chain([(format!("targets.{key}.default"), &t.default)])
                {
                    if !rule.execution_role.starts_with("arn:")
                        || !rule.execution_role.contains(":role/")
                    {
                        return field(format!("{path}.execution_role"), "must be an IAM role ARN");
                    }
                }
            }
            Target::Emr(t) => {
                if !t.studio_id.starts_with("es-") {
                    return field(
                        format!("targets.{key}.studio_id"),
                        "must be an EMR Studio ID (es-...)",
                    );
                }
                if t.region.is_empty() {
                    return field(
                        format!("targets.{key}.region"),
                        "must name the Studio's region",
                    );
                }
            }
        }
    }
    Ok(())
}
