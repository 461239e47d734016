//! EMR Studio access: the EMR API on the SDK with the function's own role, the Identity Store
//! ([`IdentityStore`]) for session mappings by ID, and console federation ([`HttpFederation`]) with
//! the user's credentials.

use crate::federation::HttpFederation;
use crate::identitystore::IdentityStore;
use aws_sdk_emr::types::{AuthMode, IdentityType as SdkIdentityType};
use studiogate::targets::emr::{EmrStudioAccess, IdentityType, StudioInfo, StudioMode};
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::{AwsError, ErrorKind};

/// EMR through the SDK, the Identity Store, and the console federation endpoint.
#[derive(Clone, Debug)]
pub struct SdkEmr {
    client: aws_sdk_emr::Client,
    directory: IdentityStore,
    federation: HttpFederation,
}

impl SdkEmr {
    /// With the function's own credentials; console sign-ins through `federation`.
    pub fn new(config: &aws_config::SdkConfig, federation: HttpFederation) -> Self {
        SdkEmr {
            client: aws_sdk_emr::Client::new(config),
            directory: IdentityStore::new(config),
            federation,
        }
    }
}

fn sdk_type(kind: IdentityType) -> SdkIdentityType {
    match kind {
        IdentityType::User => SdkIdentityType::User,
        IdentityType::Group => SdkIdentityType::Group,
    }
}

impl EmrStudioAccess for SdkEmr {
    async fn signin_token(
        &self,
        credentials: &FederatedCredentials,
        session_seconds: u32,
    ) -> Result<String, AwsError> {
        self.federation
            .signin_token(credentials, session_seconds)
            .await
    }

    fn login_url(&self, issuer: &str, destination: &str, signin_token: &str) -> String {
        self.federation.login_url(issuer, destination, signin_token)
    }

    async fn identity_id(
        &self,
        store: &str,
        kind: IdentityType,
        name: &str,
    ) -> Result<Option<String>, AwsError> {
        self.directory.id_of(store, kind, name).await
    }

    async fn delete_mapping(
        &self,
        studio_id: &str,
        kind: IdentityType,
        identity_id: &str,
    ) -> Result<(), AwsError> {
        let result = self
            .client
            .delete_studio_session_mapping()
            .studio_id(studio_id)
            .identity_type(sdk_type(kind))
            .identity_id(identity_id)
            .send()
            .await;
        let Err(e) = result else {
            return Ok(());
        };
        let refused = crate::sdk_error("elasticmapreduce:DeleteStudioSessionMapping", e);
        // EMR has no NotFound: a mapping that is not there is refused as any bad request is
        // (InvalidRequestException). A retried delete whose first attempt went through, or one
        // another run got to first, finds it gone, which is what a delete wants: read it again.
        if refused.kind != ErrorKind::Validation {
            return Err(refused);
        }
        match self.session_policy(studio_id, kind, identity_id).await {
            Ok(None) => Ok(()),
            _ => Err(refused),
        }
    }

    async fn describe_studio(&self, studio_id: &str) -> Result<StudioInfo, AwsError> {
        let described = self
            .client
            .describe_studio()
            .studio_id(studio_id)
            .send()
            .await
            .map_err(|e| crate::sdk_error("elasticmapreduce:DescribeStudio", e))?;
        let studio = described.studio().ok_or_else(|| {
            AwsError::new(
                "elasticmapreduce:DescribeStudio",
                ErrorKind::NotFound,
                "NoStudio",
                "no Studio in the answer",
            )
        })?;
        let mode = match studio.auth_mode() {
            Some(AuthMode::Sso) => StudioMode::IdentityCenter,
            _ => StudioMode::Iam,
        };
        Ok(StudioInfo {
            mode,
            url: studio.url().unwrap_or_default().to_owned(),
        })
    }

    async fn session_policy(
        &self,
        studio_id: &str,
        kind: IdentityType,
        identity_id: &str,
    ) -> Result<Option<String>, AwsError> {
        let result = self
            .client
            .get_studio_session_mapping()
            .studio_id(studio_id)
            .identity_type(sdk_type(kind))
            .identity_id(identity_id)
            .send()
            .await;
        match result {
            Ok(found) => Ok(found
                .session_mapping()
                .and_then(|m| m.session_policy_arn())
                .map(str::to_owned)),
            Err(e) => {
                // EMR answers a missing mapping with InvalidRequestException.
                let modeled = e
                    .as_service_error()
                    .is_some_and(|se| se.is_invalid_request_exception());
                let error = crate::sdk_error("elasticmapreduce:GetStudioSessionMapping", e);
                if modeled || matches!(error.kind, ErrorKind::Validation | ErrorKind::NotFound) {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn create_mapping(
        &self,
        studio_id: &str,
        kind: IdentityType,
        identity_id: &str,
        policy_arn: &str,
    ) -> Result<(), AwsError> {
        self.client
            .create_studio_session_mapping()
            .studio_id(studio_id)
            .identity_type(sdk_type(kind))
            .identity_id(identity_id)
            .session_policy_arn(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| crate::sdk_error("elasticmapreduce:CreateStudioSessionMapping", e))
    }

    async fn update_mapping(
        &self,
        studio_id: &str,
        kind: IdentityType,
        identity_id: &str,
        policy_arn: &str,
    ) -> Result<(), AwsError> {
        self.client
            .update_studio_session_mapping()
            .studio_id(studio_id)
            .identity_type(sdk_type(kind))
            .identity_id(identity_id)
            .session_policy_arn(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| crate::sdk_error("elasticmapreduce:UpdateStudioSessionMapping", e))
    }
}
