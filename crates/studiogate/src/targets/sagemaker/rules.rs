//! What a user's Studio identity should look like: the execution role, lifecycle configurations
//! and idle shutdown their groups map to (ordered rules, first match wins, then a default), the tags
//! it carries, and how an existing profile differs from that.

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
    /// SageMaker's own idle shutdown (`AppLifecycleManagement.IdleSettings`) of JupyterLab and Code
    /// Editor apps, in minutes (60-525600); absent: leave the profile's as it is.
    #[serde(default)]
    pub idle_shutdown_minutes: Option<u32>,
    /// The user's private JupyterLab space (Studio): created, kept in line and opened directly.
    #[serde(default)]
    pub private_space: Option<super::space::PrivateSpaceRule>,
    /// The group's shared space (Studio), opened directly: it must exist and be shared. Who may
    /// work in it is the rule's execution role's to grant (docs/presign.md, "A group's shared space").
    #[serde(default)]
    pub shared_space: Option<String>,
}

/// The app types SageMaker shuts down when idle (`AppLifecycleManagement`).
pub const IDLE_SHUTDOWN_APPS: [AppType; 2] = [AppType::JupyterLab, AppType::CodeEditor];

/// `IdleSettings.IdleTimeoutInMinutes`' range (SageMaker API reference, IdleSettings).
pub const IDLE_MINUTES: std::ops::RangeInclusive<u32> = 60..=525_600;

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
    /// Idle shutdown of JupyterLab and Code Editor apps, minutes; `None`: not managed.
    pub idle_shutdown_minutes: Option<u32>,
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
            idle_shutdown_minutes: rule.idle_shutdown_minutes,
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
    /// Idle shutdown minutes of the app types that have it enabled.
    pub idle_shutdown_minutes: BTreeMap<AppType, u32>,
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
    /// App types whose idle shutdown differs, with the minutes it should be.
    pub idle_shutdown_minutes: BTreeMap<AppType, u32>,
    /// Tags to add or change (tags are never removed: other tools may own them).
    pub tags: BTreeMap<String, String>,
}

impl Drift {
    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        !self.needs_settings_update() && self.tags.is_empty()
    }

    /// Whether a UpdateUserProfile is needed (tags go through AddTags).
    pub fn needs_settings_update(&self) -> bool {
        self.execution_role.is_some()
            || !self.lifecycle_configs.is_empty()
            || !self.idle_shutdown_minutes.is_empty()
    }

    /// The app types whose settings this drift changes (each is sent whole, read-modify-write).
    pub fn app_types(&self) -> std::collections::BTreeSet<AppType> {
        self.lifecycle_configs
            .keys()
            .chain(self.idle_shutdown_minutes.keys())
            .copied()
            .collect()
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
            // Settings with no configuration read back as no entry: the same as an empty one, or
            // a rule that names an app type without configurations would update on every login.
            observed
                .lifecycle_configs
                .get(app)
                .map(AppLifecycle::normalized)
                .unwrap_or_default()
                != **wanted
        })
        .map(|(app, wanted)| (*app, wanted.clone()))
        .collect();
    let idle_shutdown_minutes = desired
        .idle_shutdown_minutes
        .map(|minutes| {
            IDLE_SHUTDOWN_APPS
                .into_iter()
                .filter(|app| observed.idle_shutdown_minutes.get(app) != Some(&minutes))
                .map(|app| (app, minutes))
                .collect()
        })
        .unwrap_or_default();
    let tags = desired
        .tags
        .iter()
        .filter(|(key, value)| observed.tags.get(*key) != Some(*value))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Drift {
        execution_role,
        lifecycle_configs,
        idle_shutdown_minutes,
        tags,
    }
}

/// The longest tag value SageMaker takes.
const TAG_VALUE_CHARS: usize = 256;

