//! Carrying out a plan, or (dry run) saying what it would do, as one record per step. A user's steps
//! go in stages (apps, then spaces, then the profile): a step that fails stops that user's later
//! stages (AWS would refuse them), never the other steps of its own stage (each is the user's own)
//! nor the other users'; running again picks up where it stopped, since deletes of what is gone
//! succeed.

use super::plan::{Held, Plan, ProfilePlan, Why};
use super::port::StudioInventory;
use super::Home;
use crate::targets::emr::{EmrStudioAccess, IdentityType};
use crate::targets::sagemaker::flow::LAST_LOGIN_TAG;
use serde::Serialize;
use std::time::Duration;
use studiogate_kernel::clock::{format_instant, Clock};
use studiogate_kernel::retry::{with_retry, Budget};
use studiogate_kernel::AwsError;

/// Each delete's retry budget.
const CALL_BUDGET: Duration = Duration::from_secs(30);

/// How long to wait for SageMaker to finish deleting, and how often to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// The longest wait for one user's apps (then spaces) to be gone.
    pub wait: Duration,
    /// Between two looks.
    pub poll: Duration,
}

/// What became of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Dry run: it would be done.
    Planned,
    /// Done (or found already gone).
    Done,
    /// AWS refused or failed; the user's later steps were not attempted.
    Failed,
    /// SageMaker had not finished deleting within the wait; run again.
    TimedOut,
    /// Kept on purpose (home = keep).
    Kept,
    /// Left alone (see `detail`).
    Held,
}

/// One step, as recorded (JSON lines). It names resources, never credentials or URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// `delete-app`, `delete-space`, `delete-profile`, `delete-session-mapping`, `wait`, `keep`, `hold`,
    /// `recheck` (a profile looked at again before its steps).
    pub action: &'static str,
    /// The domain or Studio.
    pub scope: String,
    /// The app (`TYPE/NAME in SPACE`), space, profile or user.
    pub resource: String,
    /// The owner (or the Identity Center user).
    pub owner: String,
    /// What became of it.
    pub outcome: Outcome,
    /// AWS's error code, the reason something was held, or the EFS home UID left behind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

struct Steps<'a, C: Clock, R: FnMut(Record)> {
    execute: bool,
    clock: &'a C,
    sink: R,
    clean: bool,
}

impl<C: Clock, R: FnMut(Record)> Steps<'_, C, R> {
    fn note(
        &mut self,
        action: &'static str,
        scope: &str,
        resource: String,
        owner: &str,
        outcome: Outcome,
        detail: Option<String>,
    ) {
        if matches!(outcome, Outcome::Failed | Outcome::TimedOut) {
            self.clean = false;
        }
        (self.sink)(Record {
            at: format_instant(self.clock.now()),
            action,
            scope: scope.to_owned(),
            resource,
            owner: owner.to_owned(),
            outcome,
            detail,
        });
    }

    /// Runs `call` (unless dry) and records it; whether the user's next steps may go on.
    async fn step<F, Fut>(
        &mut self,
        action: &'static str,
        scope: &str,
        resource: String,
        owner: &str,
        call: F,
    ) -> bool
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(), AwsError>>,
    {
        if !self.execute {
            self.note(action, scope, resource, owner, Outcome::Planned, None);
            return true;
        }
        match with_retry(&Budget::new(CALL_BUDGET), call).await.0 {
            Ok(()) => {
                self.note(action, scope, resource, owner, Outcome::Done, None);
                true
            }
            Err(error) => {
                tracing::warn!(operation = error.operation, code = %error.code, message = %error.message, "offboarding step failed");
                self.note(
                    action,
                    scope,
                    resource,
                    owner,
                    Outcome::Failed,
                    Some(error.code),
                );
                false
            }
        }
    }
}

/// Polls `gone` every `pace.poll` until it says yes, or `pace.wait` is over.
async fn wait_until<F, Fut>(pace: Pace, mut gone: F) -> Result<bool, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, AwsError>>,
{
    let budget = Budget::new(pace.wait);
    loop {
        if with_retry(&budget, &mut gone).await.0? {
            return Ok(true);
        }
        if budget.remaining() < pace.poll {
            return Ok(false);
        }
        tokio::time::sleep(pace.poll).await;
    }
}

/// Carries out `plan` (`execute`) or records what it would do (dry run); every step goes to
/// `sink` as it happens. Returns whether every step succeeded.
pub async fn carry_out<S: StudioInventory, E: EmrStudioAccess, C: Clock>(
    sagemaker: &S,
    emr: &E,
    plan: &Plan,
    execute: bool,
    pace: Pace,
    clock: &C,
    sink: impl FnMut(Record),
) -> bool {
    let mut steps = Steps {
        execute,
        clock,
        sink,
        clean: true,
    };
    for profile in &plan.profiles {
        offboard_profile(sagemaker, profile, pace, &mut steps).await;
    }
    for mapping in &plan.mappings {
        let resource = mapping.user.clone();
        steps
            .step(
                "delete-session-mapping",
                &mapping.studio_id,
                resource,
                &mapping.user,
                || emr.delete_mapping(&mapping.studio_id, IdentityType::User, &mapping.identity_id),
            )
            .await;
    }
    steps.clean
}

