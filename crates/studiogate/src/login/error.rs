//! Why a login did not end in Studio. Each variant has a stable reason code for the log, the audit
//! record and the metrics; `Display` is the detail for the log. The user sees a page chosen by
//! `crate::web` from the variant, never this text.

use studiogate_kernel::wire::{ErrorCode, PresignError};
use studiogate_kernel::AwsError;
use studiogate_saml::Rejection;

/// A login that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The assertion failed validation.
    #[error("assertion rejected: {0}")]
    Rejected(Rejection),
    /// RelayState is not a key of `[targets]`.
    #[error("RelayState {0:?} is not a configured target")]
    UnknownTarget(String),
    /// The chooser's `choice` field is malformed or sent twice.
    #[error("the choice field is malformed: {0}")]
    MalformedChoice(&'static str),
    /// No Role pair survives the allow-lists.
    #[error("none of the assertion's {offered} role(s) is allowed for {targets}")]
    NoAllowedRole {
        /// How many Role pairs the assertion carried.
        offered: usize,
        /// The candidate targets, for the log.
        targets: String,
    },
    /// The posted choice is not one the chooser offered.
    #[error("the chosen target and role were not offered to this user")]
    ChoiceNotOffered,
    /// The assertion has no RoleSessionName, so STS would refuse it.
    #[error("the assertion carries no RoleSessionName attribute")]
    MissingSessionName,
    /// This assertion was consumed before.
    #[error("the assertion was already used")]
    Replayed,
    /// The replay cache could not answer: refuse (fail closed).
    #[error("{0}")]
    ReplayUnavailable(String),
    /// STS throttled or failed past the time budget.
    #[error("STS is not answering: {0}")]
    StsUnavailable(AwsError),
    /// STS refused the assertion.
    #[error("STS refused the assertion: {0}")]
    StsRejected(AwsError),
    /// STS found the assertion expired.
    #[error("STS found the assertion expired: {0}")]
    StsExpired(AwsError),
    /// STS read something else than the validator did.
    #[error("STS's {field} {sts:?} differs from the validator's {ours:?}")]
    StsMismatch {
        /// Which field.
        field: &'static str,
        /// What STS answered.
        sts: Option<String>,
        /// What the validator read.
        ours: String,
    },
    /// KMS would not seal the request, so presign was never invoked.
    #[error("the presign request could not be sealed: {0}")]
    SealUnavailable(AwsError),
    /// The presign function could not be invoked (throttled, failed, no answer in time).
    #[error("presign could not be invoked: {0}")]
    PresignUnavailable(AwsError),
    /// presign answered something unusable (not a response, or a URL no Location can carry).
    #[error("presign answered {0}")]
    PresignAnswerMalformed(String),
    /// The presign function answered with an error.
    #[error("presign answered {0}")]
    Presign(PresignError),
    /// `GET /login`, but SP-initiated sign-in is not configured (no IdP SSO URL).
    #[error("SP-initiated sign-in is off: set idp.sso_url (or import IdP metadata with a SingleSignOnService)")]
    SpInitiatedOff,
    /// An AuthnRequest could not be made (random source, signature).
    #[error("the AuthnRequest could not be made: {0}")]
    SignInUnavailable(String),
    /// The Response answers no AuthnRequest, and `idp.idp_initiated` is false.
    #[error("the Response answers no AuthnRequest, and IdP-initiated sign-in is off (idp.idp_initiated = false)")]
    Unsolicited,
    /// InResponseTo names no outstanding request: unknown, expired or already answered.
    #[error(
        "InResponseTo names no outstanding AuthnRequest (unknown, expired or already answered)"
    )]
    UnknownRequest,
    /// The Response to an AuthnRequest came from another browser than the one that asked: the
    /// request's cookie is missing or holds another nonce (login CSRF, or another browser).
    #[error("the AuthnRequest's answer came from another browser (its cookie is {})", if *cookie_present { "wrong" } else { "missing" })]
    OtherBrowser {
        /// Whether the request's cookie was there at all.
        cookie_present: bool,
    },
    /// The Response came back with another RelayState than its request was sent with.
    #[error("the AuthnRequest was sent with RelayState {sent:?} but answered with {returned:?}")]
    RequestMismatch {
        /// The target the request was sent for.
        sent: Option<String>,
        /// The RelayState posted with the Response.
        returned: Option<String>,
    },
}

/// What kind of failure a refused login is: each kind is a metric the stack's alarms watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// The user's, the IdP's or an attacker's doing: the assertion, the target, the role, a replay,
    /// an AuthnRequest; also a profile still being prepared (the user tries again). A page says
    /// what to do; many at once mean a misconfigured IdP or an attack.
    Refused,
    /// STS refused the assertion, did not answer, or read it differently.
    Sts,
    /// presign failed, refused for a deployment reason, or could not be reached (sealing included).
    Presign,
    /// The replay table did not answer, or an AuthnRequest could not be made: nobody can sign in.
    Unavailable,
}

