//! What a user's Studio identity should look like: the execution role and lifecycle configurations
//! their groups map to (ordered rules, first match wins, then a default), the tags it carries, and
//! how an existing profile differs from that.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The Studio app types that take lifecycle configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AppType {
    /// JupyterLab (Studio).
    JupyterLab,
    /// JupyterServer (Studio Classic).
    JupyterServer,
    /// Code Editor.
    CodeEditor,
    /// KernelGateway (Studio Classic kernels).
    KernelGateway,
}

/// Lifecycle configurations for one app type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppLifecycle {
    /// `DefaultResourceSpec.LifecycleConfigArn`: runs unless the user picks another.
    pub default: Option<String>,
    /// `LifecycleConfigArns`: the ones the user may pick (the default is added if missing).
    #[serde(default)]
    pub arns: Vec<String>,
}

impl AppLifecycle {
    /// The list with the default in it, sorted, so comparisons ignore order.
    pub fn normalized(&self) -> AppLifecycle {
        let mut arns = self.arns.clone();
        if let Some(default) = &self.default {
            if !arns.contains(default) {
                arns.push(default.clone());
            }
        }
        arns.sort();
        arns.dedup();
        AppLifecycle {
            default: self.default.clone(),
            arns,
        }
    }
}

/// One mapping rule: users in `group` (any group, for the default) get this role and these configs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileRule {
    /// The group this rule is for; absent on the default rule.
    #[serde(default)]
    pub group: Option<String>,
    /// The SageMaker execution role ARN.
    pub execution_role: String,
    /// Lifecycle configurations per app type.
    #[serde(default)]
    pub lifecycle_configs: BTreeMap<AppType, AppLifecycle>,
}

/// The first rule whose group the user is in, else the default.
pub fn select_rule<'a>(
    rules: &'a [ProfileRule],
    default: &'a ProfileRule,
    groups: &[String],
) -> &'a ProfileRule {
    rules
        .iter()
        .find(|rule| rule.group.as_ref().is_some_and(|g| groups.contains(g)))
        .unwrap_or(default)
}

/// What a profile should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredProfile {
    /// Execution role ARN.
    pub execution_role: String,
    /// Lifecycle configurations per app type (normalized).
    pub lifecycle_configs: BTreeMap<AppType, AppLifecycle>,
    /// Tags, including the owner tag.
    pub tags: BTreeMap<String, String>,
}

impl DesiredProfile {
    /// From a selected rule and the computed tags.
    pub fn new(rule: &ProfileRule, tags: BTreeMap<String, String>) -> Self {
        DesiredProfile {
            execution_role: rule.execution_role.clone(),
            lifecycle_configs: rule
                .lifecycle_configs
                .iter()
                .map(|(app, l)| (*app, l.normalized()))
                .collect(),
            tags,
        }
    }
}

/// What an existing profile is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedProfile {
    /// Execution role ARN, if set on the profile.
    pub execution_role: Option<String>,
    /// Lifecycle configurations per app type.
    pub lifecycle_configs: BTreeMap<AppType, AppLifecycle>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// How an existing profile differs from what the rules say now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// The role to set, when it differs.
    pub execution_role: Option<String>,
    /// App types whose lifecycle configurations differ, with what they should be.
    pub lifecycle_configs: BTreeMap<AppType, AppLifecycle>,
    /// Tags to add or change (tags are never removed: other tools may own them).
    pub tags: BTreeMap<String, String>,
}

impl Drift {
    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        self.execution_role.is_none() && self.lifecycle_configs.is_empty() && self.tags.is_empty()
    }

    /// Whether a UpdateUserProfile is needed (tags go through AddTags).
    pub fn needs_settings_update(&self) -> bool {
        self.execution_role.is_some() || !self.lifecycle_configs.is_empty()
    }
}

/// The difference between `desired` and `observed`.
pub fn drift(desired: &DesiredProfile, observed: &ObservedProfile) -> Drift {
    let execution_role = (observed.execution_role.as_deref()
        != Some(desired.execution_role.as_str()))
    .then(|| desired.execution_role.clone());
    let lifecycle_configs = desired
        .lifecycle_configs
        .iter()
        .filter(|(app, wanted)| {
            observed
                .lifecycle_configs
                .get(app)
                .map(AppLifecycle::normalized)
                .as_ref()
                != Some(*wanted)
        })
        .map(|(app, wanted)| (*app, wanted.clone()))
        .collect();
    let tags = desired
        .tags
        .iter()
        .filter(|(key, value)| observed.tags.get(*key) != Some(*value))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Drift {
        execution_role,
        lifecycle_configs,
        tags,
    }
}

