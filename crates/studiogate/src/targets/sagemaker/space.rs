//! The user's private JupyterLab space (Studio, not Classic): created on the first login with the
//! instance type, storage and image of the user's rule, owned by their profile and shared with
//! nobody; kept in line with the rule on later logins like the profile; opened directly
//! (CreatePresignedDomainUrl `SpaceName`).

use super::flow::{wait_settled, UNUSABLE};
use super::port::{Created, JupyterLabOthers, SageMakerApi, SpaceState};
use crate::copy;
use crate::outcome::{aws_failure, fail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use studiogate_kernel::retry::{with_retry, Budget};
use studiogate_kernel::wire::{Change, ErrorCode, PresignError};

/// `EbsVolumeSizeInGb`'s range (SageMaker API reference, EbsStorageSettings).
pub const STORAGE_GB: std::ops::RangeInclusive<u32> = 5..=16_384;

/// What a user's private space should be, in a mapping rule (`private_space = { ... }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateSpaceRule {
    /// The JupyterLab app's instance type (`DefaultResourceSpec.InstanceType`, e.g. `ml.t3.medium`).
    pub instance_type: String,
    /// The space's EBS volume in GB (5-16384). SageMaker cannot shrink a volume: a smaller value
    /// later applies to new spaces only.
    pub storage_gb: u32,
    /// The image (`DefaultResourceSpec.SageMakerImageArn`); absent: the domain's default.
    #[serde(default)]
    pub image_arn: Option<String>,
}

impl PrivateSpaceRule {
    /// Checks the values SageMaker would refuse; `field` is the rule's path.
    pub fn check(&self, field: &str) -> Result<(), (String, String)> {
        if !self.instance_type.starts_with("ml.") {
            return Err((
                format!("{field}.instance_type"),
                "must be a SageMaker instance type (ml.t3.medium, ...)".into(),
            ));
        }
        if !STORAGE_GB.contains(&self.storage_gb) {
            return Err((
                format!("{field}.storage_gb"),
                "must be between 5 and 16384 (SageMaker's EbsVolumeSizeInGb)".into(),
            ));
        }
        if let Some(image) = &self.image_arn {
            if !image.starts_with("arn:") || !image.contains(":image/") {
                return Err((
                    format!("{field}.image_arn"),
                    "must be a SageMaker image ARN (arn:aws:sagemaker:REGION:ACCOUNT:image/NAME)"
                        .into(),
                ));
            }
        }
        Ok(())
    }
}

/// The private space of `profile`: `PROFILE-private`, the profile part cut to keep SageMaker's 63
/// characters (its owner, checked on every login, tells two cut names apart).
pub fn space_name(profile: &str) -> String {
    const SUFFIX: &str = "-private";
    let keep = 63 - SUFFIX.len();
    let head: String = profile.chars().take(keep).collect();
    format!("{head}{SUFFIX}")
}

/// What the space should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredSpace {
    /// The owner profile.
    pub owner_profile: String,
    /// From the rule.
    pub rule: PrivateSpaceRule,
    /// Tags (the owner tag among them).
    pub tags: BTreeMap<String, String>,
}

/// The JupyterLab app's settings, sent whole by UpdateSpace: the rule's `DefaultResourceSpec` and
/// what the space had besides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSpecUpdate {
    /// The rule's instance type.
    pub instance_type: String,
    /// The rule's image, else the space's own.
    pub image_arn: Option<String>,
    /// The space's own lifecycle configuration, kept.
    pub lifecycle_config_arn: Option<String>,
    /// The space's own, kept (its image version only with its own image).
    pub others: JupyterLabOthers,
}

/// What UpdateSpace must change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpaceDrift {
    /// The resource spec to set, when the instance type or the image differs.
    pub resource_spec: Option<ResourceSpecUpdate>,
    /// The larger volume to grow to.
    pub storage_gb: Option<u32>,
}

impl SpaceDrift {
    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        self.resource_spec.is_none() && self.storage_gb.is_none()
    }
}

