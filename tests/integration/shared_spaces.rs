//! A group's shared space (a rule's `shared_space`): through presign in-process on the real SDK
//! clients, against the emulator with IAM enforced. The group's members land in it; a user of
//! another group does not; a missing space, or a private space of that name, is never opened.

use crate::presign::{identity, redirect, request, world, World};
use aws_sdk_sagemaker::types::{OwnershipSettings, SharingType, SpaceSharingSettings};
use studiogate_kernel::wire::{ErrorCode, PresignResponse};
use studiogate_tests::federation::federate;

/// The space `name`, made by the operator as an administrator would; a private one is `owner`'s.
async fn space(world: &World, name: &str, sharing: SharingType, owner: Option<&str>) {
    let operator = aws_sdk_sagemaker::Client::new(&world.operator().await);
    if let Some(owner) = owner {
        operator
            .create_user_profile()
            .domain_id(world.domain())
            .user_profile_name(owner)
            .send()
            .await
            .expect("CreateUserProfile");
    }
    operator
        .create_space()
        .domain_id(world.domain())
        .space_name(name)
        .space_sharing_settings(
            SpaceSharingSettings::builder()
                .sharing_type(sharing)
                .build(),
        )
        .set_ownership_settings(owner.map(|o| {
            OwnershipSettings::builder()
                .owner_user_profile_name(o)
                .build()
        }))
        .send()
        .await
        .expect("CreateSpace");
}

async fn login(world: &World, user: &str, groups: &[&str], space: &str) -> PresignResponse {
    let config = world.config_with_rule(
        &world.role("SageMakerExecutionML"),
        90,
        &format!("shared_space = \"{space}\""),
    );
    let presigner = world.presigner_of(&config).await;
    let creds = federate(world, user, &format!("{user}@example.com")).await;
    presigner
        .handle(&request("sagemaker-ml", identity(user, groups), creds))
        .await
        .0
}

#[tokio::test(flavor = "multi_thread")]
async fn the_groups_members_land_in_its_shared_space_and_others_do_not() {
    let world = world();
    space(&world, "forecasting", SharingType::Shared, None).await;

    let (url, _) = redirect(login(&world, "alice", &["ml-engineers"], "forecasting").await);
    let opened = world.aws.resolve_presigned(&url);
    assert_eq!(
        (
            opened["user_profile_name"].as_str(),
            opened["space_name"].as_str()
        ),
        (Some("alice"), Some("forecasting"))
    );
    // bob is not in ml-engineers: the default rule names no space.
    let (url, _) = redirect(login(&world, "bob", &["analysts"], "forecasting").await);
    assert_eq!(
        world.aws.resolve_presigned(&url)["space_name"],
        serde_json::Value::Null
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_shared_space_or_a_private_one_of_that_name_is_refused() {
    let world = world();
    space(&world, "somebodys", SharingType::Private, Some("carol")).await;
    for space in ["no-such-space", "somebodys"] {
        match login(&world, "alice", &["ml-engineers"], space).await {
            PresignResponse::Error { error } => {
                assert_eq!(error.code, ErrorCode::Refused, "{space}");
                assert_eq!(error.message, studiogate::copy::SHARED_SPACE_UNAVAILABLE);
            }
            other => panic!("{space}: expected a refusal, got {other:?}"),
        }
    }
}
