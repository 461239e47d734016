//! The EMR Studio path: IAM-mode Studios through a console federation sign-in with the user's
//! credentials; Identity Center Studios through a session mapping for the user (or their group).

use super::port::{EmrStudioAccess, IdentityType, StudioMode};
use super::{EmrTarget, MappingMode, FEDERATION, SESSION_MAPPING};
use crate::copy;
use crate::outcome::{aws_failure, fail};
use crate::targets::FlowContext;
use studiogate_kernel::retry::with_retry;
use studiogate_kernel::wire::{Action, Change, ErrorCode, Identity, PresignError};
use studiogate_kernel::ErrorKind;

/// Opens the Studio: returns the redirect URL and what was done.
pub async fn open<E: EmrStudioAccess>(
    emr: &E,
    target: &EmrTarget,
    context: &FlowContext<'_>,
) -> Result<(String, Action), PresignError> {
    let (identity, credentials, budget) = (context.identity, context.credentials, context.budget);
    let (studio, _) = with_retry(budget, || emr.describe_studio(&target.studio_id)).await;
    let studio = studio.map_err(aws_failure)?;
    match studio.mode {
        StudioMode::Iam => {
            let session = identity.session_duration.unwrap_or(3600).clamp(900, 43_200);
            let (token, _) = with_retry(budget, || emr.signin_token(credentials, session)).await;
            let token = token.map_err(aws_failure)?;
            let url = emr.login_url(
                context.console_issuer,
                &console_deep_link(&target.region, &target.studio_id),
                &token,
            );
            Ok((
                url,
                Action {
                    kind: FEDERATION,
                    name: None,
                    change: Change::Unchanged,
                },
            ))
        }
        StudioMode::IdentityCenter => {
            let (change, name) = map_in_identity_center(emr, target, context).await?;
            Ok((
                studio.url,
                Action {
                    kind: SESSION_MAPPING,
                    name: Some(name),
                    change,
                },
            ))
        }
    }
}

/// The user's (or group's) session mapping, by Identity Store ID, in line with the rules: created,
/// updated, or, in user mode when no rule grants the Studio any more, removed (and refused).
async fn map_in_identity_center<E: EmrStudioAccess>(
    emr: &E,
    target: &EmrTarget,
    context: &FlowContext<'_>,
) -> Result<(Change, String), PresignError> {
    let budget = context.budget;
    let store = target.identity_store_id.as_deref().ok_or_else(|| {
        tracing::warn!(studio = %target.studio_id, reason = "no-identity-store", "an Identity Center Studio needs identity_store_id");
        fail(ErrorCode::Refused, copy::EMR_STUDIO_NOT_SET_UP)
    })?;
    let (kind, name, policy) = mapping_for(target, context.identity);
    if kind == IdentityType::Group && policy.is_none() {
        // No group of the user's has a rule: there is no group to look up, and nothing to map.
        return Err(fail(ErrorCode::Refused, copy::NOT_ENTITLED_TO_EMR_STUDIO));
    }
    let (found, _) = with_retry(budget, || emr.identity_id(store, kind, &name)).await;
    let id = found.map_err(aws_failure)?.ok_or_else(|| {
        tracing::warn!(kind = ?kind, reason = "not-in-identity-center", "no such user or group in the Identity Store");
        fail(ErrorCode::Refused, copy::NOT_IN_IDENTITY_CENTER)
    })?;
    let studio = target.studio_id.as_str();
    let (current, _) = with_retry(budget, || emr.session_policy(studio, kind, &id)).await;
    let current = current.map_err(aws_failure)?;
    let change = match (current, policy) {
        (None, None) => return Err(fail(ErrorCode::Refused, copy::NOT_ENTITLED_TO_EMR_STUDIO)),
        (Some(_), None) => {
            // The signed groups no longer grant this Studio: the user's mapping goes too.
            let (removed, _) = with_retry(budget, || emr.delete_mapping(studio, kind, &id)).await;
            removed.map_err(aws_failure)?;
            tracing::info!(
                studio,
                "session mapping removed: no rule grants the Studio any more"
            );
            return Err(fail(ErrorCode::Refused, copy::NOT_ENTITLED_TO_EMR_STUDIO));
        }
        (None, Some(policy)) => {
            let (made, _) =
                with_retry(budget, || emr.create_mapping(studio, kind, &id, &policy)).await;
            match made {
                Ok(()) => Change::Created,
                // Logins at once for one identity (a double click, two tabs, or two new
                // members of one mapped group) each find no mapping, and EMR refuses every
                // create but the first (InvalidRequestException, as it answers any bad request):
                // read again, and take the mapping if it is now there with this policy.
                Err(refused)
                    if matches!(refused.kind, ErrorKind::Validation | ErrorKind::InUse) =>
                {
                    let (now, _) =
                        with_retry(budget, || emr.session_policy(studio, kind, &id)).await;
                    let now = now.unwrap_or_else(|error| {
                        tracing::debug!(%error, "session mapping not read again");
                        None
                    });
                    if now.as_deref() != Some(policy.as_str()) {
                        return Err(aws_failure(refused));
                    }
                    tracing::info!(studio, "session mapping made by a concurrent login: used");
                    Change::Unchanged
                }
                Err(failed) => return Err(aws_failure(failed)),
            }
        }
        (Some(existing), Some(policy)) if existing != policy => {
            let (updated, _) =
                with_retry(budget, || emr.update_mapping(studio, kind, &id, &policy)).await;
            updated.map_err(aws_failure)?;
            Change::Updated
        }
        (Some(_), Some(_)) => Change::Unchanged,
    };
    Ok((change, name))
}

/// Whom the mapping names and the policy the rules give it: the user (their Identity Center
/// `UserName`: the configured attribute, else the NameID) with the first matching group rule's
/// policy or the default, or the first group that has a rule. `None`: no rule grants the Studio.
fn mapping_for(target: &EmrTarget, identity: &Identity) -> (IdentityType, String, Option<String>) {
    let matched = target.session_policy_rules.iter().find(|rule| {
        rule.group
            .as_ref()
            .is_some_and(|g| identity.groups.contains(g))
    });
    match target.mapping {
        MappingMode::User => {
            let user = target
                .user_name_attribute
                .as_ref()
                .and_then(|attribute| identity.attributes.get(attribute))
                .and_then(|values| values.first())
                .unwrap_or(&identity.name_id)
                .clone();
            let policy = matched
                .map(|r| r.session_policy_arn.clone())
                .or_else(|| target.default_session_policy_arn.clone());
            (IdentityType::User, user, policy)
        }
        MappingMode::Group => match matched {
            Some(rule) => (
                IdentityType::Group,
                rule.group.clone().unwrap_or_default(),
                Some(rule.session_policy_arn.clone()),
            ),
            None => (IdentityType::Group, String::new(), None),
        },
    }
}

/// The console deep link that opens an EMR Studio, on the partition's console host.
pub fn console_deep_link(region: &str, studio_id: &str) -> String {
    let host = if region.starts_with("cn-") {
        "console.amazonaws.cn"
    } else if region.starts_with("us-gov-") {
        "console.amazonaws-us-gov.com"
    } else {
        "console.aws.amazon.com"
    };
    format!("https://{host}/emr/home?region={region}#studio/{studio_id}/start")
}

#[cfg(test)]
#[path = "flow_tests.rs"]
mod tests;