/// How an existing space differs from `desired` (a smaller volume is not a difference).
pub fn space_drift(desired: &DesiredSpace, observed: &SpaceState) -> SpaceDrift {
    let rule = &desired.rule;
    let spec_differs = observed.instance_type.as_deref() != Some(rule.instance_type.as_str())
        || (rule.image_arn.is_some() && observed.image_arn != rule.image_arn);
    SpaceDrift {
        // The spec is sent whole: what the rule does not name stays the space's own.
        resource_spec: spec_differs.then(|| {
            let image_arn = rule
                .image_arn
                .clone()
                .or_else(|| observed.image_arn.clone());
            let mut others = observed.jupyter_lab_others.clone();
            if image_arn != observed.image_arn {
                // A version of the old image is no version of the new one (and would win over it).
                others.image_version_arn = None;
                others.image_version_alias = None;
            }
            ResourceSpecUpdate {
                instance_type: rule.instance_type.clone(),
                image_arn,
                lifecycle_config_arn: observed.lifecycle_config_arn.clone(),
                others,
            }
        }),
        // A volume whose size is not reported is left alone (SageMaker would refuse a shrink).
        storage_gb: observed
            .storage_gb
            .is_some_and(|gb| gb < rule.storage_gb)
            .then_some(rule.storage_gb),
    }
}

/// Makes sure the private space exists, is the profile's and only the profile's, matches the rule
/// and is InService. Returns its name and what was done.
pub async fn ensure<S: SageMakerApi>(
    api: &S,
    domain: &str,
    desired: &DesiredSpace,
    ready_within: Duration,
    budget: &Budget,
) -> Result<(String, Change), PresignError> {
    let name = space_name(&desired.owner_profile);
    let (existing, _) = with_retry(budget, || api.describe_space(domain, &name)).await;
    let mut change = Change::Unchanged;
    match existing.map_err(aws_failure)? {
        None => {
            let (created, _) =
                with_retry(budget, || api.create_space(domain, &name, desired)).await;
            if created.map_err(aws_failure)? == Created::New {
                tracing::info!(space = %name, domain, "private space created");
                change = Change::Created;
            }
        }
        Some(state) => {
            check_ownership(&state, desired, &name)?;
            let drift = space_drift(desired, &state);
            if !drift.is_empty() && state.status == "InService" {
                let (updated, _) =
                    with_retry(budget, || api.update_space(domain, &name, &drift)).await;
                updated.map_err(aws_failure)?;
                tracing::info!(space = %name, domain, "private space brought in line with the rules");
                change = Change::Updated;
            }
            if change == Change::Unchanged && state.status == "InService" {
                return Ok((name, change));
            }
        }
    }
    let state = wait_settled(
        || api.describe_space(domain, &name),
        |state: &SpaceState| state.status.as_str(),
        ready_within,
        budget,
    )
    .await?;
    check_ownership(&state, desired, &name)?;
    Ok((name, change))
}

fn check_ownership(
    state: &SpaceState,
    desired: &DesiredSpace,
    name: &str,
) -> Result<(), PresignError> {
    let owned = state.owner.as_deref() == Some(desired.owner_profile.as_str())
        && state.sharing.as_deref() == Some("Private");
    if !owned {
        tracing::warn!(space = %name, owner = ?state.owner, sharing = ?state.sharing, reason = "space-owned-by-another", "space name collision refused");
        return Err(fail(
            ErrorCode::ProfileOwnedByAnother,
            copy::SPACE_OWNED_BY_ANOTHER,
        ));
    }
    if UNUSABLE.contains(&state.status.as_str()) {
        tracing::warn!(space = %name, status = %state.status, "space unusable");
        return Err(fail(
            ErrorCode::ProfileUnusable,
            copy::profile_unusable(&state.status),
        ));
    }
    Ok(())
}

