//! Spaces on the SDK: the user's private JupyterLab space (DescribeSpace, CreateSpace, UpdateSpace).

use super::{already_there, found, tags};
use aws_sdk_sagemaker::operation::describe_space::{DescribeSpaceError, DescribeSpaceOutput};
use aws_sdk_sagemaker::types::{
    AppInstanceType, AppType, CodeRepository, EbsStorageSettings, OwnershipSettings, ResourceSpec,
    SharingType, SpaceAppLifecycleManagement, SpaceIdleSettings, SpaceJupyterLabAppSettings,
    SpaceSettings, SpaceSharingSettings, SpaceStorageSettings,
};
use studiogate::targets::sagemaker::space::{DesiredSpace, ResourceSpecUpdate, SpaceDrift};
use studiogate::targets::sagemaker::{Created, JupyterLabOthers, SpaceState};
use studiogate_kernel::AwsError;

fn resource_spec(
    instance_type: &str,
    image_arn: Option<&String>,
    lifecycle_config_arn: Option<&String>,
) -> ResourceSpec {
    ResourceSpec::builder()
        .instance_type(AppInstanceType::from(instance_type))
        .set_sage_maker_image_arn(image_arn.cloned())
        .set_lifecycle_config_arn(lifecycle_config_arn.cloned())
        .build()
}

fn storage(gb: u32) -> SpaceStorageSettings {
    SpaceStorageSettings::builder()
        .ebs_storage_settings(
            EbsStorageSettings::builder()
                .ebs_volume_size_in_gb(i32::try_from(gb).unwrap_or(i32::MAX))
                .build(),
        )
        .build()
}

/// DescribeSpace; `None` when there is no such space.
pub(super) async fn described(
    admin: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    name: &str,
) -> Result<Option<DescribeSpaceOutput>, AwsError> {
    let result = admin
        .describe_space()
        .domain_id(domain_id)
        .space_name(name)
        .send()
        .await;
    found(
        "sagemaker:DescribeSpace",
        result,
        DescribeSpaceError::is_resource_not_found,
    )
}

pub(super) async fn describe(
    admin: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    name: &str,
) -> Result<Option<SpaceState>, AwsError> {
    let Some(described) = described(admin, domain_id, name).await? else {
        return Ok(None);
    };
    let settings = described.space_settings();
    let jupyter_lab = settings.and_then(|s| s.jupyter_lab_app_settings());
    let spec = jupyter_lab.and_then(|j| j.default_resource_spec());
    Ok(Some(SpaceState {
        status: described
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        owner: described
            .ownership_settings()
            .and_then(|o| o.owner_user_profile_name())
            .map(str::to_owned),
        sharing: described
            .space_sharing_settings()
            .and_then(|s| s.sharing_type())
            .map(|t| t.as_str().to_owned()),
        instance_type: spec
            .and_then(|s| s.instance_type())
            .map(|t| t.as_str().to_owned()),
        image_arn: spec
            .and_then(|s| s.sage_maker_image_arn())
            .map(str::to_owned),
        lifecycle_config_arn: spec
            .and_then(|s| s.lifecycle_config_arn())
            .map(str::to_owned),
        storage_gb: settings
            .and_then(|s| s.space_storage_settings())
            .and_then(|s| s.ebs_storage_settings())
            .and_then(|e| e.ebs_volume_size_in_gb())
            .and_then(|gb| u32::try_from(gb).ok()),
        jupyter_lab_others: JupyterLabOthers {
            code_repositories: jupyter_lab
                .map(|j| j.code_repositories())
                .unwrap_or_default()
                .iter()
                .filter_map(|r| r.repository_url().map(str::to_owned))
                .collect(),
            idle_timeout_minutes: jupyter_lab
                .and_then(|j| j.app_lifecycle_management())
                .and_then(|m| m.idle_settings())
                .and_then(|i| i.idle_timeout_in_minutes()),
            image_version_arn: spec
                .and_then(|s| s.sage_maker_image_version_arn())
                .map(str::to_owned),
            image_version_alias: spec
                .and_then(|s| s.sage_maker_image_version_alias())
                .map(str::to_owned),
            training_plan_arn: spec.and_then(|s| s.training_plan_arn()).map(str::to_owned),
        },
    }))
}

