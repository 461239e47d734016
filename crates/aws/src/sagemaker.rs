//! SageMaker on the SDK: provisioning with the function's role; presigning with the user's
//! credentials through the configured endpoint (the SageMaker API VPC endpoint).

use crate::user_credentials;
use aws_sdk_sagemaker::types::{
    CodeEditorAppSettings, JupyterLabAppSettings, JupyterServerAppSettings,
    KernelGatewayAppSettings, ResourceSpec, Tag, UserSettings,
};
use std::collections::BTreeMap;
use studiogate::targets::sagemaker::rules::{
    AppLifecycle, AppType, DesiredProfile, Drift, ObservedProfile,
};
use studiogate::targets::sagemaker::{Created, PresignParams, ProfileState, SageMakerApi, Updated};
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::{AwsError, ErrorKind};

/// SageMaker through the SDK.
#[derive(Clone, Debug)]
pub struct SdkSageMaker {
    admin: aws_sdk_sagemaker::Client,
    sdk_config: aws_config::SdkConfig,
    presign_endpoint: Option<String>,
}

impl SdkSageMaker {
    /// `config` carries the function's own credentials; `presign_endpoint` the VPC endpoint URL.
    pub fn new(config: &aws_config::SdkConfig, presign_endpoint: Option<String>) -> Self {
        SdkSageMaker {
            admin: aws_sdk_sagemaker::Client::new(config),
            sdk_config: config.clone(),
            presign_endpoint,
        }
    }
}

fn settings_for(role: Option<&str>, lifecycle: &BTreeMap<AppType, AppLifecycle>) -> UserSettings {
    let spec = |l: &AppLifecycle| {
        ResourceSpec::builder()
            .set_lifecycle_config_arn(l.default.clone())
            .build()
    };
    let mut settings = UserSettings::builder().set_execution_role(role.map(str::to_owned));
    for (app, l) in lifecycle {
        let arns = Some(l.arns.clone());
        settings = match app {
            AppType::JupyterLab => settings.jupyter_lab_app_settings(
                JupyterLabAppSettings::builder()
                    .default_resource_spec(spec(l))
                    .set_lifecycle_config_arns(arns)
                    .build(),
            ),
            AppType::JupyterServer => settings.jupyter_server_app_settings(
                JupyterServerAppSettings::builder()
                    .default_resource_spec(spec(l))
                    .set_lifecycle_config_arns(arns)
                    .build(),
            ),
            AppType::CodeEditor => settings.code_editor_app_settings(
                CodeEditorAppSettings::builder()
                    .default_resource_spec(spec(l))
                    .set_lifecycle_config_arns(arns)
                    .build(),
            ),
            AppType::KernelGateway => settings.kernel_gateway_app_settings(
                KernelGatewayAppSettings::builder()
                    .default_resource_spec(spec(l))
                    .set_lifecycle_config_arns(arns)
                    .build(),
            ),
        };
    }
    settings.build()
}

fn observed_lifecycle(settings: Option<&UserSettings>) -> BTreeMap<AppType, AppLifecycle> {
    let mut out = BTreeMap::new();
    let Some(s) = settings else { return out };
    let mut put = |app, spec: Option<&ResourceSpec>, arns: &[String]| {
        let default = spec
            .and_then(|r| r.lifecycle_config_arn())
            .map(str::to_owned);
        if default.is_some() || !arns.is_empty() {
            out.insert(
                app,
                AppLifecycle {
                    default,
                    arns: arns.to_vec(),
                }
                .normalized(),
            );
        }
    };
    if let Some(a) = s.jupyter_lab_app_settings() {
        put(
            AppType::JupyterLab,
            a.default_resource_spec(),
            a.lifecycle_config_arns(),
        );
    }
    if let Some(a) = s.jupyter_server_app_settings() {
        put(
            AppType::JupyterServer,
            a.default_resource_spec(),
            a.lifecycle_config_arns(),
        );
    }
    if let Some(a) = s.code_editor_app_settings() {
        put(
            AppType::CodeEditor,
            a.default_resource_spec(),
            a.lifecycle_config_arns(),
        );
    }
    if let Some(a) = s.kernel_gateway_app_settings() {
        put(
            AppType::KernelGateway,
            a.default_resource_spec(),
            a.lifecycle_config_arns(),
        );
    }
    out
}

