//! The SageMaker Studio path: make sure the user's profile exists, is theirs and matches the rules,
//! then presign a URL with the user's own credentials.

use super::naming::{profile_name, NameSources};
use super::port::{Created, PresignParams, ProfileState, SageMakerApi, Updated};
use super::rules::{self, drift, profile_tags, select_rule, DesiredProfile};
use super::space::{self, DesiredSpace};
use super::{SagemakerTarget, PROFILE};
use crate::copy;
use crate::outcome::{aws_failure, fail};
use crate::targets::FlowContext;
use std::collections::BTreeMap;
use std::time::Duration;
use studiogate_kernel::retry::{with_retry, Budget};
use studiogate_kernel::wire::{Action, Change, ErrorCode, PresignError};

/// The tag that records the day (UTC, `YYYY-MM-DD`) of a user's last login on their profile, so
/// that profiles nobody uses any more can be found (`docs/operations.md`). Written at most once a day.
pub const LAST_LOGIN_TAG: &str = "studiogate:last-login";

pub(super) const UNUSABLE: [&str; 4] = ["Failed", "Update_Failed", "Deleting", "Delete_Failed"];

/// Provisions and presigns. Returns the URL and what was done.
pub async fn open<S: SageMakerApi>(
    api: &S,
    target: &SagemakerTarget,
    context: &FlowContext<'_>,
) -> Result<(String, Action), PresignError> {
    let (identity, budget) = (context.identity, context.budget);
    let name = profile_name(
        &target.profile_name,
        NameSources {
            session_name: &identity.role_session_name,
            name_id: &identity.name_id,
            attributes: &identity.attributes,
        },
    )
    .map_err(|error| {
        // The value is the IdP's, possibly long: clipped, and in the log only.
        let detail = studiogate_saml::xml::clip(&error.to_string());
        tracing::warn!(reason = "unnameable-profile", detail = %detail, "no profile name");
        fail(ErrorCode::BadRequest, copy::UNNAMEABLE_PROFILE)
    })?;
    // The owner tag carries the same value IAM compares with ${aws:PrincipalTag/<owner tag>} (STS
    // holds principal tags to the tag alphabet already; a session name may need it).
    let owner = rules::in_tag_alphabet(
        identity
            .principal_tags
            .get(&target.owner_tag)
            .unwrap_or(&identity.role_session_name),
    );
    let rule = select_rule(&target.rules, &target.default, &identity.groups);
    let desired = DesiredProfile::new(
        rule,
        profile_tags(
            &target.owner_tag,
            &owner,
            &target.static_tags,
            &target.tags_from_attributes,
            &identity.attributes,
        ),
    );

    let domain = target.domain_id.as_str();
    let today = last_login_value(context.today);
    let (existing, _) = with_retry(budget, || api.describe_profile(domain, &name)).await;
    let mut change = Change::Unchanged;
    // A returning user's InService, unchanged profile is ready as described: no second describe.
    let mut ready = None;
    match existing.map_err(aws_failure)? {
        None => {
            let mut first = desired.clone();
            first.tags.insert(LAST_LOGIN_TAG.to_owned(), today.clone());
            let (created, _) =
                with_retry(budget, || api.create_profile(domain, &name, &first)).await;
            if created.map_err(aws_failure)? == Created::New {
                change = Change::Created;
                tracing::info!(profile = %name, domain, "user profile created");
            } else {
                tracing::info!(profile = %name, domain, "a concurrent login created the profile first");
            }
        }
        Some(state) => {
            check_usable(&state, &target.owner_tag, &owner, &name)?;
            if context.update_existing && state.status == "InService" {
                change = reconcile(api, domain, &name, &state, &desired, budget).await?;
            }
            if change == Change::Unchanged && state.status == "InService" {
                ready = Some(state);
            }
        }
    }
    let ready = match ready {
        Some(state) => state,
        None => wait_in_service(api, domain, &name, context.profile_ready, budget).await?,
    };
    // After a lost create race the profile is someone's: make sure it is this user's.
    check_usable(&ready, &target.owner_tag, &owner, &name)?;
    record_login(api, &ready, &today, budget).await;

    let space_name = match &rule.private_space {
        Some(space_rule) => {
            let desired_space = DesiredSpace {
                owner_profile: name.clone(),
                rule: space_rule.clone(),
                tags: BTreeMap::from([(target.owner_tag.clone(), owner.clone())]),
            };
            let (space, space_change) =
                space::ensure(api, domain, &desired_space, context.profile_ready, budget).await?;
            if change == Change::Unchanged {
                change = space_change;
            }
            Some(space)
        }
        None => match &rule.shared_space {
            Some(shared) => {
                space::check_shared(api, domain, shared, budget).await?;
                Some(shared.clone())
            }
            None => target.space_name.clone(),
        },
    };

    let session_seconds = session_length(identity.session_duration, context.credentials_left);
    let params = PresignParams {
        domain_id: domain.to_owned(),
        profile: name.clone(),
        expires_in_seconds: target.expires_in_seconds,
        session_seconds,
        space_name,
        landing_uri: target.landing_uri.clone(),
    };
    let (url, _) = with_retry(budget, || api.presign(context.credentials, &params)).await;
    let url = url.map_err(aws_failure)?;
    Ok((
        url,
        Action {
            kind: PROFILE,
            name: Some(name),
            change,
        },
    ))
}

fn last_login_value(today: time::Date) -> String {
    let (year, month, day) = (today.year(), u8::from(today.month()), today.day());
    format!("{year:04}-{month:02}-{day:02}")
}

