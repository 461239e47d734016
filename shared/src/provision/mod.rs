//! Provisioning a user's Studio identity and handing back a one-time URL (the presign function's
//! logic): the contract, profile naming, mapping rules and drift, retries, the AWS ports it needs,
//! and the flows for SageMaker Studio and EMR Studio.

pub mod contract;
mod emr_studio;
pub mod naming;
pub mod ports;
pub mod presigner;
pub mod retry;
pub mod rules;
pub mod seal;
mod studio;
pub mod wiring;

use crate::aws::{AwsError, ErrorKind};
use contract::{ErrorCode, PresignError};

pub use presigner::{AuditRecord, Presigner};

pub(crate) fn fail(code: ErrorCode, message: impl Into<String>) -> PresignError {
    PresignError {
        code,
        message: message.into(),
    }
}

/// Maps an AWS failure to what the user is told; the detail goes to the log.
pub(crate) fn aws_failure(error: AwsError) -> PresignError {
    tracing::warn!(operation = error.operation, code = %error.code, kind = ?error.kind, "AWS call failed");
    match error.kind {
        ErrorKind::Throttled | ErrorKind::ServerError | ErrorKind::Network => {
            fail(ErrorCode::TryAgain, "AWS is busy right now. Try again in a minute.")
        }
        ErrorKind::AccessDenied => fail(ErrorCode::Refused, "AWS refused to open your workspace with your role. Ask your administrator to check its permissions."),
        _ => fail(ErrorCode::Refused, "Your workspace could not be opened. Ask your administrator; the request ID identifies this attempt."),
    }
}
