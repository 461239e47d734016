//! User settings between SageMaker's shape and the rules': what a profile's settings say (observed),
//! and the settings an update sends. Updates are read-modify-write: each app type an update touches
//! is sent whole, taken from the profile's current settings with only the broker's fields changed,
//! so custom images, code repositories, idle-time limits and instance types an administrator set
//! survive (UpdateUserProfile replaces each app-settings structure it is given).

use aws_sdk_sagemaker::types::{
    AppLifecycleManagement, CodeEditorAppSettings, IdleSettings, JupyterLabAppSettings,
    JupyterServerAppSettings, KernelGatewayAppSettings, LifecycleManagement, ResourceSpec,
    UserSettings,
};
use std::collections::BTreeMap;
use studiogate::targets::sagemaker::rules::{
    AppLifecycle, AppType, DesiredProfile, Drift, IDLE_SHUTDOWN_APPS,
};

/// The fields of one app type's settings the broker manages.
trait ManagedFields: Clone {
    fn empty() -> Self;
    fn default_spec(&mut self) -> &mut Option<ResourceSpec>;
    fn lifecycle_arns(&mut self) -> &mut Option<Vec<String>>;
    /// `AppLifecycleManagement`, for the app types that have it.
    fn lifecycle_management(&mut self) -> Option<&mut Option<AppLifecycleManagement>>;
}

macro_rules! managed_fields {
    ($type:ty, idle: yes) => {
        managed_fields!($type, self => Some(&mut self.app_lifecycle_management));
    };
    ($type:ty, idle: no) => {
        managed_fields!($type, self => None);
    };
    ($type:ty, $self:ident => $idle:expr) => {
        impl ManagedFields for $type {
            fn empty() -> Self {
                <$type>::builder().build()
            }
            fn default_spec(&mut self) -> &mut Option<ResourceSpec> {
                &mut self.default_resource_spec
            }
            fn lifecycle_arns(&mut self) -> &mut Option<Vec<String>> {
                &mut self.lifecycle_config_arns
            }
            fn lifecycle_management(&mut $self) -> Option<&mut Option<AppLifecycleManagement>> {
                $idle
            }
        }
    };
}

managed_fields!(JupyterLabAppSettings, idle: yes);
managed_fields!(CodeEditorAppSettings, idle: yes);
managed_fields!(JupyterServerAppSettings, idle: no);
managed_fields!(KernelGatewayAppSettings, idle: no);

/// `app` with the broker's fields set: the lifecycle configurations (keeping the rest of the
/// default resource spec) and idle shutdown (keeping the administrator's minimum and maximum).
fn apply<S: ManagedFields>(
    current: Option<&S>,
    lifecycle: Option<&AppLifecycle>,
    idle_minutes: Option<u32>,
) -> S {
    let mut app = current.cloned().unwrap_or_else(S::empty);
    if let Some(lifecycle) = lifecycle {
        let spec = app
            .default_spec()
            .get_or_insert_with(|| ResourceSpec::builder().build());
        spec.lifecycle_config_arn = lifecycle.default.clone();
        *app.lifecycle_arns() = Some(lifecycle.arns.clone());
    }
    if let (Some(minutes), Some(slot)) = (idle_minutes, app.lifecycle_management()) {
        let management = slot.get_or_insert_with(|| AppLifecycleManagement::builder().build());
        let idle = management
            .idle_settings
            .get_or_insert_with(|| IdleSettings::builder().build());
        idle.lifecycle_management = Some(LifecycleManagement::Enabled);
        idle.idle_timeout_in_minutes = Some(i32::try_from(minutes).unwrap_or(i32::MAX));
    }
    app
}

