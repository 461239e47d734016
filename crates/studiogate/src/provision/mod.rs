//! presign's logic: check the seal, check that the credentials belong to the identity, check the
//! target allows the role, then open the target through its kind's flow ([`crate::targets`]), and
//! write one audit record whatever happens. It never touches the SDK: AWS is behind
//! [`PresignPorts`].

pub mod ports;

pub use ports::{CallerIdentity, PresignPorts};

use crate::config::PresignConfig;
use crate::copy;
use crate::outcome::{aws_failure, fail};
use crate::targets::{self, FlowContext, Target};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use studiogate_kernel::clock::{parse_instant, Clock};
use studiogate_kernel::retry::{with_retry, Budget};
use studiogate_kernel::seal::{self, SealError};
use studiogate_kernel::wire::{Action, ErrorCode, PresignError, PresignRequest, PresignResponse};

/// The presign logic over its ports. Built once at cold start.
pub struct Presigner<P> {
    /// AWS (and the clock).
    pub ports: P,
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

impl<P: PresignPorts> Presigner<P> {
    /// One Lambda invocation: a sealed request in, JSON out, one log line. Nothing in the event is
    /// trusted before its seal is checked and spent ([`seal::open`]); a malformed, unsealed, forged,
    /// expired or replayed event is a typed `bad-request`, never a panic.
    pub async fn handle_event(&self, event: Value, lambda_request_id: &str) -> Value {
        let started = Instant::now();
        let opened = seal::open(
            self.ports.seal_verifier(),
            self.ports.seal_ledger(),
            event,
            self.ports.clock().now(),
        )
        .await;
        let response = match opened {
            Ok(request) => {
                // Checking the seal spent part of the budget: the Lambda timeout assumes one budget.
                let (response, audit) = self.handle_after(&request, started.elapsed()).await;
                tracing::info!(audit = %serde_json::to_string(&audit).unwrap_or_default(), lambda_request_id, "presign outcome");
                response
            }
            Err(e) => {
                tracing::warn!(reason = e.reason_code(), error = %e, lambda_request_id, "presign request refused");
                let error = match e {
                    SealError::Unverifiable(_) | SealError::LedgerUnavailable(_) => {
                        fail(ErrorCode::TryAgain, copy::AWS_BUSY)
                    }
                    _ => fail(ErrorCode::BadRequest, copy::REQUEST_NOT_UNDERSTOOD),
                };
                PresignResponse::Error { error }
            }
        };
        serde_json::to_value(response).unwrap_or(Value::Null)
    }

    /// Handles one request whose seal was checked.
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
        let mut audit = AuditRecord {
            request_id: request.request_id.clone(),
            user: request.identity.role_session_name.clone(),
            target: request.target.clone(),
            action: None,
            name: None,
            change: None,
            outcome: "ok".to_owned(),
            latency_ms: 0,
        };
        let response = match result {
            Ok((url, action)) => {
                audit.action = Some(action.kind.as_str().to_owned());
                audit.name = action.name.clone();
                audit.change = label(&action.change);
                PresignResponse::Redirect { url, action }
            }
            Err(error) => {
                audit.outcome = label(&error.code).unwrap_or_default();
                PresignResponse::Error { error }
            }
        };
        audit.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        (response, audit)
    }

    async fn run(
        &self,
        request: &PresignRequest,
        spent: Duration,
    ) -> Result<(String, Action), PresignError> {
        let target = self
            .targets
            .get(&request.target)
            .ok_or_else(|| fail(ErrorCode::UnknownTarget, copy::UNKNOWN_TARGET))?;
        let budget =
            Budget::new(Duration::from_secs(self.settings.budget_seconds).saturating_sub(spent));
        let credentials_left = self.remaining_life(&request.credentials.expiration)?;

        // First, always: the credentials must belong to this identity.
        let (arn, _) = with_retry(&budget, || {
            self.ports.identity().caller_arn(&request.credentials)
        })
        .await;
        let arn = arn.map_err(aws_failure)?;
        let assumed = studiogate_kernel::arn::assumed_role(&arn)
            .ok_or_else(|| mismatch("not an assumed-role ARN"))?;
        if assumed.session != request.identity.role_session_name {
            return Err(mismatch("session name differs from RoleSessionName"));
        }
        let same_role = |allowed: &String| {
            studiogate_kernel::arn::role(allowed)
                == Some((assumed.partition, assumed.account, assumed.role))
        };
        if !target.allowed_roles.is_empty() && !target.allowed_roles.iter().any(same_role) {
            return Err(fail(ErrorCode::Refused, copy::ROLE_NOT_ALLOWED));
        }

        let context = FlowContext {
            budget: &budget,
            identity: &request.identity,
            credentials: &request.credentials,
            credentials_left,
            update_existing: self.settings.update_existing_profiles,
            profile_ready: Duration::from_secs(self.settings.profile_ready_seconds),
            console_issuer: self.settings.broker_url.as_deref().unwrap_or("studiogate"),
            today: self.ports.clock().now().date(),
        };
        targets::open(&self.ports, target, &context).await
    }

    fn remaining_life(&self, expiration: &str) -> Result<Duration, PresignError> {
        let expires = parse_instant(expiration)
            .ok_or_else(|| fail(ErrorCode::BadRequest, copy::BAD_CREDENTIAL_EXPIRY))?;
        let left = (expires - self.ports.clock().now()).whole_seconds();
        if left <= 0 {
            return Err(fail(ErrorCode::IdentityMismatch, copy::SIGN_IN_EXPIRED));
        }
        Ok(Duration::from_secs(left.unsigned_abs()))
    }
}

/// The kebab-case name a wire enum serializes to.
fn label(value: &impl Serialize) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

fn mismatch(reason: &str) -> PresignError {
    tracing::warn!(reason, "credentials do not belong to the identity");
    fail(ErrorCode::IdentityMismatch, copy::SIGN_IN_UNVERIFIED)
}
