//! The SageMaker Studio kind: a domain in IAM auth mode. presign creates or reconciles the user's
//! profile (owner tag, execution role and lifecycle configurations from their groups) and presigns
//! a URL with the user's own credentials through the SageMaker API endpoint.

pub mod flow;
pub mod naming;
pub mod port;
pub mod rules;
pub mod space;

pub use port::{Created, PresignParams, ProfileState, SageMakerApi, SpaceState, Updated};

use super::FieldProblem;
use naming::ProfileNameRule;
use rules::ProfileRule;
use serde::Deserialize;
use std::collections::BTreeMap;
use studiogate_kernel::wire::ActionKind;

/// What presign opened for a SageMaker target: the user's profile.
pub const PROFILE: ActionKind = ActionKind::named("sagemaker-profile");

/// A SageMaker Studio domain target (`kind = "sagemaker"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SagemakerTarget {
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
    /// Open this (shared) space; a rule's `private_space` opens the user's own instead.
    pub space_name: Option<String>,
    /// Land here (e.g. `app:JupyterLab:`).
    pub landing_uri: Option<String>,
}

fn default_owner_tag() -> String {
    "studiouserid".into()
}

fn default_expires() -> u32 {
    30
}

impl SagemakerTarget {
    /// The owner's principal tag and the attributes tags are copied from.
    pub fn requested_attributes(&self) -> Vec<String> {
        let owner = format!(
            "{}{}",
            studiogate_saml::aws::PRINCIPAL_TAG_PREFIX,
            self.owner_tag
        );
        std::iter::once(owner)
            .chain(self.tags_from_attributes.values().cloned())
            .collect()
    }

    /// Checks the settings; `path` is `targets.KEY`.
    pub fn check(&self, path: &str) -> Result<(), FieldProblem> {
        let problem = |field: String, message: &str| Err((field, message.to_owned()));
        if !self.domain_id.starts_with("d-") {
            return problem(
                format!("{path}.domain_id"),
                "must be a SageMaker domain ID (d-...)",
            );
        }
        // CreatePresignedDomainUrl's ExpiresInSeconds range.
        if !(5..=300).contains(&self.expires_in_seconds) {
            return problem(
                format!("{path}.expires_in_seconds"),
                "must be between 5 and 300",
            );
        }
        if self.owner_tag.is_empty() {
            return problem(format!("{path}.owner_tag"), "must not be empty");
        }
        for (index, rule) in self.rules.iter().enumerate() {
            if rule.group.is_none() {
                return problem(
                    format!("{path}.rules[{index}].group"),
                    "every rule names a group (use `default` for everyone else)",
                );
            }
        }
        for (field, rule) in self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("{path}.rules[{i}]"), r))
            .chain([(format!("{path}.default"), &self.default)])
        {
            if !rule.execution_role.starts_with("arn:") || !rule.execution_role.contains(":role/") {
                return problem(format!("{field}.execution_role"), "must be an IAM role ARN");
            }
            if let Some(space) = &rule.private_space {
                space.check(&format!("{field}.private_space"))?;
            }
            if let Some(minutes) = rule.idle_shutdown_minutes {
                if !rules::IDLE_MINUTES.contains(&minutes) {
                    return problem(
                        format!("{field}.idle_shutdown_minutes"),
                        "must be between 60 and 525600 (SageMaker's IdleTimeoutInMinutes)",
                    );
                }
            }
        }
        Ok(())
    }
}