/// The settings that change `current` by `lifecycle` and `idle` for `apps`, and the role if given.
fn settings(
    current: Option<&UserSettings>,
    role: Option<&str>,
    apps: impl IntoIterator<Item = AppType>,
    lifecycle: &BTreeMap<AppType, AppLifecycle>,
    idle: &BTreeMap<AppType, u32>,
) -> UserSettings {
    let mut out = UserSettings::builder()
        .set_execution_role(role.map(str::to_owned))
        .build();
    for app in apps {
        let (l, i) = (lifecycle.get(&app), idle.get(&app).copied());
        match app {
            AppType::JupyterLab => {
                out.jupyter_lab_app_settings = Some(apply(
                    current.and_then(|c| c.jupyter_lab_app_settings.as_ref()),
                    l,
                    i,
                ))
            }
            AppType::CodeEditor => {
                out.code_editor_app_settings = Some(apply(
                    current.and_then(|c| c.code_editor_app_settings.as_ref()),
                    l,
                    i,
                ))
            }
            AppType::JupyterServer => {
                out.jupyter_server_app_settings = Some(apply(
                    current.and_then(|c| c.jupyter_server_app_settings.as_ref()),
                    l,
                    i,
                ))
            }
            AppType::KernelGateway => {
                out.kernel_gateway_app_settings = Some(apply(
                    current.and_then(|c| c.kernel_gateway_app_settings.as_ref()),
                    l,
                    i,
                ))
            }
        }
    }
    out
}

/// The settings of a new profile.
pub(super) fn for_new(desired: &DesiredProfile) -> UserSettings {
    let idle: BTreeMap<AppType, u32> = desired
        .idle_shutdown_minutes
        .map(|minutes| IDLE_SHUTDOWN_APPS.map(|app| (app, minutes)).into())
        .unwrap_or_default();
    let apps: std::collections::BTreeSet<AppType> = desired
        .lifecycle_configs
        .keys()
        .chain(idle.keys())
        .copied()
        .collect();
    settings(
        None,
        Some(&desired.execution_role),
        apps,
        &desired.lifecycle_configs,
        &idle,
    )
}

/// The settings an update sends to bring `current` in line with `drift` (read-modify-write).
pub(super) fn updated(current: Option<&UserSettings>, drift: &Drift) -> UserSettings {
    settings(
        current,
        drift.execution_role.as_deref(),
        drift.app_types(),
        &drift.lifecycle_configs,
        &drift.idle_shutdown_minutes,
    )
}

/// The lifecycle configurations and enabled idle shutdowns a profile's settings say.
pub(super) fn observed(
    settings: Option<&UserSettings>,
) -> (BTreeMap<AppType, AppLifecycle>, BTreeMap<AppType, u32>) {
    let (mut lifecycle, mut idle) = (BTreeMap::new(), BTreeMap::new());
    let Some(s) = settings else {
        return (lifecycle, idle);
    };
    let mut record = |app: AppType, observed: Observed| {
        if observed.default.is_some() || !observed.arns.is_empty() {
            let found = AppLifecycle {
                default: observed.default,
                arns: observed.arns,
            };
            lifecycle.insert(app, found.normalized());
        }
        if let Some(minutes) = observed.idle_minutes {
            idle.insert(app, minutes);
        }
    };
    if let Some(a) = &s.jupyter_lab_app_settings {
        record(AppType::JupyterLab, observe(a.clone()));
    }
    if let Some(a) = &s.code_editor_app_settings {
        record(AppType::CodeEditor, observe(a.clone()));
    }
    if let Some(a) = &s.jupyter_server_app_settings {
        record(AppType::JupyterServer, observe(a.clone()));
    }
    if let Some(a) = &s.kernel_gateway_app_settings {
        record(AppType::KernelGateway, observe(a.clone()));
    }
    (lifecycle, idle)
}

/// One app type's managed fields, as observed.
struct Observed {
    default: Option<String>,
    arns: Vec<String>,
    idle_minutes: Option<u32>,
}