/// Tags the profile with today's date unless it has it already. Bookkeeping: a failure is logged,
/// never a reason to refuse the login.
async fn record_login<S: SageMakerApi>(
    api: &S,
    state: &ProfileState,
    today: &str,
    budget: &Budget,
) {
    if state.observed.tags.get(LAST_LOGIN_TAG).map(String::as_str) == Some(today) {
        return;
    }
    let tag = BTreeMap::from([(LAST_LOGIN_TAG.to_owned(), today.to_owned())]);
    let (tagged, _) = with_retry(budget, || api.add_tags(&state.arn, &tag)).await;
    if let Err(error) = tagged {
        tracing::warn!(operation = error.operation, code = %error.code, "last-login tag not written");
    }
}

fn check_usable(
    state: &ProfileState,
    owner_tag: &str,
    owner: &str,
    name: &str,
) -> Result<(), PresignError> {
    if state.observed.tags.get(owner_tag).map(String::as_str) != Some(owner) {
        tracing::warn!(profile = %name, reason = "profile-owned-by-another", "profile name collision refused");
        return Err(fail(
            ErrorCode::ProfileOwnedByAnother,
            copy::PROFILE_OWNED_BY_ANOTHER,
        ));
    }
    if UNUSABLE.contains(&state.status.as_str()) {
        tracing::warn!(profile = %name, status = %state.status, "profile unusable");
        return Err(fail(
            ErrorCode::ProfileUnusable,
            copy::profile_unusable(&state.status),
        ));
    }
    Ok(())
}

async fn reconcile<S: SageMakerApi>(
    api: &S,
    domain: &str,
    name: &str,
    state: &ProfileState,
    desired: &DesiredProfile,
    budget: &Budget,
) -> Result<Change, PresignError> {
    let mut difference = drift(desired, &state.observed);
    if difference.is_empty() {
        return Ok(Change::Unchanged);
    }
    if difference.needs_settings_update() {
        let (updated, _) =
            with_retry(budget, || api.update_profile(domain, name, &difference)).await;
        if updated.map_err(aws_failure)? == Updated::RoleLockedByRunningApps {
            // Keep the old role and let the user in; the role changes once their apps stop.
            tracing::warn!(profile = %name, "execution role not changed: apps are running");
            difference.execution_role = None;
            if difference.needs_settings_update() {
                let (retried, _) =
                    with_retry(budget, || api.update_profile(domain, name, &difference)).await;
                retried.map_err(aws_failure)?;
            }
        }
    }
    if !difference.tags.is_empty() {
        let (tagged, _) = with_retry(budget, || api.add_tags(&state.arn, &difference.tags)).await;
        tagged.map_err(aws_failure)?;
    }
    tracing::info!(profile = %name, domain, "user profile brought in line with the rules");
    Ok(Change::Updated)
}

async fn wait_in_service<S: SageMakerApi>(
    api: &S,
    domain: &str,
    name: &str,
    ready_within: Duration,
    budget: &Budget,
) -> Result<ProfileState, PresignError> {
    wait_settled(
        || api.describe_profile(domain, name),
        |state: &ProfileState| state.status.as_str(),
        ready_within,
        budget,
    )
    .await
}

/// Describes with `describe` until the resource is InService or unusable (then returns it), with
/// backoff, for at most `ready_within` (and the budget): then `still-preparing`.
pub(super) async fn wait_settled<T, F, Fut>(
    describe: F,
    status: impl Fn(&T) -> &str,
    ready_within: Duration,
    budget: &Budget,
) -> Result<T, PresignError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, studiogate_kernel::AwsError>>,
{
    let deadline = tokio::time::Instant::now() + ready_within.min(budget.remaining());
    let mut wait = Duration::from_millis(100);
    loop {
        let (state, _) = with_retry(budget, &describe).await;
        if let Some(state) = state.map_err(aws_failure)? {
            if status(&state) == "InService" || UNUSABLE.contains(&status(&state)) {
                return Ok(state);
            }
        }
        if tokio::time::Instant::now() + wait >= deadline {
            return Err(fail(ErrorCode::StillPreparing, copy::STILL_PREPARING));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

/// SessionExpirationDurationInSeconds: the assertion's SessionDuration (default 12 h), no longer
/// than the credentials live, within SageMaker's 1800-43200.
pub fn session_length(session_duration: Option<u32>, credentials_left: Duration) -> u32 {
    let wanted = session_duration.unwrap_or(43_200);
    let left = u32::try_from(credentials_left.as_secs()).unwrap_or(u32::MAX);
    wanted.min(left).clamp(1800, 43_200)
}

#[cfg(test)]
mod tests {
    use super::session_length;
    use std::time::Duration;

    #[test]
    fn the_last_login_is_a_utc_day() {
        assert_eq!(
            super::last_login_value(time::macros::date!(2026 - 12 - 03)),
            "2026-12-03"
        );
    }

    #[test]
    fn session_length_follows_the_assertion_within_sagemakers_range_and_the_credentials_life() {
        assert_eq!(session_length(Some(3600), Duration::from_secs(7200)), 3600);
        assert_eq!(session_length(Some(3600), Duration::from_secs(2000)), 2000);
        assert_eq!(session_length(Some(900), Duration::from_secs(7200)), 1800);
        assert_eq!(session_length(None, Duration::from_secs(100_000)), 43_200);
        assert_eq!(session_length(Some(43_200), Duration::from_secs(600)), 1800);
    }
}