fn tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

impl SageMakerApi for SdkSageMaker {
    async fn describe_profile(
        &self,
        domain_id: &str,
        name: &str,
    ) -> Result<Option<ProfileState>, AwsError> {
        let described = match self
            .admin
            .describe_user_profile()
            .domain_id(domain_id)
            .user_profile_name(name)
            .send()
            .await
        {
            Ok(d) => d,
            Err(e) => {
                // The modeled error first (typed), then the code on the wire.
                let modeled = e
                    .as_service_error()
                    .is_some_and(|se| se.is_resource_not_found());
                let error = crate::sdk_error("sagemaker:DescribeUserProfile", e);
                return if modeled || error.kind == ErrorKind::NotFound {
                    Ok(None)
                } else {
                    Err(error)
                };
            }
        };
        let arn = described.user_profile_arn().unwrap_or_default().to_owned();
        let listed = self
            .admin
            .list_tags()
            .resource_arn(&arn)
            .send()
            .await
            .map_err(|e| crate::sdk_error("sagemaker:ListTags", e))?;
        let tags = listed
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                )
            })
            .collect();
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
                lifecycle_configs: observed_lifecycle(described.user_settings()),
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
            .user_settings(settings_for(
                Some(&desired.execution_role),
                &desired.lifecycle_configs,
            ))
            .set_tags(Some(tags(&desired.tags)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Created::New),
            Err(e) => {
                let modeled = e
                    .as_service_error()
                    .is_some_and(|se| se.is_resource_in_use());
                let error = crate::sdk_error("sagemaker:CreateUserProfile", e);
                if modeled || error.kind == ErrorKind::InUse {
                    Ok(Created::AlreadyExists)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn update_profile(
        &self,
        domain_id: &str,
        name: &str,
        drift: &Drift,
    ) -> Result<Updated, AwsError> {
        let result = self
            .admin
            .update_user_profile()
            .domain_id(domain_id)
            .user_profile_name(name)
            .user_settings(settings_for(
                drift.execution_role.as_deref(),
                &drift.lifecycle_configs,
            ))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Updated::Done),
            Err(e) => {
                let error = crate::sdk_error("sagemaker:UpdateUserProfile", e);
                let apps_running = error.kind == ErrorKind::Validation
                    && drift.execution_role.is_some()
                    && error.message.to_ascii_lowercase().contains("app");
                if apps_running {
                    Ok(Updated::RoleLockedByRunningApps)
                } else {
                    Err(error)
                }
            }
        }
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

    async fn presign(
        &self,
        credentials: &FederatedCredentials,
        params: &PresignParams,
    ) -> Result<String, AwsError> {
        let mut config = aws_sdk_sagemaker::config::Builder::from(&self.sdk_config)
            .credentials_provider(user_credentials(credentials));
        if let Some(endpoint) = &self.presign_endpoint {
            config = config.endpoint_url(endpoint);
        }
        let client = aws_sdk_sagemaker::Client::from_conf(config.build());
        let output = client
            .create_presigned_domain_url()
            .domain_id(&params.domain_id)
            .user_profile_name(&params.profile)
            .expires_in_seconds(i32::try_from(params.expires_in_seconds).unwrap_or(30))
            .session_expiration_duration_in_seconds(
                i32::try_from(params.session_seconds).unwrap_or(1800),
            )
            .set_space_name(params.space_name.clone())
            .set_landing_uri(params.landing_uri.clone())
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