fn observe<S: ManagedFields>(mut app: S) -> Observed {
    let default = app
        .default_spec()
        .as_ref()
        .and_then(|spec| spec.lifecycle_config_arn.clone());
    let arns = app.lifecycle_arns().clone().unwrap_or_default();
    let idle_minutes = app
        .lifecycle_management()
        .and_then(|slot| slot.as_ref())
        .and_then(|management| management.idle_settings.as_ref())
        .filter(|idle| idle.lifecycle_management == Some(LifecycleManagement::Enabled))
        .and_then(|idle| idle.idle_timeout_in_minutes)
        .and_then(|minutes| u32::try_from(minutes).ok());
    Observed {
        default,
        arns,
        idle_minutes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sagemaker::types::CustomImage;

    fn lab_with_admin_settings() -> UserSettings {
        let mut lab = JupyterLabAppSettings::builder()
            .custom_images(
                CustomImage::builder()
                    .image_name("team-image")
                    .app_image_config_name("team-config")
                    .build(),
            )
            .default_resource_spec(
                ResourceSpec::builder()
                    .instance_type(aws_sdk_sagemaker::types::AppInstanceType::MlT3Medium)
                    .lifecycle_config_arn("arn:old")
                    .build(),
            )
            .lifecycle_config_arns("arn:old")
            .build();
        lab.app_lifecycle_management = Some(
            AppLifecycleManagement::builder()
                .idle_settings(
                    IdleSettings::builder()
                        .max_idle_timeout_in_minutes(240)
                        .build(),
                )
                .build(),
        );
        UserSettings::builder()
            .execution_role("arn:aws:iam::123456789012:role/Old")
            .jupyter_lab_app_settings(lab)
            .build()
    }

    #[test]
    fn an_update_keeps_what_administrators_set_and_changes_only_the_brokers_fields() {
        let current = lab_with_admin_settings();
        let drift = Drift {
            lifecycle_configs: [(
                AppType::JupyterLab,
                AppLifecycle {
                    default: Some("arn:new".into()),
                    arns: vec!["arn:new".into()],
                },
            )]
            .into(),
            idle_shutdown_minutes: [(AppType::JupyterLab, 60)].into(),
            ..Drift::default()
        };
        let sent = updated(Some(&current), &drift);
        assert_eq!(
            sent.execution_role, None,
            "the role is not part of this drift"
        );
        let lab = sent
            .jupyter_lab_app_settings
            .expect("JupyterLab is sent whole");
        assert_eq!(lab.custom_images().len(), 1, "custom images survive");
        let spec = lab.default_resource_spec.expect("the resource spec");
        assert_eq!(spec.lifecycle_config_arn.as_deref(), Some("arn:new"));
        assert_eq!(
            spec.instance_type,
            Some(aws_sdk_sagemaker::types::AppInstanceType::MlT3Medium),
            "the administrator's instance type survives"
        );
        let idle = lab
            .app_lifecycle_management
            .and_then(|m| m.idle_settings)
            .expect("idle settings");
        assert_eq!(idle.idle_timeout_in_minutes, Some(60));
        assert_eq!(
            idle.lifecycle_management,
            Some(LifecycleManagement::Enabled)
        );
        assert_eq!(
            idle.max_idle_timeout_in_minutes,
            Some(240),
            "the limit survives"
        );
        assert!(
            sent.code_editor_app_settings.is_none(),
            "untouched apps are not sent"
        );
    }

    #[test]
    fn what_a_profile_says_reads_back_as_the_rules_see_it() {
        let mut desired = DesiredProfile {
            execution_role: "arn:aws:iam::123456789012:role/R".into(),
            lifecycle_configs: [(
                AppType::JupyterLab,
                AppLifecycle {
                    default: Some("arn:lab".into()),
                    arns: vec!["arn:lab".into()],
                },
            )]
            .into(),
            idle_shutdown_minutes: Some(90),
            tags: BTreeMap::new(),
        };
        let (lifecycle, idle) = observed(Some(&for_new(&desired)));
        assert_eq!(lifecycle, desired.lifecycle_configs);
        assert_eq!(
            idle,
            [(AppType::JupyterLab, 90), (AppType::CodeEditor, 90)].into()
        );
        desired.idle_shutdown_minutes = None;
        let (_, idle) = observed(Some(&for_new(&desired)));
        assert!(idle.is_empty(), "no idle settings unless a rule sets them");
    }
}
