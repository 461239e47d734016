//! The AWS capabilities provisioning needs, as small traits it owns. `crate::aws` implements them on
//! the SDK clients; tests can implement them on anything.

use super::contract::FederatedCredentials;
use super::rules::{DesiredProfile, Drift, ObservedProfile};
use crate::aws::AwsError;
use std::future::Future;

/// STS, with the user's credentials.
pub trait CallerIdentity: Send + Sync {
    /// GetCallerIdentity: the ARN the credentials belong to.
    fn caller_arn(
        &self,
        credentials: &FederatedCredentials,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}

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

/// What CreateUserProfile did.
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
    /// Domain.
    pub domain_id: String,
    /// Profile.
    pub profile: String,
    /// 5-300.
    pub expires_in_seconds: u32,
    /// 1800-43200.
    pub session_seconds: u32,
    /// Optional space.
    pub space_name: Option<String>,
    /// Optional landing URI.
    pub landing_uri: Option<String>,
}

/// SageMaker: provisioning with the function's own role, presigning with the user's credentials.
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
    /// UpdateUserProfile with the settings part of `drift`.
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
        tags: &std::collections::BTreeMap<String, String>,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// CreatePresignedDomainUrl, signed with `credentials`, through the configured endpoint.
    fn presign(
        &self,
        credentials: &FederatedCredentials,
        params: &PresignParams,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}

/// An EMR Studio's authentication mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudioMode {
    /// IAM: console federation.
    Iam,
    /// IAM Identity Center: session mappings.
    IdentityCenter,
}

/// What DescribeStudio tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioInfo {
    /// Auth mode.
    pub mode: StudioMode,
    /// The Studio URL.
    pub url: String,
}

/// `USER` or `GROUP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityType {
    /// An Identity Center user.
    User,
    /// An Identity Center group.
    Group,
}

/// EMR, with the function's own role.
pub trait EmrApi: Send + Sync {
    /// DescribeStudio.
    fn describe_studio(
        &self,
        studio_id: &str,
    ) -> impl Future<Output = Result<StudioInfo, AwsError>> + Send;
    /// GetStudioSessionMapping: the session policy ARN, or `None` when there is no mapping.
    fn session_policy(
        &self,
        studio_id: &str,
        kind: IdentityType,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;
    /// CreateStudioSessionMapping.
    fn create_mapping(
        &self,
        studio_id: &str,
        kind: IdentityType,
        name: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// UpdateStudioSessionMapping.
    fn update_mapping(
        &self,
        studio_id: &str,
        kind: IdentityType,
        name: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// The AWS console federation endpoint.
pub trait ConsoleFederation: Send + Sync {
    /// `Action=getSigninToken` with the user's credentials.
    fn signin_token(
        &self,
        credentials: &FederatedCredentials,
        session_seconds: u32,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
    /// The `Action=login` URL. A bearer URL: never log it.
    fn login_url(&self, issuer: &str, destination: &str, signin_token: &str) -> String;
}