/// The group's shared space `name`, which an administrator made: it is opened only if it exists and
/// is shared (never a private space of that name, which is its owner's alone) and usable.
pub async fn check_shared<S: SageMakerApi>(
    api: &S,
    domain: &str,
    name: &str,
    budget: &Budget,
) -> Result<(), PresignError> {
    let (described, _) = with_retry(budget, || api.describe_space(domain, name)).await;
    match described.map_err(aws_failure)? {
        Some(state)
            if state.sharing.as_deref() == Some("Shared")
                && !UNUSABLE.contains(&state.status.as_str()) =>
        {
            Ok(())
        }
        found => {
            let (status, sharing) = found.map(|s| (s.status, s.sharing)).unwrap_or_default();
            tracing::warn!(space = %name, %status, sharing = ?sharing, reason = "shared-space-unavailable", "shared space refused");
            Err(fail(ErrorCode::Refused, copy::SHARED_SPACE_UNAVAILABLE))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> PrivateSpaceRule {
        PrivateSpaceRule {
            instance_type: "ml.t3.medium".into(),
            storage_gb: 20,
            image_arn: None,
        }
    }

    fn observed(instance: &str, storage: u32, image: Option<&str>) -> SpaceState {
        SpaceState {
            status: "InService".into(),
            owner: Some("alice".into()),
            sharing: Some("Private".into()),
            instance_type: Some(instance.into()),
            image_arn: image.map(str::to_owned),
            lifecycle_config_arn: Some("arn:lcc".into()),
            storage_gb: Some(storage),
            jupyter_lab_others: JupyterLabOthers {
                code_repositories: vec!["https://git.example.com/alice/notebooks.git".into()],
                idle_timeout_minutes: Some(90),
                image_version_arn: image.map(|arn| format!("{arn}/3")),
                image_version_alias: None,
            },
        }
    }

    #[test]
    fn the_space_is_named_after_its_profile_within_63_characters() {
        assert_eq!(space_name("alice"), "alice-private");
        let long = "a".repeat(63);
        let name = space_name(&long);
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("-private"));
    }

    #[test]
    fn drift_changes_the_spec_and_only_grows_the_volume() {
        let desired = DesiredSpace {
            owner_profile: "alice".into(),
            rule: rule(),
            tags: BTreeMap::new(),
        };
        assert!(space_drift(&desired, &observed("ml.t3.medium", 20, None)).is_empty());
        assert!(
            space_drift(&desired, &observed("ml.t3.medium", 20, Some("arn:img"))).is_empty(),
            "no image in the rule: the space keeps the one it has"
        );
        assert_eq!(
            space_drift(&desired, &observed("ml.m5.large", 50, None)),
            SpaceDrift {
                resource_spec: Some(ResourceSpecUpdate {
                    instance_type: "ml.t3.medium".into(),
                    image_arn: None,
                    lifecycle_config_arn: Some("arn:lcc".into()),
                    others: JupyterLabOthers {
                        code_repositories: vec![
                            "https://git.example.com/alice/notebooks.git".into()
                        ],
                        idle_timeout_minutes: Some(90),
                        image_version_arn: None,
                        image_version_alias: None,
                    },
                }),
                storage_gb: None
            },
            "a larger volume stays: SageMaker cannot shrink it"
        );
        assert_eq!(
            space_drift(&desired, &observed("ml.t3.medium", 5, None)).storage_gb,
            Some(20)
        );
        assert_eq!(
            space_drift(&desired, &observed("ml.m5.large", 20, Some("arn:img")))
                .resource_spec
                .and_then(|spec| spec.image_arn),
            Some("arn:img".into()),
            "a new instance type keeps the space's image"
        );
        let new_type_same_image =
            space_drift(&desired, &observed("ml.m5.large", 20, Some("arn:img")))
                .resource_spec
                .expect("the instance type drifted");
        assert_eq!(
            new_type_same_image.others.image_version_arn.as_deref(),
            Some("arn:img/3"),
            "the space's image keeps its version"
        );
        let imaged = DesiredSpace {
            rule: PrivateSpaceRule {
                image_arn: Some("arn:other".into()),
                ..rule()
            },
            ..desired.clone()
        };
        let new_image = space_drift(&imaged, &observed("ml.t3.medium", 20, Some("arn:img")))
            .resource_spec
            .expect("the image drifted");
        assert_eq!(
            (
                new_image.image_arn.as_deref(),
                new_image.others.image_version_arn
            ),
            (Some("arn:other"), None),
            "a version of the old image would win over the rule's image"
        );
        assert_eq!(new_image.others.idle_timeout_minutes, Some(90));
        let unreported = SpaceState {
            storage_gb: None,
            ..observed("ml.t3.medium", 0, None)
        };
        assert!(space_drift(&desired, &unreported).is_empty());
    }

    #[test]
    fn a_rule_is_checked_against_sagemakers_ranges() {
        assert!(rule().check("r").is_ok());
        let field = |rule: PrivateSpaceRule| rule.check("r").unwrap_err().0;
        assert_eq!(
            field(PrivateSpaceRule {
                instance_type: "t3.medium".into(),
                ..rule()
            }),
            "r.instance_type"
        );
        assert_eq!(
            field(PrivateSpaceRule {
                storage_gb: 4,
                ..rule()
            }),
            "r.storage_gb"
        );
        assert_eq!(
            field(PrivateSpaceRule {
                image_arn: Some("my-image".into()),
                ..rule()
            }),
            "r.image_arn"
        );
    }
}
