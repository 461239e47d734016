//! The SageMaker Studio kind: a domain in IAM auth mode. presign creates or reconciles the user's
//! profile (owner tag, execution role and lifecycle configurations from their groups) and presigns
//! a URL with the user's own credentials through the SageMaker API endpoint.

pub mod flow;
pub mod naming;
pub mod port;
pub mod rules;
pub mod space;

pub use port::{
    Created, JupyterLabOthers, PresignParams, ProfileState, SageMakerApi, SpaceState, Updated,
};

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
    pub default: Box<ProfileRule>,
    /// Presigned URL lifetime, 5-300 seconds.
    #[serde(default = "default_expires")]
    pub expires_in_seconds: u32,
    /// Open this (shared) space; a rule's `private_space` opens the user's own instead.
    pub space_name: Option<String>,
    /// Land here (e.g. `app:JupyterLab:`).
    pub landing_uri: Option<String>,
    /// The domain is in another account (hub and spoke): presign provisions through this role.
    pub spoke: Option<Box<SpokeAccess>>,
}

/// How presign reaches a domain in another account: the spoke's provisioning role
/// (template-spoke.yaml), assumed with presign's own credentials and the spoke's external ID.
/// The user's role and SAML provider are in that account too; presign presigns with the user's
/// credentials as for any target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpokeAccess {
    /// The spoke stack's `ProvisioningRoleArn` output.
    pub provisioning_role_arn: String,
    /// The spoke stack's `ProvisioningExternalId` (its role requires it: `sts:ExternalId`).
    pub external_id: String,
}

impl SpokeAccess {
    fn check(&self, path: &str) -> Result<(), FieldProblem> {
        let role = &self.provisioning_role_arn;
        if !role.starts_with("arn:") || !role.contains(":role/") {
            return Err((
                format!("{path}.provisioning_role_arn"),
                "must be an IAM role ARN (the spoke stack's ProvisioningRoleArn output)".into(),
            ));
        }
        // AssumeRole's ExternalId: 2-1224 characters of [\w+=,.@:/-] (STS API reference).
        let id = &self.external_id;
        let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
        if !(2..=1224).contains(&id.len()) || !id.chars().all(allowed) {
            return Err((
                format!("{path}.external_id"),
                "must be 2-1224 characters of letters, digits and _+=,.@:/- (STS ExternalId)"
                    .into(),
            ));
        }
        Ok(())
    }
}

