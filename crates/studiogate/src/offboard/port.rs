//! What offboarding needs from SageMaker, as a trait it owns; `studiogate-aws` implements it on the
//! SDK. EMR session mappings go through the EMR kind's own port ([`crate::targets::emr::EmrStudioAccess`]).

use std::collections::BTreeMap;
use std::future::Future;
use studiogate_kernel::AwsError;

/// The SageMaker operations offboarding calls (with the offboarding principal's credentials).
pub const OPERATIONS: &[&str] = &[
    "sagemaker:ListUserProfiles",
    "sagemaker:DescribeUserProfile",
    "sagemaker:ListTags",
    "sagemaker:ListSpaces",
    "sagemaker:DescribeSpace",
    "sagemaker:ListApps",
    "sagemaker:DeleteApp",
    "sagemaker:DeleteSpace",
    "sagemaker:DeleteUserProfile",
];

/// The EMR and Identity Store operations offboarding calls for Identity Center Studios.
pub const EMR_OPERATIONS: &[&str] = &[
    "elasticmapreduce:DescribeStudio",
    "elasticmapreduce:GetStudioSessionMapping",
    "elasticmapreduce:DeleteStudioSessionMapping",
    "identitystore:GetUserId",
];

/// A user profile with its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedProfile {
    /// Its name.
    pub name: String,
    /// Its status (`InService`, `Deleting`, ...).
    pub status: String,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// `HomeEfsFileSystemUid`: the user's directory on the domain's EFS volume, which no API
    /// removes (recorded so that an administrator can).
    pub home_efs_uid: Option<String>,
}

/// A space, as ListSpaces summarises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceSummary {
    /// Its name.
    pub name: String,
    /// Its status.
    pub status: String,
    /// `OwnershipSettingsSummary.OwnerUserProfileName`.
    pub owner: Option<String>,
    /// `SpaceSharingSettingsSummary.SharingType`: `Private` or `Shared`.
    pub sharing: Option<String>,
}

/// An app, as ListApps summarises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSummary {
    /// `JupyterLab`, `CodeEditor`, `KernelGateway`, ...
    pub app_type: String,
    /// Its name.
    pub name: String,
    /// The space it runs in (Studio), if any.
    pub space: Option<String>,
    /// The profile it belongs to (Studio Classic), if any.
    pub profile: Option<String>,
    /// Its status; `Deleted` and `Failed` apps no longer hold anything.
    pub status: String,
}

impl AppSummary {
    /// Whether the app still counts: AWS refuses to delete a space or profile that holds one.
    pub fn is_live(&self) -> bool {
        !matches!(self.status.as_str(), "Deleted" | "Failed")
    }
}

/// SageMaker, as offboarding reads and deletes it. Deletes of what is already gone succeed.
pub trait StudioInventory: Send + Sync {
    /// ListUserProfiles (every page) of `domain_id`: the names.
    fn profile_names(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Vec<String>, AwsError>> + Send;
    /// DescribeUserProfile + ListTags; `None` when it is gone.
    fn profile(
        &self,
        domain_id: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<TaggedProfile>, AwsError>> + Send;
    /// ListSpaces (every page) of `domain_id`.
    fn spaces(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Vec<SpaceSummary>, AwsError>> + Send;
    /// DescribeSpace + ListTags: the space's tags; `None` when it is gone.
    fn space_tags(
        &self,
        domain_id: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<BTreeMap<String, String>>, AwsError>> + Send;
    /// ListApps (every page) of `domain_id`.
    fn apps(
        &self,
        domain_id: &str,
    ) -> impl Future<Output = Result<Vec<AppSummary>, AwsError>> + Send;
    /// DeleteApp.
    fn delete_app(
        &self,
        domain_id: &str,
        app: &AppSummary,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DeleteSpace.
    fn delete_space(
        &self,
        domain_id: &str,
        name: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DeleteUserProfile.
    fn delete_profile(
        &self,
        domain_id: &str,
        name: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}
