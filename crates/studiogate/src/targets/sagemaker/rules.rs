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

/// A tag value copied from a SAML attribute: [`in_tag_alphabet`], and an `aws:` prefix, reserved
/// to AWS in any case ("Tagging best practices"), becomes `aws_`. Deterministic, so the same
/// attribute always gives the same tag.
pub fn tag_value(raw: &str) -> String {
    let mut value = in_tag_alphabet(raw);
    if value
        .get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("aws:"))
    {
        value.replace_range(3..4, "_");
    }
    value
}

/// `raw` in SageMaker's tag alphabet (`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, at most 256 characters, per
/// the SageMaker API reference, Tag): any other character becomes `_`, and it is cut at 256. The
/// separators are `\p{Z}`, white space that is no control character (a tab or line feed in an
/// attribute is a control, `\p{Cc}`). A value STS took as a principal tag is already in it, and
/// comes out unchanged, as the owner tag must (IAM compares it with `${aws:PrincipalTag/...}`).
pub fn in_tag_alphabet(raw: &str) -> String {
    raw.chars()
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
        .collect()
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
#[path = "rules_tests.rs"]
mod tests;