/// What clears a space's `SageMakerImageVersionArn` or `TrainingPlanArn` (SageMaker API reference,
/// ResourceSpec: "To clear the value set for SageMakerImageVersionArn, pass None as the value"; the
/// service model's `StudioResourceSpecTrainingPlanArn` "allows \"None\" to detach a training plan";
/// both fields' patterns end in `|None`).
const CLEAR: &str = "None";

/// A setting UpdateSpace is sent back: `CLEAR` when it must go, else as read (absent stays absent).
fn resent(kept: &Option<String>, clear: bool) -> Option<String> {
    if clear {
        Some(CLEAR.to_owned())
    } else {
        kept.clone()
    }
}

/// The JupyterLab settings UpdateSpace is sent: the rule's spec and, as read, the rest.
fn jupyter_lab_update(spec: &ResourceSpecUpdate) -> SpaceJupyterLabAppSettings {
    let others = &spec.others;
    let resource_spec = ResourceSpec::builder()
        .instance_type(AppInstanceType::from(spec.instance_type.as_str()))
        .set_sage_maker_image_arn(spec.image_arn.clone())
        .set_sage_maker_image_version_arn(resent(
            &others.image_version_arn,
            spec.clear_image_version,
        ))
        .set_sage_maker_image_version_alias(others.image_version_alias.clone())
        .set_lifecycle_config_arn(spec.lifecycle_config_arn.clone())
        .set_training_plan_arn(resent(&others.training_plan_arn, spec.clear_training_plan))
        .build();
    let repositories = others
        .code_repositories
        .iter()
        .map(|url| CodeRepository::builder().repository_url(url).build())
        .collect::<Vec<_>>();
    SpaceJupyterLabAppSettings::builder()
        .default_resource_spec(resource_spec)
        .set_code_repositories((!repositories.is_empty()).then_some(repositories))
        .set_app_lifecycle_management(others.idle_timeout_minutes.map(|minutes| {
            SpaceAppLifecycleManagement::builder()
                .idle_settings(
                    SpaceIdleSettings::builder()
                        .idle_timeout_in_minutes(minutes)
                        .build(),
                )
                .build()
        }))
        .build()
}

pub(super) async fn create(
    admin: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    name: &str,
    desired: &DesiredSpace,
) -> Result<Created, AwsError> {
    let rule = &desired.rule;
    let settings = SpaceSettings::builder()
        .app_type(AppType::JupyterLab)
        .jupyter_lab_app_settings(
            SpaceJupyterLabAppSettings::builder()
                .default_resource_spec(resource_spec(
                    &rule.instance_type,
                    rule.image_arn.as_ref(),
                    None,
                ))
                .build(),
        )
        .space_storage_settings(storage(rule.storage_gb))
        .build();
    let result = admin
        .create_space()
        .domain_id(domain_id)
        .space_name(name)
        .space_display_name(&desired.owner_profile)
        .ownership_settings(
            OwnershipSettings::builder()
                .owner_user_profile_name(&desired.owner_profile)
                .build(),
        )
        .space_sharing_settings(
            SpaceSharingSettings::builder()
                .sharing_type(SharingType::Private)
                .build(),
        )
        .space_settings(settings)
        .set_tags(Some(tags(&desired.tags)))
        .send()
        .await;
    match result {
        Ok(_) => Ok(Created::New),
        Err(e) => {
            let modeled = e
                .as_service_error()
                .is_some_and(|se| se.is_resource_in_use());
            already_there(crate::sdk_error("sagemaker:CreateSpace", e), modeled)
        }
    }
}

pub(super) async fn update(
    admin: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    name: &str,
    drift: &SpaceDrift,
) -> Result<(), AwsError> {
    let mut settings = SpaceSettings::builder();
    if let Some(spec) = &drift.resource_spec {
        settings = settings.jupyter_lab_app_settings(jupyter_lab_update(spec));
    }
    if let Some(gb) = drift.storage_gb {
        settings = settings.space_storage_settings(storage(gb));
    }
    admin
        .update_space()
        .domain_id(domain_id)
        .space_name(name)
        .space_settings(settings.build())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| crate::sdk_error("sagemaker:UpdateSpace", e))
}