impl LoginError {
    /// The kind of failure, for the metrics.
    pub fn kind(&self) -> FailureKind {
        match self {
            LoginError::Rejected(_)
            | LoginError::UnknownTarget(_)
            | LoginError::MalformedChoice(_)
            | LoginError::NoAllowedRole { .. }
            | LoginError::ChoiceNotOffered
            | LoginError::MissingSessionName
            | LoginError::Replayed
            | LoginError::SpInitiatedOff
            | LoginError::Unsolicited
            | LoginError::UnknownRequest
            | LoginError::RequestMismatch { .. }
            | LoginError::OtherBrowser { .. } => FailureKind::Refused,
            LoginError::StsUnavailable(_)
            | LoginError::StsRejected(_)
            | LoginError::StsExpired(_)
            | LoginError::StsMismatch { .. } => FailureKind::Sts,
            LoginError::SealUnavailable(_)
            | LoginError::PresignUnavailable(_)
            | LoginError::PresignAnswerMalformed(_) => FailureKind::Presign,
            LoginError::Presign(error) => match error.code {
                ErrorCode::StillPreparing
                | ErrorCode::ProfileOwnedByAnother
                | ErrorCode::Refused => FailureKind::Refused,
                ErrorCode::BadRequest
                | ErrorCode::UnknownTarget
                | ErrorCode::IdentityMismatch
                | ErrorCode::ProfileUnusable
                | ErrorCode::TryAgain => FailureKind::Presign,
            },
            LoginError::ReplayUnavailable(_) | LoginError::SignInUnavailable(_) => {
                FailureKind::Unavailable
            }
        }
    }

    /// The stable reason code (kebab-case) for logs, audit records and metrics.
    pub fn reason_code(&self) -> &'static str {
        match self {
            LoginError::Rejected(rejection) => rejection.reason_code(),
            LoginError::UnknownTarget(_) => "unknown-relay-state",
            LoginError::MalformedChoice(_) => "malformed-choice",
            LoginError::NoAllowedRole { .. } => "no-allowed-role",
            LoginError::ChoiceNotOffered => "choice-not-offered",
            LoginError::MissingSessionName => "missing-role-session-name",
            LoginError::Replayed => "replayed",
            LoginError::ReplayUnavailable(_) => "replay-cache-unavailable",
            LoginError::StsUnavailable(_) => "sts-unavailable",
            LoginError::StsExpired(_) => "sts-expired",
            LoginError::StsRejected(_) => "sts-rejected",
            LoginError::StsMismatch { .. } => "sts-mismatch",
            LoginError::SealUnavailable(_) => "seal-unavailable",
            LoginError::PresignUnavailable(_) | LoginError::PresignAnswerMalformed(_) => {
                "presign-unavailable"
            }
            LoginError::SpInitiatedOff => "sp-initiated-off",
            LoginError::SignInUnavailable(_) => "sign-in-unavailable",
            LoginError::Unsolicited => "unsolicited-response",
            LoginError::UnknownRequest => "unknown-request",
            LoginError::RequestMismatch { .. } => "request-relay-state-mismatch",
            LoginError::OtherBrowser { .. } => "request-from-another-browser",
            LoginError::Presign(error) => match error.code {
                ErrorCode::BadRequest => "presign-bad-request",
                ErrorCode::UnknownTarget => "presign-unknown-target",
                ErrorCode::IdentityMismatch => "presign-identity-mismatch",
                ErrorCode::ProfileOwnedByAnother => "presign-profile-owned-by-another",
                ErrorCode::ProfileUnusable => "presign-profile-unusable",
                ErrorCode::Refused => "presign-refused",
                ErrorCode::TryAgain => "presign-try-again",
                ErrorCode::StillPreparing => "presign-still-preparing",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use studiogate_kernel::ErrorKind;

    #[test]
    fn each_refusal_has_the_kind_its_alarm_watches() {
        let aws = || {
            AwsError::new(
                "sts:AssumeRoleWithSAML",
                ErrorKind::Throttled,
                "Throttling",
                "slow down",
            )
        };
        let presign = |code| {
            LoginError::Presign(PresignError {
                code,
                message: String::new(),
            })
        };
        for (error, kind) in [
            (LoginError::Replayed, FailureKind::Refused),
            (LoginError::UnknownRequest, FailureKind::Refused),
            (LoginError::StsUnavailable(aws()), FailureKind::Sts),
            (LoginError::StsRejected(aws()), FailureKind::Sts),
            (LoginError::SealUnavailable(aws()), FailureKind::Presign),
            (presign(ErrorCode::TryAgain), FailureKind::Presign),
            (presign(ErrorCode::StillPreparing), FailureKind::Refused),
            (
                presign(ErrorCode::ProfileOwnedByAnother),
                FailureKind::Refused,
            ),
            (
                LoginError::ReplayUnavailable("down".into()),
                FailureKind::Unavailable,
            ),
        ] {
            assert_eq!(error.kind(), kind, "{error:?}");
        }
    }
}
