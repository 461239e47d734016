//! What the SageMaker kind needs from AWS, as a trait it owns; `studiogate-aws` implements it on
//! the SDK, tests on anything.

use super::rules::{DesiredProfile, Drift, ObservedProfile};
use super::space::{DesiredSpace, SpaceDrift};
use std::collections::BTreeMap;
use std::future::Future;
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::AwsError;

/// The operations the adapter calls with presign's own role (`iam:PassRole` for the execution
/// role comes with CreateUserProfile and UpdateUserProfile).
pub const OPERATIONS: &[&str] = &[
    "sagemaker:DescribeUserProfile",
    "sagemaker:ListTags",
    "sagemaker:CreateUserProfile",
    "sagemaker:UpdateUserProfile",
    "sagemaker:ListApps",
    "sagemaker:AddTags",
    "sagemaker:DescribeSpace",
    "sagemaker:CreateSpace",
    "sagemaker:UpdateSpace",
    "iam:PassRole",
];

/// For a target in another account, the operation presign's own role calls first (the spoke's
/// provisioning role then grants [`OPERATIONS`] there).
pub const SPOKE_OPERATIONS: &[&str] = &["sts:AssumeRole"];

/// The operations it calls with the user's federated credentials (the user's role grants them).
pub const USER_OPERATIONS: &[&str] = &["sagemaker:CreatePresignedDomainUrl"];

/// A user profile as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileState {
    /// Its ARN.
    pub arn: String,
    /// `Pending`, `InService`, `Updating`, `Failed`, `Update_Failed`, `Deleting`, `Delete_Failed`.
    pub status: String,
    /// Role, lifecycle configs and tags.
    pub observed: ObservedProfile,
}

/// A space as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceState {
    /// `Pending`, `InService`, `Updating`, `Failed`, ...
    pub status: String,
    /// `OwnershipSettings.OwnerUserProfileName`.
    pub owner: Option<String>,
    /// `SpaceSharingSettings.SharingType` (`Private`, `Shared`).
    pub sharing: Option<String>,
    /// The JupyterLab app's `DefaultResourceSpec.InstanceType`.
    pub instance_type: Option<String>,
    /// The JupyterLab app's `DefaultResourceSpec.SageMakerImageArn`.
    pub image_arn: Option<String>,
    /// The JupyterLab app's `DefaultResourceSpec.LifecycleConfigArn`.
    pub lifecycle_config_arn: Option<String>,
    /// `EbsVolumeSizeInGb`.
    pub storage_gb: Option<u32>,
    /// The rest of the JupyterLab app's settings, which the rules do not set.
    pub jupyter_lab_others: JupyterLabOthers,
}

/// What a space's JupyterLab settings hold besides the instance type, image and lifecycle
/// configuration: sent back as read whenever UpdateSpace is sent those settings, so a rule change
/// keeps them whether SageMaker merges the settings it is sent or replaces them (its API reference
/// does not say). The image's version and alias go back only with their own image; a version of
/// another is cleared by name (ResourceSpec: "pass None"); an alias cannot be (its pattern has no
/// None), so whether leaving it out clears it is a real account's to confirm (README, "Checks only
/// a real account can make").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JupyterLabOthers {
    /// `CodeRepositories[].RepositoryUrl`.
    pub code_repositories: Vec<String>,
    /// `AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes`.
    pub idle_timeout_minutes: Option<i32>,
    /// `DefaultResourceSpec.SageMakerImageVersionArn`: a version of the space's image.
    pub image_version_arn: Option<String>,
    /// `DefaultResourceSpec.SageMakerImageVersionAlias`: likewise.
    pub image_version_alias: Option<String>,
    /// `DefaultResourceSpec.TrainingPlanArn`: the reserved capacity the space's app runs on.
    pub training_plan_arn: Option<String>,
}

/// What CreateUserProfile (or CreateSpace) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// Created now.
    New,
    /// Someone else created it first (ResourceInUse): a concurrent login won the race.
    AlreadyExists,
}

/// What UpdateUserProfile did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    /// Changed.
    Done,
    /// The execution role cannot change while apps run.
    RoleLockedByRunningApps,
}

/// Parameters of CreatePresignedDomainUrl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignParams {
    /// The domain.
    pub domain_id: String,
    /// The user profile.
    pub profile: String,
    /// `ExpiresInSeconds`, 5-300.
    pub expires_in_seconds: u32,
    /// `SessionExpirationDurationInSeconds`, 1800-43200.
    pub session_seconds: u32,
    /// `SpaceName`.
    pub space_name: Option<String>,
    /// `LandingUri`.
    pub landing_uri: Option<String>,
}

/// SageMaker: provisioning with presign's own role, presigning with the user's credentials.
pub trait SageMakerApi: Send + Sync {
    /// DescribeUserProfile + ListTags; `None` when there is no such profile.
    fn describe_profile(
        &self,
        domain_id: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<ProfileState>, AwsError>> + Send;
    /// CreateUserProfile with settings and tags.
    fn create_profile(
        &self,
        domain_id: &str,
        name: &str,
        desired: &DesiredProfile,
    ) -> impl Future<Output = Result<Created, AwsError>> + Send;
    /// UpdateUserProfile with the settings part of `drift`, keeping every setting the drift does not
    /// name; a role change while the user's apps run is not attempted (`RoleLockedByRunningApps`).
    fn update_profile(
        &self,
        domain_id: &str,
        name: &str,
        drift: &Drift,
    ) -> impl Future<Output = Result<Updated, AwsError>> + Send;
    /// AddTags.
    fn add_tags(
        &self,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DescribeSpace; `None` when there is no such space.
    fn describe_space(
        &self,
        domain_id: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<SpaceState>, AwsError>> + Send;
    /// CreateSpace: a private JupyterLab space owned by `desired.owner_profile`, with its tags.
    fn create_space(
        &self,
        domain_id: &str,
        name: &str,
        desired: &DesiredSpace,
    ) -> impl Future<Output = Result<Created, AwsError>> + Send;
    /// UpdateSpace with what `drift` names.
    fn update_space(
        &self,
        domain_id: &str,
        name: &str,
        drift: &SpaceDrift,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// CreatePresignedDomainUrl, signed with `credentials`, through the configured endpoint.
    fn presign(
        &self,
        credentials: &FederatedCredentials,
        params: &PresignParams,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}
