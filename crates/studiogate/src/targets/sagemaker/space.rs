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
use studiogate_kernel::ErrorKind;

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
    /// The space's image version is of another image than the one sent: UpdateSpace must clear it,
    /// which leaving it out does not do (SageMaker API reference, ResourceSpec: the version "always
    /// takes precedence"; "to clear the value set for SageMakerImageVersionArn, pass None").
    pub clear_image_version: bool,
    /// The space ran on a training plan's reserved capacity, which is of one instance type: a rule
    /// that changes the type clears it (`TrainingPlanArn`'s pattern takes `None` too).
    pub clear_training_plan: bool,
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

/// The image an image version belongs to: `arn:P:sagemaker:R:A:image-version/NAME/N` is a version
/// of `arn:P:sagemaker:R:A:image/NAME`.
fn image_of_version(version_arn: &str) -> Option<String> {
    let (head, rest) = version_arn.split_once(":image-version/")?;
    let (name, _) = rest.rsplit_once('/')?;
    Some(format!("{head}:image/{name}"))
}

/// Whether two image ARNs name the same image. ASCII case is not a difference: an image's name may
/// have capitals (CreateImage's ImageName) where its version's ARN pattern allows only lower case
/// (ResourceSpec.SageMakerImageVersionArn), so an operator's `image_arn` and the image derived from
/// a version may differ in case alone.
fn same_image(one: Option<&str>, other: Option<&str>) -> bool {
    match (one, other) {
        (Some(one), Some(other)) => one.eq_ignore_ascii_case(other),
        (one, other) => one == other,
    }
}

/// How an existing space differs from `desired` (a smaller volume is not a difference).
pub fn space_drift(desired: &DesiredSpace, observed: &SpaceState) -> SpaceDrift {
    let rule = &desired.rule;
    let others = &observed.jupyter_lab_others;
    // A version, when the spec names one, wins over `SageMakerImageArn` (SageMaker API reference,
    // ResourceSpec): the image the space runs is the version's.
    let running_image = others
        .image_version_arn
        .as_deref()
        .and_then(image_of_version)
        .or_else(|| observed.image_arn.clone());
    let rule_image = rule.image_arn.as_deref();
    let type_differs = observed.instance_type.as_deref() != Some(rule.instance_type.as_str());
    let spec_differs =
        type_differs || (rule_image.is_some() && !same_image(running_image.as_deref(), rule_image));
    let version_kept = others.image_version_arn.clone().filter(|version| {
        rule_image.is_none() || same_image(image_of_version(version).as_deref(), rule_image)
    });
    SpaceDrift {
        // The spec is sent whole: what the rule does not name stays the space's own, and a version
        // or alias stays only while it is of the image sent.
        resource_spec: spec_differs.then(|| ResourceSpecUpdate {
            instance_type: rule.instance_type.clone(),
            image_arn: rule
                .image_arn
                .clone()
                .or_else(|| observed.image_arn.clone()),
            lifecycle_config_arn: observed.lifecycle_config_arn.clone(),
            clear_image_version: others.image_version_arn.is_some() && version_kept.is_none(),
            clear_training_plan: type_differs && others.training_plan_arn.is_some(),
            others: JupyterLabOthers {
                image_version_arn: version_kept,
                training_plan_arn: others.training_plan_arn.clone().filter(|_| !type_differs),
                image_version_alias: others.image_version_alias.clone().filter(|_| {
                    rule_image.is_none() || same_image(observed.image_arn.as_deref(), rule_image)
                }),
                ..others.clone()
            },
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
    let settled = || {
        wait_settled(
            || api.describe_space(domain, &name),
            |state: &SpaceState| state.status.as_str(),
            ready_within,
            budget,
        )
    };
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
        Some(mut state) => {
            check_ownership(&state, desired, &name)?;
            let mut may_update = true;
            if state.status != "InService" && !space_drift(desired, &state).is_empty() {
                // A space mid-update (the last login's, or its owner's in Studio) takes no other
                // UpdateSpace: wait for it to settle, then compare again, so that this login, not
                // the next, brings it in line. Only if a whole second wait still fits in the
                // budget, though: else the user goes in as the space is (as before this wait
                // existed), and the next login applies the rule.
                state = settled().await?;
                check_ownership(&state, desired, &name)?;
                may_update = budget.remaining() >= ready_within;
            }
            let mut settling = state.status != "InService";
            let drift = space_drift(desired, &state);
            if may_update && !drift.is_empty() && !settling {
                let (updated, _) =
                    with_retry(budget, || api.update_space(domain, &name, &drift)).await;
                match updated {
                    Ok(()) => {
                        tracing::info!(space = %name, domain, "private space brought in line with the rules");
                        change = Change::Updated;
                    }
                    // The same user's other login (a second tab) updated it first, to the same
                    // rule: wait for that update rather than fail this login.
                    Err(busy) if busy.kind == ErrorKind::InUse => {
                        tracing::info!(space = %name, domain, code = %busy.code, "private space being updated by another login");
                    }
                    Err(failed) => return Err(aws_failure(failed)),
                }
                settling = true;
            }
            if !settling {
                return Ok((name, change));
            }
        }
    }
    let state = settled().await?;
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
#[path = "space_tests.rs"]
mod tests;
