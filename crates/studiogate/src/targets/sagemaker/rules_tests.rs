//! Rules, drift and tags, as specs.

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
    assert_eq!(
        in_tag_alphabet("aws:bob"),
        "aws:bob",
        "an owner value stays as STS took it"
    );
    assert_eq!(tag_value(&"x".repeat(300)).chars().count(), 256);
    assert_eq!(tag_value("a,b"), tag_value("a,b"), "deterministic");
}
