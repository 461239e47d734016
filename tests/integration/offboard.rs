//! Offboarding against the emulator over HTTP, on the real SDK clients, signed as the stack's
//! offboard role (IAM enforced): a user's app, private space and profile go in AWS's order; a dry
//! run changes nothing; what studiogate did not create stays, and the role could not delete it.

use crate::presign::{identity, redirect, request, world, World};
use serde_json::json;
use std::time::Duration;
use studiogate::offboard::{Criteria, Held, Home, Outcome, Pace};
use studiogate_kernel::clock::SystemClock;
use studiogate_tests::emulator::Function;
use studiogate_tests::federation::federate;

/// alice signs in once: her profile and private space exist, and JupyterLab runs in the space.
async fn alice_signed_in(world: &World) {
    let config = world.config_with_rule(
        &world.role("SageMakerExecutionML"),
        90,
        "private_space = { instance_type = \"ml.t3.medium\", storage_gb = 20 }",
    );
    let creds = federate(world, "alice", "alice@example.com").await;
    let presigner = world.presigner_of(&config).await;
    redirect(
        presigner
            .handle(&request(
                "sagemaker-ml",
                identity("alice", &["ml-engineers"]),
                creds,
            ))
            .await
            .0,
    );
    world
        .aws
        .control(
            "POST",
            "/sagemaker/apps",
            Some(&json!({"DomainId": world.domain(), "UserProfileName": "alice", "SpaceName": "alice-private"})),
        )
        .unwrap();
}

/// Offboarding for the test world's targets, signed as the stack's offboard role.
async fn offboarding(world: &World) -> offboard::Offboarding {
    let config = world.config_with_rule(&world.role("SageMakerExecutionML"), 90, "");
    let aws = world
        .signing_as(world.credentials_of(Function::Offboard))
        .await;
    offboard::build(&config, &aws)
}

fn settings(user: &str, execute: bool) -> offboard::RunSettings {
    offboard::RunSettings {
        criteria: Criteria {
            inactive_days: None,
            users: [user.to_owned()].into(),
        },
        home: Home::Remove,
        execute,
        // The emulator finishes a deletion in half a second.
        pace: Pace {
            wait: Duration::from_secs(20),
            poll: Duration::from_millis(200),
        },
    }
}

async fn profile_exists(world: &World, name: &str) -> bool {
    let operator = aws_sdk_sagemaker::Client::new(&world.operator().await);
    let described = operator
        .describe_user_profile()
        .domain_id(world.domain())
        .user_profile_name(name)
        .send()
        .await;
    described.is_ok_and(|d| d.status().map(|s| s.as_str()) != Some("Deleting"))
}

