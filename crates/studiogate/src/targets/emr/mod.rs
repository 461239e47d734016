//! The EMR Studio kind. A Studio in IAM auth mode is opened through a console federation sign-in
//! with the user's credentials; a Studio in IAM Identity Center mode through a session mapping for
//! the user (or their group), by their Identity Store ID, and the user then signs in to Identity
//! Center at the Studio URL. The mode is read with DescribeStudio.

pub mod flow;
pub mod port;

pub use port::{EmrStudioAccess, IdentityType, StudioInfo, StudioMode};

use super::FieldProblem;
use serde::Deserialize;
use studiogate_kernel::wire::ActionKind;

/// What presign opened for an IAM-mode Studio: a console federation sign-in.
pub const FEDERATION: ActionKind = ActionKind::named("emr-federation");
/// What presign opened for an Identity Center Studio: the user's (or group's) session mapping.
pub const SESSION_MAPPING: ActionKind = ActionKind::named("emr-session-mapping");

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

/// An EMR Studio target (`kind = "emr"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmrTarget {
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
    /// Identity Center mode: the Identity Store (`d-...`) users and groups are looked up in, so
    /// mappings name an Identity Store ID rather than a name EMR would resolve.
    pub identity_store_id: Option<String>,
    /// Identity Center mode: the SAML attribute whose first value is the user's Identity Center
    /// `UserName` (e.g. the UPN); absent: the NameID.
    pub user_name_attribute: Option<String>,
}

/// `d-` and ten hex digits, or a UUID (the Identity Store API reference's IdentityStoreId pattern).
fn is_identity_store_id(id: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(rest) = id.strip_prefix("d-") {
        return rest.len() == 10 && hex(rest);
    }
    let groups: Vec<&str> = id.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| hex(g))
}

impl EmrTarget {
    /// Checks the settings; `path` is `targets.KEY`.
    pub fn check(&self, path: &str) -> Result<(), FieldProblem> {
        if !self.studio_id.starts_with("es-") {
            return Err((
                format!("{path}.studio_id"),
                "must be an EMR Studio ID (es-...)".into(),
            ));
        }
        if self.region.is_empty() {
            return Err((
                format!("{path}.region"),
                "must name the Studio's region".into(),
            ));
        }
        if let Some(store) = &self.identity_store_id {
            if !is_identity_store_id(store) {
                return Err((
                    format!("{path}.identity_store_id"),
                    "must be an Identity Store ID (d-1234567890)".into(),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn identity_store_ids_are_recognised_in_both_forms() {
        assert!(super::is_identity_store_id("d-90670ca891"));
        assert!(super::is_identity_store_id(
            "1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!super::is_identity_store_id("d-9067"));
        assert!(!super::is_identity_store_id("ssoins-1234567890abcdef"));
    }
}
