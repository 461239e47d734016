//! SageMaker on the SDK: provisioning with the function's role (settings read-modify-write:
//! [`settings`]); presigning with the user's credentials through the configured endpoint (the
//! SageMaker API VPC endpoint).

mod offboard;
mod settings;
mod space;

use crate::user_credentials;
use aws_sdk_sagemaker::operation::describe_user_profile::{
    DescribeUserProfileError, DescribeUserProfileOutput,
};
use aws_sdk_sagemaker::types::{AppStatus, Tag};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::BTreeMap;
use studiogate::targets::sagemaker::rules::{DesiredProfile, Drift, ObservedProfile};
use studiogate::targets::sagemaker::space::{DesiredSpace, SpaceDrift};
use studiogate::targets::sagemaker::{
    Created, PresignParams, ProfileState, SageMakerApi, SpaceState, Updated,
};
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::{AwsError, ErrorKind};

/// SageMaker through the SDK.
#[derive(Clone, Debug)]
pub struct SdkSageMaker {
    admin: aws_sdk_sagemaker::Client,
    /// Through the presign endpoint; each call signs with the user's credentials
    /// ([`user_override`]), never with the function's own.
    presigner: aws_sdk_sagemaker::Client,
}

impl SdkSageMaker {
    /// `config` carries the function's own credentials; `presign_endpoint` the VPC endpoint URL.
    pub fn new(config: &aws_config::SdkConfig, presign_endpoint: Option<String>) -> Self {
        let mut presigning = aws_sdk_sagemaker::config::Builder::from(config);
        if let Some(endpoint) = presign_endpoint {
            presigning = presigning.endpoint_url(endpoint);
        }
        SdkSageMaker {
            admin: aws_sdk_sagemaker::Client::new(config),
            presigner: aws_sdk_sagemaker::Client::from_conf(presigning.build()),
        }
    }
}

/// One call's configuration: signed with the user's credentials, which no cache keeps. A call's
/// override rather than a client built per login: the same signing for about a fifth less
/// CPU (BENCHMARKS.md, "One AWS call through the SDK").
fn user_override(credentials: &FederatedCredentials) -> aws_sdk_sagemaker::config::Builder {
    aws_sdk_sagemaker::config::Builder::default()
        .credentials_provider(user_credentials(credentials))
        .identity_cache(aws_sdk_sagemaker::config::IdentityCache::no_cache())
}

/// A call's answer, `None` when the resource does not exist (`not_found` tells the operation's
/// modeled error; the code on the wire counts too), else the classified error.
fn found<O, E>(
    operation: &'static str,
    result: Result<O, SdkError<E, HttpResponse>>,
    not_found: impl Fn(&E) -> bool,
) -> Result<Option<O>, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(e) => {
            let modeled = e.as_service_error().is_some_and(&not_found);
            let error = crate::sdk_error(operation, e);
            if modeled || error.kind == ErrorKind::NotFound {
                Ok(None)
            } else {
                Err(error)
            }
        }
    }
}

/// A Create that failed: `AlreadyExists` when a concurrent login created it first (ResourceInUse,
/// modeled or on the wire), else the error.
fn already_there(error: AwsError, modeled_in_use: bool) -> Result<Created, AwsError> {
    if modeled_in_use || error.kind == ErrorKind::InUse {
        Ok(Created::AlreadyExists)
    } else {
        Err(error)
    }
}

/// Every app a ListApps request names, every page (100 a page).
pub(super) async fn list_apps(
    request: aws_sdk_sagemaker::operation::list_apps::builders::ListAppsFluentBuilder,
) -> Result<Vec<aws_sdk_sagemaker::types::AppDetails>, AwsError> {
    request
        .max_results(100)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| crate::sdk_error("sagemaker:ListApps", e))
}

