//! Offboarding on the SDK: listings (every page, by the SDK's paginators), tags, and deletes that treat "already gone" as
//! done, so that a run that stopped half-way can simply run again.

use super::{found, tags_of, SdkSageMaker};
use aws_sdk_sagemaker::operation::delete_app::DeleteAppError;
use aws_sdk_sagemaker::operation::delete_space::DeleteSpaceError;
use aws_sdk_sagemaker::operation::delete_user_profile::DeleteUserProfileError;
use aws_sdk_sagemaker::types::AppType;
use std::collections::BTreeMap;
use studiogate::offboard::{AppSummary, SpaceSummary, StudioInventory, TaggedProfile};
use studiogate_kernel::AwsError;

/// The status as AWS spells it, or empty.
fn status<S: AsRef<str>>(status: Option<S>) -> String {
    status.map(|s| s.as_ref().to_owned()).unwrap_or_default()
}

impl StudioInventory for SdkSageMaker {
    async fn profile_names(&self, domain_id: &str) -> Result<Vec<String>, AwsError> {
        // Every page: the SDK's paginator follows NextToken.
        let profiles = self
            .admin
            .list_user_profiles()
            .domain_id_equals(domain_id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| crate::sdk_error("sagemaker:ListUserProfiles", e))?;
        Ok(profiles
            .iter()
            .filter_map(|p| p.user_profile_name().map(str::to_owned))
            .collect())
    }

    async fn profile(
        &self,
        domain_id: &str,
        name: &str,
    ) -> Result<Option<TaggedProfile>, AwsError> {
        let Some(described) = super::described_profile(&self.admin, domain_id, name).await? else {
            return Ok(None);
        };
        let arn = described.user_profile_arn().unwrap_or_default();
        Ok(Some(TaggedProfile {
            name: name.to_owned(),
            status: status(described.status()),
            tags: tags_of(&self.admin, arn).await?,
            home_efs_uid: described.home_efs_file_system_uid().map(str::to_owned),
        }))
    }

    async fn spaces(&self, domain_id: &str) -> Result<Vec<SpaceSummary>, AwsError> {
        let spaces = self
            .admin
            .list_spaces()
            .domain_id_equals(domain_id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| crate::sdk_error("sagemaker:ListSpaces", e))?;
        Ok(spaces
            .iter()
            .map(|s| SpaceSummary {
                name: s.space_name().unwrap_or_default().to_owned(),
                status: status(s.status()),
                owner: s
                    .ownership_settings_summary()
                    .and_then(|o| o.owner_user_profile_name())
                    .map(str::to_owned),
                sharing: s
                    .space_sharing_settings_summary()
                    .and_then(|o| o.sharing_type())
                    .map(|t| t.as_str().to_owned()),
            })
            .collect())
    }

    async fn space_tags(
        &self,
        domain_id: &str,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, AwsError> {
        let Some(described) = super::space::described(&self.admin, domain_id, name).await? else {
            return Ok(None);
        };
        let arn = described.space_arn().unwrap_or_default();
        Ok(Some(tags_of(&self.admin, arn).await?))
    }

    async fn apps(&self, domain_id: &str) -> Result<Vec<AppSummary>, AwsError> {
        let apps = super::list_apps(self.admin.list_apps().domain_id_equals(domain_id)).await?;
        Ok(apps
            .iter()
            .map(|a| AppSummary {
                app_type: status(a.app_type()),
                name: a.app_name().unwrap_or_default().to_owned(),
                space: a.space_name().map(str::to_owned),
                profile: a.user_profile_name().map(str::to_owned),
                status: status(a.status()),
            })
            .collect())
    }

    async fn delete_app(&self, domain_id: &str, app: &AppSummary) -> Result<(), AwsError> {
        // An app in a space is addressed by the space; a Classic app by its profile.
        let by_profile = app.space.is_none();
        let result = self
            .admin
            .delete_app()
            .domain_id(domain_id)
            .app_type(AppType::from(app.app_type.as_str()))
            .app_name(&app.name)
            .set_space_name(app.space.clone())
            .set_user_profile_name(app.profile.clone().filter(|_| by_profile))
            .send()
            .await;
        // Already gone is done.
        found(
            "sagemaker:DeleteApp",
            result,
            DeleteAppError::is_resource_not_found,
        )
        .map(|_| ())
    }

    async fn delete_space(&self, domain_id: &str, name: &str) -> Result<(), AwsError> {
        let result = self
            .admin
            .delete_space()
            .domain_id(domain_id)
            .space_name(name)
            .send()
            .await;
        // Already gone is done.
        found(
            "sagemaker:DeleteSpace",
            result,
            DeleteSpaceError::is_resource_not_found,
        )
        .map(|_| ())
    }

    async fn delete_profile(&self, domain_id: &str, name: &str) -> Result<(), AwsError> {
        let result = self
            .admin
            .delete_user_profile()
            .domain_id(domain_id)
            .user_profile_name(name)
            .send()
            .await;
        // Already gone is done.
        found(
            "sagemaker:DeleteUserProfile",
            result,
            DeleteUserProfileError::is_resource_not_found,
        )
        .map(|_| ())
    }
}