/// A tag value as SageMaker accepts it (`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, at most 256 characters, per
/// the SageMaker API reference, Tag): any other character becomes `_`, and it is cut at 256. The
/// separators are `\p{Z}`, white space that is no control character (a tab or line feed in an
/// attribute is a control, `\p{Cc}`). An `aws:` prefix, reserved to AWS in any case ("Tagging
/// best practices"), becomes `aws_`. Deterministic, so the same attribute always gives the same tag.
pub fn tag_value(raw: &str) -> String {
    let mut value: String = raw
        .chars()
        .map(|c| {
            let separator = c.is_whitespace() && !c.is_control();
            let allowed = c.is_alphanumeric()
                || separator
                || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@');
            if allowed {
                c
            } else {
                '_'
            }
        })
        .take(TAG_VALUE_CHARS)
        .collect();
    if value
        .get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("aws:"))
    {
        value.replace_range(3..4, "_");
    }
    value
}

/// Whether SageMaker takes `key` as a tag key: 1-128 characters of the tag alphabet, no `aws:`.
pub fn is_valid_tag_key(key: &str) -> bool {
    (1..=128).contains(&key.chars().count()) && tag_value(key) == key
}

/// The most tags a SageMaker resource carries (API reference, AddTags).
pub const MAX_TAGS: usize = 50;

/// The tags a profile carries: the owner tag, static tags, and tags copied from SAML attributes
/// (first value, made a valid tag value; an absent attribute adds no tag). The owner tag wins over
/// any other source.
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
            tags.insert(tag.clone(), tag_value(value));
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
            idle_shutdown_minutes: None,
            private_space: None,
            shared_space: None,
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
            idle_shutdown_minutes: BTreeMap::new(),
            tags: tags.clone(),
        };
        assert!(drift(&desired, &same).is_empty());
        let changed = ObservedProfile {
            execution_role: Some("role-a".into()),
            lifecycle_configs: BTreeMap::new(),
            idle_shutdown_minutes: BTreeMap::new(),
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

        // An app type named with no configurations: SageMaker's settings read back without an
        // entry for it, which is no drift.
        let mut none = desired.clone();
        none.lifecycle_configs = [(AppType::CodeEditor, AppLifecycle::default())].into();
        let observed = ObservedProfile {
            lifecycle_configs: BTreeMap::new(),
            ..same.clone()
        };
        assert!(drift(&none, &observed).lifecycle_configs.is_empty());
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

    #[test]
    fn idle_shutdown_drifts_per_app_type_and_only_when_a_rule_manages_it() {
        let mut managed = rule(None, "role", None);
        managed.idle_shutdown_minutes = Some(60);
        let desired = DesiredProfile::new(&managed, BTreeMap::new());
        let observed = ObservedProfile {
            execution_role: Some("role".into()),
            idle_shutdown_minutes: [(AppType::JupyterLab, 60), (AppType::CodeEditor, 120)].into(),
            ..ObservedProfile::default()
        };
        let d = drift(&desired, &observed);
        assert_eq!(d.idle_shutdown_minutes, [(AppType::CodeEditor, 60)].into());
        assert_eq!(d.app_types(), [AppType::CodeEditor].into());
        assert!(d.needs_settings_update());
        let unmanaged = DesiredProfile::new(&rule(None, "role", None), BTreeMap::new());
        assert!(
            drift(&unmanaged, &observed).is_empty(),
            "a rule without idle_shutdown_minutes leaves what administrators set"
        );
    }

    #[test]
    fn tag_values_keep_what_sagemaker_allows_and_replace_the_rest() {
        assert_eq!(
            tag_value("ML Platform/EU: a+b=c@d_e.f-g"),
            "ML Platform/EU: a+b=c@d_e.f-g"
        );
        assert_eq!(tag_value("<script>,\"x\";"), "_script___x__");
        assert_eq!(tag_value("équipe données"), "équipe données");
        assert_eq!(tag_value("line\none\ttab\u{85}"), "line_one_tab_");
        assert_eq!(
            tag_value("a\u{a0}b\u{3000}c"),
            "a\u{a0}b\u{3000}c",
            "separators stay"
        );
        assert_eq!(tag_value("AWS:team"), "AWS_team", "aws: is AWS's");
        assert_eq!(tag_value("team:aws:x"), "team:aws:x");
        assert_eq!(tag_value(&"x".repeat(300)).chars().count(), 256);
        assert_eq!(tag_value("a,b"), tag_value("a,b"), "deterministic");
    }
}
