//! A private space that is already changing when a login finds the rule changed: waited for and
//! then brought in line, opened as it is when no second wait fits in the budget, or left to the
//! update another login of the same user got in first. presign in-process on the real SDK clients,
//! against the emulator with IAM enforced; the space's status held and released through the
//! emulator's control API at the moments each case needs.

use crate::presign::{redirect, world, World};
use crate::spaces::{
    alice_adds_a_repository_and_an_idle_timeout_in_studio, alice_with_her_space, config,
    describe_space, described, login_as_alice, wait_in_service,
};
use serde_json::Value;
use std::time::Duration;
use studiogate_kernel::wire::Change;

/// Puts Alice's space in `status` until told otherwise (the emulator's control API), as another
/// update in flight would.
fn set_space_status(world: &World, status: &str) {
    let body = serde_json::json!({"DomainId": world.domain(), "SpaceName": "alice-private", "Status": status});
    world
        .aws
        .control("POST", "/sagemaker/space-status", Some(&body))
        .unwrap();
}

/// Returns once presign has called `operation` since the call log held `seen` calls.
async fn until_called(world: &World, seen: usize, operation: &str) {
    while !world.aws.calls()[seen..]
        .iter()
        .any(|c| c["operation"] == operation)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Alice's login under a rule that wants a bigger instance and volume, while her space is held
/// Updating (as by her own change in Studio) until presign has looked at it and `then` has passed.
async fn login_while_the_space_is_updating(
    world: &World,
    budget_seconds: u64,
    then: Duration,
) -> (Change, Value) {
    let creds = alice_with_her_space(world).await;
    alice_adds_a_repository_and_an_idle_timeout_in_studio(world).await;
    wait_in_service(world, "alice-private").await;
    set_space_status(world, "Updating");
    let seen = world.aws.calls().len();
    let release = async {
        until_called(world, seen, "DescribeSpace").await;
        tokio::time::sleep(then).await;
        set_space_status(world, "InService");
    };
    let mut rule_changed = config(world, "ml.m5.large", 30);
    rule_changed.presign.budget_seconds = budget_seconds;
    let (response, ()) = tokio::join!(login_as_alice(world, &creds, rule_changed), release);
    let (_, action) = redirect(response);
    (action.change, describe_space(world, "alice-private").await)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_space_mid_update_is_waited_for_then_brought_in_line_by_the_same_login() {
    let world = world();
    let (change, space) =
        login_while_the_space_is_updating(&world, 20, Duration::from_millis(100)).await;
    assert_eq!(
        change,
        Change::Updated,
        "the login waited out Alice's update, then made its own"
    );
    assert_eq!(
        (space["instance"].as_str(), space["storage"].as_i64()),
        (Some("ml.m5.large"), Some(30))
    );
    let kept = described(&world, "alice-private").await;
    assert_eq!(
        kept.space_settings()
            .and_then(|s| s.jupyter_lab_app_settings())
            .map(|j| j.code_repositories().len()),
        Some(1),
        "her repository is kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_space_that_settles_too_late_for_a_second_wait_is_opened_as_it_is() {
    // Budget 8 s, profile_ready 6 s: a space that settles after 2.5 s leaves under 6 s, less than
    // another update's wait could need. The user goes in; the next login applies the rule.
    let world = world();
    let (change, space) =
        login_while_the_space_is_updating(&world, 8, Duration::from_millis(2500)).await;
    assert_eq!(change, Change::Unchanged);
    assert_eq!(
        (space["instance"].as_str(), space["storage"].as_i64()),
        (Some("ml.t3.medium"), Some(20))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_whose_update_another_login_got_in_first_waits_for_that_one() {
    let world = world();
    let creds = alice_with_her_space(&world).await;
    // Between this login's DescribeSpace and its UpdateSpace (held 600 ms), Alice's other tab
    // starts the same update: the space is Updating when this one arrives.
    let fault = serde_json::json!({"operation": "sagemaker:UpdateSpace", "kind": "latency", "latency_ms": 600, "count": 1});
    world.aws.control("POST", "/faults", Some(&fault)).unwrap();
    let seen = world.aws.calls().len();
    let other_tab = async {
        until_called(&world, seen, "DescribeSpace").await;
        set_space_status(&world, "Updating");
        until_called(&world, seen, "UpdateSpace").await;
        set_space_status(&world, "InService");
    };
    let (response, ()) = tokio::join!(
        login_as_alice(&world, &creds, config(&world, "ml.m5.large", 30)),
        other_tab
    );
    let (_, action) = redirect(response);
    assert_eq!(
        action.change,
        Change::Unchanged,
        "the other tab's update brings the space in line"
    );
    let updates = world.aws.calls()[seen..]
        .iter()
        .filter(|c| c["operation"] == "UpdateSpace")
        .map(|c| c["outcome"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(updates, ["ResourceInUse"]);
}
