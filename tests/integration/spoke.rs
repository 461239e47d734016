//! A target in another account (hub and spoke), through presign in-process on the real SDK
//! clients, against the emulator's two accounts with IAM enforced: presign assumes the spoke's
//! provisioning role with the target's external ID, creates the profile in the spoke's domain, and
//! presigns with the user's spoke credentials through the hub's SageMaker API endpoint.

use crate::presign::{identity, redirect, request, world, World};
use studiogate::config::BrokerConfig;
use studiogate_kernel::wire::{Change, PresignResponse};
use studiogate_tests::federation::{federate_as, RolePair};

fn spoke<'a>(world: &'a World, path: &[&str]) -> &'a str {
    path.iter()
        .fold(&world.seeded["spoke"], |node, key| &node[*key])
        .as_str()
        .unwrap_or_else(|| panic!("the seeded world's spoke has {path:?}"))
}

/// The world's configuration plus the spoke's target `team-b`, reached with `external_id`.
fn config(world: &World, external_id: &str) -> BrokerConfig {
    let team_b = format!(
        r#"
[targets.team-b]
kind = "sagemaker"
display_name = "Team B"
domain_id = "{domain}"
spoke = {{ provisioning_role_arn = "{role}", external_id = "{external_id}" }}
default = {{ execution_role = "{execution}" }}
"#,
        domain = spoke(world, &["sagemaker_domains", "spoke-ml", "id"]),
        role = spoke(world, &["stack", "outputs", "ProvisioningRoleArn"]),
        execution = spoke(world, &["roles", "SpokeSageMakerExecution"]),
    );
    world.config_with_rule(&world.role("SageMakerExecutionML"), 90, &team_b)
}

fn spoke_user(world: &World) -> RolePair<'_> {
    RolePair {
        role: spoke(world, &["stack", "roles", "StudioUserRole", "arn"]),
        provider: spoke(world, &["stack", "saml_providers", "SamlProvider"]),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spoke_target_is_provisioned_with_its_role_and_opened_with_the_users_spoke_credentials() {
    let world = world();
    let creds = federate_as(&world, spoke_user(&world), "carol", "carol@example.com").await;
    let external_id = spoke(&world, &["stack", "external_id"]).to_owned();
    let presigner = world.presigner_of(&config(&world, &external_id)).await;

    let (url, action) = redirect(
        presigner
            .handle(&request("team-b", identity("carol", &[]), creds))
            .await
            .0,
    );
    assert_eq!(action.change, Change::Created);
    let opened = world.aws.resolve_presigned(&url);
    assert_eq!(
        opened["domain_id"].as_str(),
        Some(spoke(&world, &["sagemaker_domains", "spoke-ml", "id"]))
    );
    assert_eq!(opened["user_profile_name"].as_str(), Some("carol"));

    // Who did what: the profile by the spoke's provisioning role (assumed by presign), the URL by
    // carol's spoke session through the hub's endpoint.
    let calls = world.aws.calls();
    let signer = |operation: &str| {
        calls
            .iter()
            .find(|c| c["operation"] == operation)
            .map(|c| c["signer"]["arn"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("no {operation} call"))
    };
    assert_eq!(
        signer("CreateUserProfile"),
        "arn:aws:sts::222222222222:assumed-role/studiogate-spoke-provisioning/studiogate-presign"
    );
    assert_eq!(
        signer("CreatePresignedDomainUrl"),
        "arn:aws:sts::222222222222:assumed-role/SpokeStudioUser/carol"
    );

    // A returning login finds the profile (presign's own credentials could not have: another account).
    let creds = federate_as(&world, spoke_user(&world), "carol", "carol@example.com").await;
    let (_, action) = redirect(
        presigner
            .handle(&request("team-b", identity("carol", &[]), creds))
            .await
            .0,
    );
    assert_eq!(action.change, Change::Unchanged);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_external_id_is_refused_by_the_spoke_and_nothing_is_created() {
    let world = world();
    let creds = federate_as(&world, spoke_user(&world), "carol", "carol@example.com").await;
    let presigner = world
        .presigner_of(&config(&world, "not-the-spokes-external-id"))
        .await;
    let refused = match presigner
        .handle(&request("team-b", identity("carol", &[]), creds))
        .await
        .0
    {
        PresignResponse::Error { error } => error,
        other => panic!("expected a refusal, got {other:?}"),
    };
    // Said as the role's refusal (the credentials never loaded), not as "AWS is busy".
    assert_eq!(refused.code, studiogate_kernel::wire::ErrorCode::Refused);
    assert_eq!(refused.message, studiogate::copy::AWS_REFUSED_ROLE);
    assert!(
        !world
            .aws
            .calls()
            .iter()
            .any(|c| c["operation"] == "CreateUserProfile" && c["outcome"] == "ok"),
        "no profile without the provisioning role"
    );
}
