//! EMR on the SDK, with the function's own role.

use super::{AwsError, ErrorKind};
use crate::provision::ports::{EmrApi, IdentityType, StudioInfo, StudioMode};
use aws_sdk_emr::types::{AuthMode, IdentityType as SdkIdentityType};

/// The AWS operations this adapter calls.
pub const OPERATIONS: &[&str] = &[
    "elasticmapreduce:DescribeStudio",
    "elasticmapreduce:GetStudioSessionMapping",
    "elasticmapreduce:CreateStudioSessionMapping",
    "elasticmapreduce:UpdateStudioSessionMapping",
];

/// EMR through the SDK.
#[derive(Clone, Debug)]
pub struct SdkEmr {
    client: aws_sdk_emr::Client,
}

impl SdkEmr {
    /// With a ready-made client (tests inject a mocked one).
    pub fn with_client(client: aws_sdk_emr::Client) -> Self {
        SdkEmr { client }
    }

    /// With the function's own credentials.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SdkEmr {
            client: aws_sdk_emr::Client::new(config),
        }
    }
}

fn sdk_type(kind: IdentityType) -> SdkIdentityType {
    match kind {
        IdentityType::User => SdkIdentityType::User,
        IdentityType::Group => SdkIdentityType::Group,
    }
}

impl EmrApi for SdkEmr {
    async fn describe_studio(&self, studio_id: &str) -> Result<StudioInfo, AwsError> {
        let described = self
            .client
            .describe_studio()
            .studio_id(studio_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("elasticmapreduce:DescribeStudio", e))?;
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
        name: &str,
    ) -> Result<Option<String>, AwsError> {
        let result = self
            .client
            .get_studio_session_mapping()
            .studio_id(studio_id)
            .identity_type(sdk_type(kind))
            .identity_name(name)
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
                let error = AwsError::from_sdk("elasticmapreduce:GetStudioSessionMapping", e);
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
        name: &str,
        policy_arn: &str,
    ) -> Result<(), AwsError> {
        self.client
            .create_studio_session_mapping()
            .studio_id(studio_id)
            .identity_type(sdk_type(kind))
            .identity_name(name)
            .session_policy_arn(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk("elasticmapreduce:CreateStudioSessionMapping", e))
    }

    async fn update_mapping(
        &self,
        studio_id: &str,
        kind: IdentityType,
        name: &str,
        policy_arn: &str,
    ) -> Result<(), AwsError> {
        self.client
            .update_studio_session_mapping()
            .studio_id(studio_id)
            .identity_type(sdk_type(kind))
            .identity_name(name)
            .session_policy_arn(policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk("elasticmapreduce:UpdateStudioSessionMapping", e))
    }
}
