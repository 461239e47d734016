//! The presign request, end to end: check the credentials belong to the identity, open the target,
//! and write one audit record whatever happens.

use super::contract::{ErrorCode, PresignError, PresignRequest, PresignResponse};
use super::emr_studio::open_emr;
use super::ports::{CallerIdentity, ConsoleFederation, EmrApi, SageMakerApi};
use super::retry::{with_retry, Budget};
use super::studio::open_studio;
use super::{aws_failure, fail};
use crate::config::{PresignConfig, Target};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The presign logic over the AWS ports. Built once at cold start.
pub struct Presigner<I, S, E, F> {
    /// STS.
    pub identity: I,
    /// SageMaker.
    pub sagemaker: S,
    /// EMR.
    pub emr: E,
    /// Console federation.
    pub federation: F,
    /// `[presign]`.
    pub settings: PresignConfig,
    /// `[targets]`.
    pub targets: BTreeMap<String, Target>,
}

/// One audit record per request (no secrets: no credentials, no URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Request ID of the login.
    pub request_id: String,
    /// RoleSessionName.
    pub user: String,
    /// Target key.
    pub target: String,
    /// What was done (`sagemaker-profile`, ...), if anything.
    pub action: Option<String>,
    /// Profile or mapping name.
    pub name: Option<String>,
    /// `created`, `updated`, `unchanged`.
    pub change: Option<String>,
    /// `ok` or the error code.
    pub outcome: String,
    /// Milliseconds.
    pub latency_ms: u64,
}

impl<I: CallerIdentity, S: SageMakerApi, E: EmrApi, F: ConsoleFederation> Presigner<I, S, E, F> {
    /// Handles one request.
    pub async fn handle(&self, request: &PresignRequest) -> (PresignResponse, AuditRecord) {
        self.handle_after(request, Duration::ZERO).await
    }

    /// [`Presigner::handle`] when `spent` of the invocation's budget is gone already (checking the
    /// request's seal), so the whole invocation stays within `presign.budget_seconds`.
    pub async fn handle_after(
        &self,
        request: &PresignRequest,
        spent: Duration,
    ) -> (PresignResponse, AuditRecord) {
        let started = Instant::now();
        let result = self.run(request, spent).await;
        let (response, audit_action, outcome) = match result {
            Ok((url, action)) => {
                let audit = (Some(action.kind), action.name.clone(), Some(action.change));
                (
                    PresignResponse::Redirect { url, action },
                    audit,
                    "ok".to_owned(),
                )
            }
            Err(error) => {
                let code = serde_json::to_value(error.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                (PresignResponse::Error { error }, (None, None, None), code)
            }
        };
        let label = |v: Option<serde_json::Value>| v.and_then(|v| v.as_str().map(str::to_owned));
        let audit = AuditRecord {
            request_id: request.request_id.clone(),
            user: request.identity.role_session_name.clone(),
            target: request.target.clone(),
            action: label(audit_action.0.and_then(|k| serde_json::to_value(k).ok())),
            name: audit_action.1,
            change: label(audit_action.2.and_then(|c| serde_json::to_value(c).ok())),
            outcome,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        (response, audit)
    }

    async fn run(
        &self,
        request: &PresignRequest,
        spent: Duration,
    ) -> Result<(String, super::contract::Action), PresignError> {
        let target = self.targets.get(&request.target).ok_or_else(|| {
            fail(ErrorCode::UnknownTarget, "This sign-in link points to a workspace that is not configured. Use the tile from your IdP.")
        })?;
        let budget =
            Budget::new(Duration::from_secs(self.settings.budget_seconds).saturating_sub(spent));
        let credentials_left = remaining_life(&request.credentials.expiration)?;

        // First, always: the credentials must belong to this identity.
        let (arn, _) = with_retry(&budget, || self.identity.caller_arn(&request.credentials)).await;
        let arn = arn.map_err(aws_failure)?;
        let assumed = crate::aws::arn::assumed_role(&arn)
            .ok_or_else(|| mismatch("not an assumed-role ARN"))?;
        if assumed.session != request.identity.role_session_name {
            return Err(mismatch("session name differs from RoleSessionName"));
        }
        let allowed = match target {
            Target::Sagemaker(t) => &t.allowed_roles,
            Target::Emr(t) => &t.allowed_roles,
        };
        let same_role = |allowed: &String| {
            crate::aws::arn::role(allowed)
                == Some((assumed.partition, assumed.account, assumed.role))
        };
        if !allowed.is_empty() && !allowed.iter().any(same_role) {
            return Err(fail(ErrorCode::Refused, "Your role is not allowed to open this workspace. Choose another role or ask your administrator."));
        }

        match target {
            Target::Sagemaker(t) => {
                open_studio(
                    &self.sagemaker,
                    &self.settings,
                    t,
                    &request.identity,
                    &request.credentials,
                    credentials_left,
                    &budget,
                )
                .await
            }
            Target::Emr(t) => {
                open_emr(
                    &self.emr,
                    &self.federation,
                    &self.settings,
                    t,
                    &request.identity,
                    &request.credentials,
                    &budget,
                )
                .await
            }
        }
    }
}

fn mismatch(reason: &str) -> PresignError {
    tracing::warn!(reason, "credentials do not belong to the identity");
    fail(
        ErrorCode::IdentityMismatch,
        "Your sign-in could not be verified. Sign in again from your IdP.",
    )
}

fn remaining_life(expiration: &str) -> Result<Duration, PresignError> {
    let expires = crate::clock::parse_instant(expiration).ok_or_else(|| {
        fail(
            ErrorCode::BadRequest,
            "The request's credential expiry is not a valid time.",
        )
    })?;
    let left = (expires - time::OffsetDateTime::now_utc()).whole_seconds();
    if left <= 0 {
        return Err(fail(
            ErrorCode::IdentityMismatch,
            "Your sign-in has expired. Sign in again from your IdP.",
        ));
    }
    Ok(Duration::from_secs(left.unsigned_abs()))
}