/// The tags a profile carries: the owner tag, static tags, and tags copied from SAML attributes
/// (first value; an absent attribute adds no tag). The owner tag wins over any other source.
pub fn profile_tags(
    owner_tag: &str,
    owner: &str,
    static_tags: &BTreeMap<String, String>,
    from_attributes: &BTreeMap<String, String>,
    attributes: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, String> {
    let mut tags = static_tags.clone();
    for (tag, attribute) in from_attributes {
        if let Some(value) = attributes.get(attribute).and_then(|v| v.first()) {
            tags.insert(tag.clone(), value.chars().take(256).collect());
        }
    }
    tags.insert(owner_tag.to_owned(), owner.to_owned());
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(group: Option<&str>, role: &str, lab: Option<&str>) -> ProfileRule {
        let mut lifecycle_configs = BTreeMap::new();
        if let Some(arn) = lab {
            lifecycle_configs.insert(
                AppType::JupyterLab,
                AppLifecycle {
                    default: Some(arn.into()),
                    arns: vec![],
                },
            );
        }
        ProfileRule {
            group: group.map(Into::into),
            execution_role: role.into(),
            lifecycle_configs,
        }
    }

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_first_matching_rule_wins_and_the_default_catches_the_rest() {
        let rules = vec![
            rule(Some("ml-admins"), "admin-role", None),
            rule(Some("ml-engineers"), "engineer-role", None),
        ];
        let default = rule(None, "default-role", None);
        assert_eq!(
            select_rule(&rules, &default, &groups(&["ml-engineers", "ml-admins"])).execution_role,
            "admin-role"
        );
        assert_eq!(
            select_rule(&rules, &default, &groups(&["ml-engineers"])).execution_role,
            "engineer-role"
        );
        assert_eq!(
            select_rule(&rules, &default, &groups(&["finance"])).execution_role,
            "default-role"
        );
        assert_eq!(
            select_rule(&rules, &default, &[]).execution_role,
            "default-role"
        );
    }

    #[test]
    fn normalizing_puts_the_default_in_the_list_and_ignores_order() {
        let a = AppLifecycle {
            default: Some("arn:b".into()),
            arns: vec!["arn:c".into(), "arn:a".into()],
        };
        assert_eq!(a.normalized().arns, vec!["arn:a", "arn:b", "arn:c"]);
    }

    #[test]
    fn drift_names_exactly_what_differs() {
        let tags: BTreeMap<_, _> = [
            ("studiouserid".to_string(), "alice".to_string()),
            ("team".into(), "ml".into()),
        ]
        .into();
        let desired = DesiredProfile::new(&rule(None, "role-b", Some("arn:lab")), tags.clone());
        let same = ObservedProfile {
            execution_role: Some("role-b".into()),
            lifecycle_configs: desired.lifecycle_configs.clone(),
            tags: tags.clone(),
        };
        assert!(drift(&desired, &same).is_empty());
        let changed = ObservedProfile {
            execution_role: Some("role-a".into()),
            lifecycle_configs: BTreeMap::new(),
            tags: [
                ("studiouserid".to_string(), "alice".to_string()),
                ("extra".into(), "kept".into()),
            ]
            .into(),
        };
        let d = drift(&desired, &changed);
        assert_eq!(d.execution_role.as_deref(), Some("role-b"));
        assert_eq!(
            d.lifecycle_configs.keys().collect::<Vec<_>>(),
            vec![&AppType::JupyterLab]
        );
        assert_eq!(d.tags, [("team".to_string(), "ml".to_string())].into());
        assert!(d.needs_settings_update());
    }

    #[test]
    fn tags_combine_static_attribute_and_owner_tags_with_the_owner_winning() {
        let static_tags: BTreeMap<_, _> = [
            ("cost-centre".to_string(), "42".to_string()),
            ("studiouserid".into(), "spoof".into()),
        ]
        .into();
        let from: BTreeMap<_, _> = [
            ("team".to_string(), "https://idp/claims/team".to_string()),
            ("dept".into(), "missing".into()),
        ]
        .into();
        let attributes: BTreeMap<_, _> = [(
            "https://idp/claims/team".to_string(),
            vec!["ml".to_string(), "x".into()],
        )]
        .into();
        let tags = profile_tags("studiouserid", "alice", &static_tags, &from, &attributes);
        assert_eq!(tags.get("studiouserid").map(String::as_str), Some("alice"));
        assert_eq!(tags.get("team").map(String::as_str), Some("ml"));
        assert_eq!(tags.get("cost-centre").map(String::as_str), Some("42"));
        assert!(!tags.contains_key("dept"));
    }
}
