//! The user's private JupyterLab space (a rule's `private_space`), through presign in-process on
//! the real SDK clients, against the emulator with IAM enforced: created private and owned on the
//! first login, kept in line with the rule, opened directly, never taken from another profile.

use crate::presign::{error_code, identity, redirect, request, world, World};
use serde_json::Value;
use std::time::Duration;
use studiogate::config::BrokerConfig;
use studiogate_kernel::wire::{Change, ErrorCode, FederatedCredentials, PresignResponse};
use studiogate_tests::federation::federate;

pub(crate) fn config(world: &World, instance: &str, storage_gb: u32) -> BrokerConfig {
    world.config_with_rule(
        &world.role("SageMakerExecutionML"),
        90,
        &format!("private_space = {{ instance_type = \"{instance}\", storage_gb = {storage_gb} }}"),
    )
}

/// An SDK client signing as the emulator's operator (test setup and inspection).
async fn operator(world: &World) -> aws_sdk_sagemaker::Client {
    aws_sdk_sagemaker::Client::new(&world.operator().await)
}

/// DescribeSpace, as the operator sees it.
pub(crate) async fn described(
    world: &World,
    name: &str,
) -> aws_sdk_sagemaker::operation::describe_space::DescribeSpaceOutput {
    operator(world)
        .await
        .describe_space()
        .domain_id(world.domain())
        .space_name(name)
        .send()
        .await
        .unwrap()
}

/// DescribeSpace and its tags, as the operator sees them.
pub(crate) async fn describe_space(world: &World, name: &str) -> Value {
    let client = operator(world).await;
    let d = described(world, name).await;
    let tags = client
        .list_tags()
        .resource_arn(d.space_arn().unwrap())
        .send()
        .await
        .unwrap();
    let settings = d.space_settings().unwrap();
    serde_json::json!({
        "owner": d.ownership_settings().and_then(|o| o.owner_user_profile_name()),
        "sharing": d.space_sharing_settings().and_then(|s| s.sharing_type()).map(|t| t.as_str()),
        "app": settings.app_type().map(|t| t.as_str()),
        "instance": settings.jupyter_lab_app_settings().and_then(|j| j.default_resource_spec()).and_then(|r| r.instance_type()).map(|t| t.as_str()),
        "storage": settings.space_storage_settings().and_then(|s| s.ebs_storage_settings()).and_then(|e| e.ebs_volume_size_in_gb()),
        "tags": tags.tags().iter().map(|t| (t.key().unwrap_or_default().to_owned(), t.value().unwrap_or_default().to_owned())).collect::<std::collections::BTreeMap<_, _>>(),
    })
}

/// Until the space is InService again (the emulator settles an update after a short delay).
pub(crate) async fn wait_in_service(world: &World, name: &str) {
    for _ in 0..100 {
        let status = described(world, name).await.status().cloned();
        if status == Some(aws_sdk_sagemaker::types::SpaceStatus::InService) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} did not come back InService");
}

/// Alice's login on the `sagemaker-ml` tile, as a member of ml-engineers, under `config`.
pub(crate) async fn login_as_alice(
    world: &World,
    creds: &FederatedCredentials,
    config: BrokerConfig,
) -> PresignResponse {
    let presigner = world.presigner_of(&config).await;
    presigner
        .handle(&request(
            "sagemaker-ml",
            identity("alice", &["ml-engineers"]),
            creds.clone(),
        ))
        .await
        .0
}

/// Alice's first login, which creates her private space (ml.t3.medium, 20 GB), InService after.
pub(crate) async fn alice_with_her_space(world: &World) -> FederatedCredentials {
    let creds = federate(world, "alice", "alice@example.com").await;
    let (_, action) =
        redirect(login_as_alice(world, &creds, config(world, "ml.t3.medium", 20)).await);
    assert_eq!(action.change, Change::Created);
    wait_in_service(world, "alice-private").await;
    creds
}

const REPOSITORY: &str = "https://git.example.com/alice/notebooks.git";