const TAG_KEY_RULE: &str =
    "a tag key is 1-128 characters of letters, digits, spaces and _.:/=+-@, not starting with aws:";

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
        if !rules::is_valid_tag_key(&self.owner_tag) {
            return problem(format!("{path}.owner_tag"), TAG_KEY_RULE);
        }
        // What SageMaker refuses would otherwise fail every first login (CreateUserProfile).
        for (field, keys) in [
            ("static_tags", self.static_tags.keys()),
            ("tags_from_attributes", self.tags_from_attributes.keys()),
        ] {
            if let Some(key) = keys.into_iter().find(|key| !rules::is_valid_tag_key(key)) {
                return problem(format!("{path}.{field}.{key:?}"), TAG_KEY_RULE);
            }
        }
        if let Some((key, _)) = self
            .static_tags
            .iter()
            .find(|(_, value)| rules::in_tag_alphabet(value) != **value)
        {
            return problem(
                format!("{path}.static_tags.{key:?}"),
                "the value must be at most 256 characters of letters, digits, spaces and _.:/=+-@",
            );
        }
        let keys: std::collections::BTreeSet<&str> = self
            .static_tags
            .keys()
            .chain(self.tags_from_attributes.keys())
            .map(String::as_str)
            .chain([self.owner_tag.as_str(), flow::LAST_LOGIN_TAG])
            .collect();
        if keys.len() > rules::MAX_TAGS {
            return problem(
                format!("{path}.static_tags"),
                "a profile carries at most 50 tags: these, tags_from_attributes, the owner tag and studiogate:last-login",
            );
        }
        if let Some(spoke) = &self.spoke {
            spoke.check(&format!("{path}.spoke"))?;
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
            .chain([(format!("{path}.default"), &*self.default)])
        {
            if !rule.execution_role.starts_with("arn:") || !rule.execution_role.contains(":role/") {
                return problem(format!("{field}.execution_role"), "must be an IAM role ARN");
            }
            if let Some(space) = &rule.private_space {
                space.check(&format!("{field}.private_space"))?;
            }
            if let Some(shared) = &rule.shared_space {
                if rule.private_space.is_some() {
                    return problem(
                        format!("{field}.shared_space"),
                        "a rule opens the user's private space or the group's shared space, not both",
                    );
                }
                if !naming::is_valid_profile_name(shared) {
                    return problem(
                        format!("{field}.shared_space"),
                        "must be a space name: letters, digits and hyphens, up to 63, starting and ending alphanumeric",
                    );
                }
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

#[cfg(test)]
mod tests {
    use super::SagemakerTarget;

    fn target(spoke: &str) -> SagemakerTarget {
        toml::from_str(&format!(
            "domain_id = \"d-spoke1\"\ndefault = {{ execution_role = \"arn:aws:iam::222222222222:role/x\" }}\n{spoke}"
        ))
        .unwrap()
    }

    #[test]
    fn a_spoke_names_its_provisioning_role_and_a_valid_external_id() {
        let role = "arn:aws:iam::222222222222:role/studiogate-spoke-provisioning";
        let good = target(&format!(
            "spoke = {{ provisioning_role_arn = \"{role}\", external_id = \"studiogate-team-b-0001\" }}"
        ));
        assert_eq!(good.check("targets.team-b"), Ok(()));
        assert_eq!(good.spoke.unwrap().provisioning_role_arn, role);
        let problem = |spoke: &str| target(spoke).check("targets.team-b").unwrap_err().0;
        assert_eq!(
            problem("spoke = { provisioning_role_arn = \"team-b\", external_id = \"abc\" }"),
            "targets.team-b.spoke.provisioning_role_arn"
        );
        assert_eq!(
            problem(&format!(
                "spoke = {{ provisioning_role_arn = \"{role}\", external_id = \"a b\" }}"
            )),
            "targets.team-b.spoke.external_id"
        );
        assert_eq!(
            problem(&format!(
                "spoke = {{ provisioning_role_arn = \"{role}\", external_id = \"x\" }}"
            )),
            "targets.team-b.spoke.external_id",
            "STS wants 2 characters at least"
        );
        assert!(
            target("").spoke.is_none(),
            "a target is in this account by default"
        );
    }

    #[test]
    fn tags_sagemaker_would_refuse_are_refused_at_load() {
        let problem = |extra: &str| target(extra).check("targets.t").err().map(|p| p.0);
        assert_eq!(
            problem("static_tags = { cost-centre = \"42\", \"team name\" = \"a b\" }"),
            None
        );
        assert_eq!(
            problem("static_tags = { \"aws:team\" = \"x\" }").as_deref(),
            Some("targets.t.static_tags.\"aws:team\"")
        );
        assert_eq!(
            problem("tags_from_attributes = { \"team<\" = \"urn:team\" }").as_deref(),
            Some("targets.t.tags_from_attributes.\"team<\"")
        );
        assert_eq!(
            problem("static_tags = { team = \"a\\nb\" }").as_deref(),
            Some("targets.t.static_tags.\"team\"")
        );
        assert_eq!(
            problem("owner_tag = \"\"").as_deref(),
            Some("targets.t.owner_tag")
        );
        // 48 configured + the owner tag + studiogate:last-login = 50: the most a profile carries.
        let tags = |n: usize| {
            let pairs: Vec<String> = (0..n).map(|i| format!("t{i} = \"v\"")).collect();
            format!("static_tags = {{ {} }}", pairs.join(", "))
        };
        assert_eq!(problem(&tags(48)), None);
        assert_eq!(problem(&tags(49)).as_deref(), Some("targets.t.static_tags"));
    }

    #[test]
    fn a_rule_opens_a_named_shared_space_or_the_private_one_never_both() {
        let rule = |extra: &str| {
            target(&format!(
                "[[rules]]\ngroup = \"forecasters\"\nexecution_role = \"arn:aws:iam::222222222222:role/f\"\n{extra}"
            ))
        };
        assert_eq!(
            rule("shared_space = \"forecasting\"").check("targets.t"),
            Ok(())
        );
        let problem = |extra: &str| rule(extra).check("targets.t").unwrap_err().0;
        assert_eq!(
            problem("shared_space = \"-forecasting\""),
            "targets.t.rules[0].shared_space"
        );
        assert_eq!(
            problem("shared_space = \"team\"\nprivate_space = { instance_type = \"ml.t3.medium\", storage_gb = 5 }"),
            "targets.t.rules[0].shared_space"
        );
    }
}