fn tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// ListTags of `arn`: one page of 100 holds them all (a SageMaker resource has at most 50 tags).
async fn tags_of(
    admin: &aws_sdk_sagemaker::Client,
    arn: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let listed = admin
        .list_tags()
        .resource_arn(arn)
        .max_results(100)
        .send()
        .await
        .map_err(|e| crate::sdk_error("sagemaker:ListTags", e))?;
    Ok(listed
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

/// DescribeUserProfile; `None` when there is no such profile.
async fn described_profile(
    admin: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    name: &str,
) -> Result<Option<DescribeUserProfileOutput>, AwsError> {
    let result = admin
        .describe_user_profile()
        .domain_id(domain_id)
        .user_profile_name(name)
        .send()
        .await;
    found(
        "sagemaker:DescribeUserProfile",
        result,
        DescribeUserProfileError::is_resource_not_found,
    )
}

impl SdkSageMaker {
    /// Whether any of the user's apps is running or starting (ListApps, every page): the apps
    /// listed under the profile, and those in the private space presign makes for it, which
    /// ListApps lists under the space (it filters by profile or by space, not both).
    async fn apps_running(&self, domain_id: &str, name: &str) -> Result<bool, AwsError> {
        let private_space = studiogate::targets::sagemaker::space::space_name(name);
        for by_space in [false, true] {
            let request = self.admin.list_apps().domain_id_equals(domain_id);
            let request = if by_space {
                request.space_name_equals(&private_space)
            } else {
                request.user_profile_name_equals(name)
            };
            let apps = list_apps(request).await?;
            let live = |app: &aws_sdk_sagemaker::types::AppDetails| {
                matches!(
                    app.status(),
                    Some(AppStatus::InService | AppStatus::Pending)
                )
            };
            if apps.iter().any(live) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl SageMakerApi for SdkSageMaker {
    async fn describe_profile(
        &self,
        domain_id: &str,
        name: &str,
    ) -> Result<Option<ProfileState>, AwsError> {
        let Some(described) = described_profile(&self.admin, domain_id, name).await? else {
            return Ok(None);
        };
        let arn = described.user_profile_arn().unwrap_or_default().to_owned();
        let tags = tags_of(&self.admin, &arn).await?;
        let (lifecycle_configs, idle_shutdown_minutes) =
            settings::observed(described.user_settings());
        Ok(Some(ProfileState {
            arn,
            status: described
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            observed: ObservedProfile {
                execution_role: described
                    .user_settings()
                    .and_then(|s| s.execution_role())
                    .map(str::to_owned),
                lifecycle_configs,
                idle_shutdown_minutes,
                tags,
            },
        }))
    }

    async fn create_profile(
        &self,
        domain_id: &str,
        name: &str,
        desired: &DesiredProfile,
    ) -> Result<Created, AwsError> {
        let result = self
            .admin
            .create_user_profile()
            .domain_id(domain_id)
            .user_profile_name(name)
            .user_settings(settings::for_new(desired))
            .set_tags(Some(tags(&desired.tags)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Created::New),
            Err(e) => {
                let modeled = e
                    .as_service_error()
                    .is_some_and(|se| se.is_resource_in_use());
                already_there(crate::sdk_error("sagemaker:CreateUserProfile", e), modeled)
            }
        }
    }

    async fn update_profile(
        &self,
        domain_id: &str,
        name: &str,
        drift: &Drift,
    ) -> Result<Updated, AwsError> {
        // SageMaker refuses a new execution role while the user's apps run: ask, rather than read
        // it out of an error message.
        if drift.execution_role.is_some() && self.apps_running(domain_id, name).await? {
            return Ok(Updated::RoleLockedByRunningApps);
        }
        // Read-modify-write: each app type the drift touches is sent whole.
        let current = self
            .admin
            .describe_user_profile()
            .domain_id(domain_id)
            .user_profile_name(name)
            .send()
            .await
            .map_err(|e| crate::sdk_error("sagemaker:DescribeUserProfile", e))?;
        self.admin
            .update_user_profile()
            .domain_id(domain_id)
            .user_profile_name(name)
            .user_settings(settings::updated(current.user_settings(), drift))
            .send()
            .await
            .map_err(|e| crate::sdk_error("sagemaker:UpdateUserProfile", e))?;
        Ok(Updated::Done)
    }

    async fn add_tags(
        &self,
        arn: &str,
        new_tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        self.admin
            .add_tags()
            .resource_arn(arn)
            .set_tags(Some(tags(new_tags)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| crate::sdk_error("sagemaker:AddTags", e))
    }

    async fn describe_space(
        &self,
        domain_id: &str,
        name: &str,
    ) -> Result<Option<SpaceState>, AwsError> {
        space::describe(&self.admin, domain_id, name).await
    }

    async fn create_space(
        &self,
        domain_id: &str,
        name: &str,
        desired: &DesiredSpace,
    ) -> Result<Created, AwsError> {
        space::create(&self.admin, domain_id, name, desired).await
    }

    async fn update_space(
        &self,
        domain_id: &str,
        name: &str,
        drift: &SpaceDrift,
    ) -> Result<(), AwsError> {
        space::update(&self.admin, domain_id, name, drift).await
    }

    async fn presign(
        &self,
        credentials: &FederatedCredentials,
        params: &PresignParams,
    ) -> Result<String, AwsError> {
        let output = self
            .presigner
            .create_presigned_domain_url()
            .domain_id(&params.domain_id)
            .user_profile_name(&params.profile)
            .expires_in_seconds(i32::try_from(params.expires_in_seconds).unwrap_or(30))
            .session_expiration_duration_in_seconds(
                i32::try_from(params.session_seconds).unwrap_or(1800),
            )
            .set_space_name(params.space_name.clone())
            .set_landing_uri(params.landing_uri.clone())
            .customize()
            .config_override(user_override(credentials))
            .send()
            .await
            .map_err(|e| crate::sdk_error("sagemaker:CreatePresignedDomainUrl", e))?;
        output.authorized_url().map(str::to_owned).ok_or_else(|| {
            AwsError::new(
                "sagemaker:CreatePresignedDomainUrl",
                ErrorKind::Other,
                "NoUrl",
                "no AuthorizedUrl in the answer",
            )
        })
    }
}
