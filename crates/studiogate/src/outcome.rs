//! presign's typed failures: a stable code and a message from [`crate::copy`]; the detail goes to
//! the log here, never to the user.

use crate::copy;
use studiogate_kernel::wire::{ErrorCode, PresignError};
use studiogate_kernel::{AwsError, ErrorKind};

/// A failure with `code` and a message that is safe to show.
pub fn fail(code: ErrorCode, message: impl Into<String>) -> PresignError {
    PresignError {
        code,
        message: message.into(),
    }
}

/// Maps an AWS failure to what the user is told; the detail goes to the log.
pub fn aws_failure(error: AwsError) -> PresignError {
    // AWS's message names the resource and the missing permission: what an operator fixes.
    tracing::warn!(operation = error.operation, code = %error.code, kind = ?error.kind, message = %error.message, "AWS call failed");
    match error.kind {
        ErrorKind::Throttled | ErrorKind::ServerError | ErrorKind::Network => {
            fail(ErrorCode::TryAgain, copy::AWS_BUSY)
        }
        ErrorKind::AccessDenied => fail(ErrorCode::Refused, copy::AWS_REFUSED_ROLE),
        _ => fail(ErrorCode::Refused, copy::WORKSPACE_NOT_OPENED),
    }
}