/// Alice, in Studio, changes her space's JupyterLab settings (UpdateSpace as the operator); the
/// space is Updating for the emulator's transition time after.
async fn alice_sets_in_studio(
    world: &World,
    jupyter_lab: aws_sdk_sagemaker::types::SpaceJupyterLabAppSettings,
) {
    operator(world)
        .await
        .update_space()
        .domain_id(world.domain())
        .space_name("alice-private")
        .space_settings(
            aws_sdk_sagemaker::types::SpaceSettings::builder()
                .jupyter_lab_app_settings(jupyter_lab)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// Alice, in Studio, gives her space a repository and a 90-minute idle timeout: settings no rule
/// sets, which presign must keep.
pub(crate) async fn alice_adds_a_repository_and_an_idle_timeout_in_studio(world: &World) {
    use aws_sdk_sagemaker::types::{
        AppInstanceType, CodeRepository, ResourceSpec, SpaceAppLifecycleManagement,
        SpaceIdleSettings, SpaceJupyterLabAppSettings,
    };
    let jupyter_lab = SpaceJupyterLabAppSettings::builder()
        .default_resource_spec(
            ResourceSpec::builder()
                .instance_type(AppInstanceType::MlT3Medium)
                .build(),
        )
        .code_repositories(CodeRepository::builder().repository_url(REPOSITORY).build())
        .app_lifecycle_management(
            SpaceAppLifecycleManagement::builder()
                .idle_settings(
                    SpaceIdleSettings::builder()
                        .idle_timeout_in_minutes(90)
                        .build(),
                )
                .build(),
        )
        .build();
    alice_sets_in_studio(world, jupyter_lab).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_login_creates_the_private_space_and_opens_it_then_later_logins_keep_it_in_line()
{
    let world = world();
    let creds = federate(&world, "alice", "alice@example.com").await;
    let login = |config: BrokerConfig| login_as_alice(&world, &creds, config);

    let (url, action) = redirect(login(config(&world, "ml.t3.medium", 20)).await);
    assert_eq!(action.change, Change::Created);
    let opened = world.aws.resolve_presigned(&url);
    assert_eq!(
        (
            opened["user_profile_name"].as_str(),
            opened["space_name"].as_str()
        ),
        (Some("alice"), Some("alice-private"))
    );
    assert_eq!(
        describe_space(&world, "alice-private").await,
        serde_json::json!({
            "owner": "alice", "sharing": "Private", "app": "JupyterLab", "instance": "ml.t3.medium",
            "storage": 20, "tags": {"studiouserid": "alice"}
        })
    );
    let created = world
        .aws
        .calls()
        .into_iter()
        .filter(|c| c["operation"] == "CreateSpace")
        .collect::<Vec<_>>();
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0]["signer"]["arn"], world.seeded["function_credentials"]["presign"]["arn"],
        "created by presign's role, which IAM lets create private spaces only"
    );

    alice_adds_a_repository_and_an_idle_timeout_in_studio(&world).await;
    wait_in_service(&world, "alice-private").await;

    // The rule changes: a bigger instance and volume. The space follows, and keeps what Alice set.
    let (_, action) = redirect(login(config(&world, "ml.m5.large", 30)).await);
    assert_eq!(action.change, Change::Updated);
    let space = describe_space(&world, "alice-private").await;
    assert_eq!(
        (space["instance"].as_str(), space["storage"].as_i64()),
        (Some("ml.m5.large"), Some(30))
    );
    let after = described(&world, "alice-private").await;
    let jupyter_lab = after
        .space_settings()
        .and_then(|s| s.jupyter_lab_app_settings())
        .unwrap();
    assert_eq!(
        (
            jupyter_lab
                .code_repositories()
                .iter()
                .map(|r| r.repository_url().unwrap_or_default())
                .collect::<Vec<_>>(),
            jupyter_lab
                .app_lifecycle_management()
                .and_then(|m| m.idle_settings())
                .and_then(|i| i.idle_timeout_in_minutes())
        ),
        (vec![REPOSITORY], Some(90)),
        "UpdateSpace is sent the JupyterLab settings whole: what the rule does not set goes back as read"
    );

    // A smaller volume in the rule: SageMaker cannot shrink one, so the space keeps 30 GB.
    let (_, action) = redirect(login(config(&world, "ml.m5.large", 10)).await);
    assert_eq!(action.change, Change::Unchanged);
    assert_eq!(describe_space(&world, "alice-private").await["storage"], 30);
}

/// After a login that updated Alice's space: the JupyterLab DefaultResourceSpec it settled with.
async fn updated_spec(
    world: &World,
    login: PresignResponse,
) -> aws_sdk_sagemaker::types::ResourceSpec {
    assert_eq!(redirect(login).1.change, Change::Updated);
    wait_in_service(world, "alice-private").await;
    described(world, "alice-private")
        .await
        .space_settings()
        .and_then(|s| s.jupyter_lab_app_settings())
        .and_then(|j| j.default_resource_spec())
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rule_naming_another_image_clears_the_version_the_space_was_pinned_to() {
    const TEAM: &str = "arn:aws:sagemaker:us-east-1:123456789012:image/team";
    const TEAM_V3: &str = "arn:aws:sagemaker:us-east-1:123456789012:image-version/team/3";
    const OTHER: &str = "arn:aws:sagemaker:us-east-1:123456789012:image/other";
    const PLAN: &str = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/gpu-week";
    let world = world();
    let creds = alice_with_her_space(&world).await;

    // Alice pins her space to version 3 of the team image, on a training plan's capacity.
    use aws_sdk_sagemaker::types::{AppInstanceType, ResourceSpec, SpaceJupyterLabAppSettings};
    let pinned = SpaceJupyterLabAppSettings::builder()
        .default_resource_spec(
            ResourceSpec::builder()
                .instance_type(AppInstanceType::MlT3Medium)
                .sage_maker_image_arn(TEAM)
                .sage_maker_image_version_arn(TEAM_V3)
                .training_plan_arn(PLAN)
                .build(),
        )
        .build();
    alice_sets_in_studio(&world, pinned).await;
    wait_in_service(&world, "alice-private").await;

    // The rule now names another image: the version of the old one, which would win over it, goes.
    let rule = format!(
        "private_space = {{ instance_type = \"ml.t3.medium\", storage_gb = 20, image_arn = \"{OTHER}\" }}"
    );
    let imaged = world.config_with_rule(&world.role("SageMakerExecutionML"), 90, &rule);
    let spec = updated_spec(&world, login_as_alice(&world, &creds, imaged.clone()).await).await;
    assert_eq!(
        (
            spec.sage_maker_image_arn(),
            spec.sage_maker_image_version_arn(),
            spec.training_plan_arn()
        ),
        (Some(OTHER), None, Some(PLAN)),
        "the rule's image runs, and the space keeps its capacity"
    );
    let (_, action) = redirect(login_as_alice(&world, &creds, imaged).await);
    assert_eq!(
        action.change,
        Change::Unchanged,
        "in line: no update on every login"
    );

    // A rule of another instance type: the plan's reserved capacity is of the old one, detached.
    let resized = world.config_with_rule(
        &world.role("SageMakerExecutionML"),
        90,
        &rule.replace("ml.t3.medium", "ml.m5.large"),
    );
    let spec = updated_spec(&world, login_as_alice(&world, &creds, resized).await).await;
    assert_eq!(
        (
            spec.instance_type().map(|t| t.as_str()),
            spec.training_plan_arn()
        ),
        (Some("ml.m5.large"), None)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_space_of_that_name_owned_by_another_profile_is_never_opened() {
    let world = world();
    let config = config(&world, "ml.t3.medium", 20);
    let presigner = world.presigner_of(&config).await;
    // bob's first login makes his profile; then someone creates "alice-private" as bob's.
    let bob = federate(&world, "bob", "bob@example.com").await;
    redirect(
        presigner
            .handle(&request(
                "sagemaker-ml",
                identity("bob", &["ml-engineers"]),
                bob,
            ))
            .await
            .0,
    );
    use aws_sdk_sagemaker::types::{
        AppType, OwnershipSettings, SharingType, SpaceSettings, SpaceSharingSettings,
    };
    operator(&world)
        .await
        .create_space()
        .domain_id(world.domain())
        .space_name("alice-private")
        .ownership_settings(
            OwnershipSettings::builder()
                .owner_user_profile_name("bob")
                .build(),
        )
        .space_sharing_settings(
            SpaceSharingSettings::builder()
                .sharing_type(SharingType::Private)
                .build(),
        )
        .space_settings(
            SpaceSettings::builder()
                .app_type(AppType::JupyterLab)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let alice = federate(&world, "alice", "alice@example.com").await;
    let (response, _) = presigner
        .handle(&request(
            "sagemaker-ml",
            identity("alice", &["ml-engineers"]),
            alice,
        ))
        .await;
    assert_eq!(error_code(response), ErrorCode::ProfileOwnedByAnother);
    assert!(
        !world
            .aws
            .calls()
            .iter()
            .any(|c| c["operation"] == "CreatePresignedDomainUrl"
                && c["params"]["UserProfileName"] == "alice"),
        "no URL for alice into bob's space"
    );
}