fn steps(report: &offboard::Report) -> Vec<(String, String, Outcome)> {
    report
        .records
        .iter()
        .map(|r| (r.action.to_owned(), r.resource.clone(), r.outcome))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listed_user_loses_app_space_and_profile_in_order_after_a_dry_run_that_changes_nothing() {
    let world = world();
    alice_signed_in(&world).await;
    let offboarding = offboarding(&world).await;

    let dry = offboarding
        .run(&settings("alice", false), &SystemClock, |_| {})
        .await
        .unwrap();
    let planned = |outcome| {
        vec![
            (
                "delete-app".into(),
                "JupyterLab/default in alice-private".into(),
                outcome,
            ),
            ("delete-space".into(), "alice-private".into(), outcome),
            ("delete-profile".into(), "alice".into(), outcome),
        ]
    };
    assert_eq!(steps(&dry)[..3], planned(Outcome::Planned)[..]);
    assert!(
        profile_exists(&world, "alice").await,
        "a dry run changes nothing"
    );

    let done = offboarding
        .run(&settings("alice", true), &SystemClock, |_| {})
        .await
        .unwrap();
    assert!(done.clean, "{:?}", done.records);
    assert_eq!(steps(&done)[..3], planned(Outcome::Done)[..]);
    assert!(!profile_exists(&world, "alice").await);

    // Run again while SageMaker is still deleting: the profile is held, nothing is deleted twice.
    let again = offboarding
        .run(&settings("alice", true), &SystemClock, |_| {})
        .await
        .unwrap();
    assert_eq!(again.plan.profiles.len(), 1);
    assert_eq!(again.plan.profiles[0].held, Some(Held::Deleting));
    assert_eq!(
        steps(&again),
        [("hold".into(), "alice".into(), Outcome::Held)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_without_the_owner_tag_is_never_planned_and_the_role_cannot_delete_it() {
    let world = world();
    let operator = aws_sdk_sagemaker::Client::new(&world.operator().await);
    operator
        .create_user_profile()
        .domain_id(world.domain())
        .user_profile_name("hand-made")
        .send()
        .await
        .unwrap();
    let offboarding = offboarding(&world).await;
    let report = offboarding
        .run(&settings("hand-made", true), &SystemClock, |_| {})
        .await
        .unwrap();
    assert!(
        report.plan.profiles.is_empty() && report.records.is_empty(),
        "{:?}",
        report.plan
    );

    // The role itself refuses: the owner tag is a condition of its DeleteUserProfile.
    let as_offboard = aws_sdk_sagemaker::Client::new(
        &world
            .signing_as(world.credentials_of(Function::Offboard))
            .await,
    );
    let refused = as_offboard
        .delete_user_profile()
        .domain_id(world.domain())
        .user_profile_name("hand-made")
        .send()
        .await
        .unwrap_err();
    let code = aws_sdk_sagemaker::error::ProvideErrorMetadata::code(&refused).map(str::to_owned);
    assert_eq!(code.as_deref(), Some("AccessDeniedException"));
    assert!(profile_exists(&world, "hand-made").await);
}

/// The scheduled run's plan, as operations.md tells an operator to read it before turning
/// `OffboardExecute` on: the guide's Logs Insights query names fields the function's real lines
/// carry, and each planned step is there as the guide describes it.
#[tokio::test(flavor = "current_thread")]
async fn the_operations_guide_reads_a_scheduled_plan_from_fields_the_lines_carry() {
    let world = world();
    alice_signed_in(&world).await;
    let offboarding = offboarding(&world).await;
    studiogate_tests::logs::start();
    let summary = offboarding
        .scheduled(&settings("alice", false))
        .await
        .unwrap();
    let lines: Vec<serde_json::Value> = studiogate_tests::logs::finish()
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(summary["executed"], false);

    let guide = include_str!("../../docs/operations.md");
    let query = guide
        .split_once("`filter fields.message = ")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(query, _)| format!("filter fields.message = {query}"))
        .expect("the guide's query for the scheduled plan");
    let mut discovered = std::collections::BTreeMap::new();
    for line in &lines {
        crate::saml_validator_logs::flatten("", line, &mut discovered);
    }
    for field in crate::saml_validator_logs::field_references(&query) {
        assert!(
            discovered.contains_key(&field),
            "`{field}` in `{query}` is in no line: {:?}",
            discovered.keys().collect::<Vec<_>>()
        );
    }
    let message = crate::saml_validator_logs::compared_values(&query, "fields.message");
    assert_eq!(message, ["offboarding step"]);
    let records: Vec<&str> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == message[0].as_str())
        .map(|line| line["fields"]["record"].as_str().unwrap())
        .collect();
    assert!(
        records
            .iter()
            .all(|r| r.contains("\"outcome\":\"planned\"")),
        "{records:?}"
    );
    let planned: Vec<serde_json::Value> = records
        .iter()
        .map(|record| serde_json::from_str(record).unwrap())
        .collect();
    let actions: Vec<&str> = planned
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..3],
        ["delete-app", "delete-space", "delete-profile"]
    );
    assert!(
        planned.iter().all(|r| r["outcome"] == "planned"),
        "{planned:?}"
    );
    assert!(
        guide.contains("`\"outcome\":\"planned\"`"),
        "the guide names the planned outcome as the record's JSON spells it"
    );
    assert!(
        profile_exists(&world, "alice").await,
        "the plan changed nothing"
    );
}
