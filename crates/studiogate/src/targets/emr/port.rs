//! What the EMR Studio kind needs from AWS, as one trait it owns: the EMR API with presign's role,
//! and the console federation endpoint with the user's credentials. `studiogate-aws` implements it.

use std::future::Future;
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::AwsError;

/// The operations the adapter calls with presign's own role.
pub const OPERATIONS: &[&str] = &[
    "elasticmapreduce:DescribeStudio",
    "elasticmapreduce:GetStudioSessionMapping",
    "elasticmapreduce:CreateStudioSessionMapping",
    "elasticmapreduce:UpdateStudioSessionMapping",
    "elasticmapreduce:DeleteStudioSessionMapping",
    "identitystore:GetUserId",
    "identitystore:GetGroupId",
];

/// The operations it calls with the user's federated credentials: the federation endpoint's
/// `getSigninToken` (no IAM permission; the credentials themselves are the proof).
pub const USER_OPERATIONS: &[&str] = &["signin:GetSigninToken"];

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

/// EMR Studio access: the EMR API (presign's role) and console federation (the user's credentials).
pub trait EmrStudioAccess: Send + Sync {
    /// DescribeStudio.
    fn describe_studio(
        &self,
        studio_id: &str,
    ) -> impl Future<Output = Result<StudioInfo, AwsError>> + Send;
    /// GetUserId (by `UserName`) or GetGroupId (by `DisplayName`) in the Identity Store `store`:
    /// the Identity Store ID, or `None` when there is no such user or group.
    fn identity_id(
        &self,
        store: &str,
        kind: IdentityType,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;
    /// GetStudioSessionMapping: the session policy ARN, or `None` when there is no mapping.
    fn session_policy(
        &self,
        studio_id: &str,
        kind: IdentityType,
        identity_id: &str,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;
    /// CreateStudioSessionMapping.
    fn create_mapping(
        &self,
        studio_id: &str,
        kind: IdentityType,
        identity_id: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// UpdateStudioSessionMapping.
    fn update_mapping(
        &self,
        studio_id: &str,
        kind: IdentityType,
        identity_id: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// DeleteStudioSessionMapping.
    fn delete_mapping(
        &self,
        studio_id: &str,
        kind: IdentityType,
        identity_id: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// The federation endpoint's `Action=getSigninToken` with the user's credentials.
    fn signin_token(
        &self,
        credentials: &FederatedCredentials,
        session_seconds: u32,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
    /// The `Action=login` URL. A bearer URL: never log it.
    fn login_url(&self, issuer: &str, destination: &str, signin_token: &str) -> String;
}
