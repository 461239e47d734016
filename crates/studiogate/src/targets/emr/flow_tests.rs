//! The EMR Studio path's tests (beside `flow.rs`).

use super::*;
use crate::targets::emr::SessionPolicyRule;
use crate::testkit::emr::ScriptedEmr;
use studiogate_kernel::retry::Budget;

/// What opening the Studio as alice (no groups: the default policy) gives against `emr`, and
/// how many times the mapping was read.
async fn open_against(emr: &ScriptedEmr) -> (Result<Change, ErrorCode>, usize) {
    let budget = Budget::new(std::time::Duration::from_secs(5));
    let alice = identity(&[]);
    let credentials = crate::testkit::credentials();
    let context = FlowContext {
        budget: &budget,
        identity: &alice,
        credentials: &credentials,
        credentials_left: std::time::Duration::from_secs(3600),
        update_existing: true,
        profile_ready: std::time::Duration::from_secs(5),
        console_issuer: "https://broker.example",
        today: time::Date::from_calendar_date(2026, time::Month::December, 4).unwrap(),
    };
    let opened = open(emr, &target(MappingMode::User), &context).await;
    let reads = emr.reads();
    (
        opened.map(|(_, action)| action.change).map_err(|e| e.code),
        reads,
    )
}

#[tokio::test]
async fn a_first_login_maps_the_user_with_the_rules_policy_then_finds_it() {
    let unmapped = ScriptedEmr::unmapped();
    assert_eq!(open_against(&unmapped).await, (Ok(Change::Created), 1));
    assert_eq!(unmapped.written(), ["create es-1 id-alice arn:default"]);
    let mapped = ScriptedEmr::mapped("arn:default");
    assert_eq!(open_against(&mapped).await, (Ok(Change::Unchanged), 1));
    assert!(mapped.written().is_empty());
}

#[tokio::test]
async fn a_create_refused_because_another_login_mapped_the_user_first_opens_the_studio() {
    let raced = ScriptedEmr::raced;
    assert_eq!(
        open_against(&raced(ErrorKind::Validation, Some("arn:default"))).await,
        (Ok(Change::Unchanged), 2),
        "EMR's InvalidRequestException: the mapping is there now, with this policy"
    );
    assert_eq!(
        open_against(&raced(ErrorKind::InUse, Some("arn:default"))).await,
        (Ok(Change::Unchanged), 2)
    );
    assert_eq!(
        open_against(&raced(ErrorKind::Validation, Some("arn:other"))).await,
        (Err(ErrorCode::Refused), 2),
        "mapped with another policy: the refusal stands"
    );
    assert_eq!(
        open_against(&raced(ErrorKind::Validation, None)).await,
        (Err(ErrorCode::Refused), 2),
        "still no mapping: the refusal stands"
    );
    assert_eq!(
        open_against(&raced(ErrorKind::AccessDenied, Some("arn:default")))
            .await
            .1,
        1,
        "a refusal of another kind is not read again"
    );
}

#[test]
fn deep_links_are_partition_aware() {
    assert_eq!(
        console_deep_link("eu-west-1", "es-1"),
        "https://console.aws.amazon.com/emr/home?region=eu-west-1#studio/es-1/start"
    );
    assert!(console_deep_link("cn-north-1", "es-1").starts_with("https://console.amazonaws.cn/"));
    assert!(console_deep_link("us-gov-west-1", "es-1")
        .starts_with("https://console.amazonaws-us-gov.com/"));
}

fn target(mapping: MappingMode) -> EmrTarget {
    EmrTarget {
        studio_id: "es-1".into(),
        region: "us-east-1".into(),
        mapping,
        session_policy_rules: vec![SessionPolicyRule {
            group: Some("ml".into()),
            session_policy_arn: "arn:ml".into(),
        }],
        default_session_policy_arn: Some("arn:default".into()),
        identity_store_id: Some("d-1234567890".into()),
        user_name_attribute: None,
    }
}

fn identity(groups: &[&str]) -> Identity {
    Identity::alice(groups)
}

#[test]
fn maps_users_by_name_and_groups_by_their_first_matching_rule() {
    let user = target(MappingMode::User);
    assert_eq!(
        mapping_for(&user, &identity(&["ml"])),
        (
            IdentityType::User,
            "alice@example.com".into(),
            Some("arn:ml".into())
        )
    );
    assert_eq!(
        mapping_for(&user, &identity(&[])).2.as_deref(),
        Some("arn:default")
    );
    let group = target(MappingMode::Group);
    assert_eq!(
        mapping_for(&group, &identity(&["x", "ml"])),
        (IdentityType::Group, "ml".into(), Some("arn:ml".into()))
    );
    assert_eq!(
        mapping_for(&group, &identity(&["x"])).2,
        None,
        "not entitled"
    );
}

#[test]
fn the_identity_center_user_name_comes_from_the_configured_attribute() {
    let mut by_upn = target(MappingMode::User);
    by_upn.user_name_attribute = Some("upn".into());
    let mut alice = identity(&["ml"]);
    alice
        .attributes
        .insert("upn".into(), vec!["alice@corp.example".into()]);
    assert_eq!(mapping_for(&by_upn, &alice).1, "alice@corp.example");
    assert_eq!(
        mapping_for(&by_upn, &identity(&["ml"])).1,
        "alice@example.com",
        "no such attribute: the NameID"
    );
}