async fn offboard_profile<S: StudioInventory, C: Clock, R: FnMut(Record)>(
    api: &S,
    plan: &ProfilePlan,
    pace: Pace,
    steps: &mut Steps<'_, C, R>,
) {
    let (domain, owner, name) = (
        plan.domain_id.as_str(),
        plan.owner.as_str(),
        plan.profile.as_str(),
    );
    let rechecked = if plan.held.is_none() && steps.execute {
        match signed_in_since(api, plan).await {
            Ok(held) => held,
            Err(error) => {
                let code = Some(error.code);
                steps.note(
                    "recheck",
                    domain,
                    name.to_owned(),
                    owner,
                    Outcome::Failed,
                    code,
                );
                return;
            }
        }
    } else {
        None
    };
    if let Some(held) = plan.held.as_ref().or(rechecked.as_ref()) {
        let why = Some(held.reason().to_owned());
        steps.note("hold", domain, name.to_owned(), owner, Outcome::Held, why);
        return;
    }
    let mut apps_deleted = true;
    for app in &plan.apps {
        let resource = format!(
            "{}/{} in {}",
            app.app_type,
            app.name,
            app.space
                .as_deref()
                .or(app.profile.as_deref())
                .unwrap_or("?")
        );
        apps_deleted &= steps
            .step("delete-app", domain, resource, owner, || {
                api.delete_app(domain, app)
            })
            .await;
    }
    if plan.home == Home::Keep {
        for space in &plan.spaces {
            steps.note(
                "keep",
                domain,
                space.clone(),
                owner,
                Outcome::Kept,
                Some("home = keep".into()),
            );
        }
        steps.note(
            "keep",
            domain,
            name.to_owned(),
            owner,
            Outcome::Kept,
            Some("home = keep".into()),
        );
        return;
    }
    if !apps_deleted {
        return;
    }
    if steps.execute && !plan.apps.is_empty() {
        let gone = wait_until(pace, || async {
            let apps = api.apps(domain).await?;
            Ok(!apps.iter().any(|a| {
                a.is_live()
                    && plan.apps.iter().any(|p| {
                        p.name == a.name
                            && p.app_type == a.app_type
                            && p.space == a.space
                            && p.profile == a.profile
                    })
            }))
        })
        .await;
        if !waited(steps, gone, domain, name, owner, "apps") {
            return;
        }
    }
    let mut spaces_deleted = true;
    for space in &plan.spaces {
        spaces_deleted &= steps
            .step("delete-space", domain, space.clone(), owner, || {
                api.delete_space(domain, space)
            })
            .await;
    }
    if !spaces_deleted {
        return;
    }
    if steps.execute && !plan.spaces.is_empty() {
        let gone = wait_until(pace, || async {
            let spaces = api.spaces(domain).await?;
            Ok(!spaces
                .iter()
                .any(|s| plan.spaces.contains(&s.name) && s.status != "Deleted"))
        })
        .await;
        if !waited(steps, gone, domain, name, owner, "spaces") {
            return;
        }
    }
    let deleted = steps
        .step("delete-profile", domain, name.to_owned(), owner, || {
            api.delete_profile(domain, name)
        })
        .await;
    if deleted {
        if let Some(uid) = &plan.home_efs_uid {
            // No API removes it: the administrator does, or keeps it.
            steps.note(
                "keep",
                domain,
                format!("EFS home of {name}"),
                owner,
                Outcome::Kept,
                Some(format!("HomeEfsFileSystemUid {uid}")),
            );
        }
    }
}

/// A user selected as inactive is looked at again just before their steps: a plan is read once,
/// then confirmed and carried out user by user (each waiting on SageMaker's deletes), so it can be
/// minutes old when their turn comes, and deleting the apps of someone who has just signed in would
/// stop their work. The last-login tag only moves forward; any other value than the plan's means
/// a login since. A profile gone since is no reason to hold: its deletes find nothing.
async fn signed_in_since<S: StudioInventory>(
    api: &S,
    plan: &ProfilePlan,
) -> Result<Option<Held>, AwsError> {
    let Why::Inactive { last_login } = &plan.why else {
        return Ok(None);
    };
    let budget = Budget::new(CALL_BUDGET);
    let (now, _) = with_retry(&budget, || api.profile(&plan.domain_id, &plan.profile)).await;
    let seen = now?.and_then(|profile| profile.tags.get(LAST_LOGIN_TAG).cloned());
    Ok(seen
        .filter(|seen| seen != last_login)
        .map(|signed_in| Held::SignedInSincePlan { signed_in }))
}

/// Records a wait that did not end well; whether the user's next steps may go on.
fn waited<C: Clock, R: FnMut(Record)>(
    steps: &mut Steps<'_, C, R>,
    gone: Result<bool, AwsError>,
    domain: &str,
    name: &str,
    owner: &str,
    what: &str,
) -> bool {
    match gone {
        Ok(true) => true,
        Ok(false) => {
            steps.note(
                "wait",
                domain,
                format!("{what} of {name}"),
                owner,
                Outcome::TimedOut,
                None,
            );
            false
        }
        Err(error) => {
            steps.note(
                "wait",
                domain,
                format!("{what} of {name}"),
                owner,
                Outcome::Failed,
                Some(error.code),
            );
            false
        }
    }
}
