//! How a call to AWS failed. Every port the broker owns (STS, SageMaker, EMR, DynamoDB, KMS,
//! Lambda, SSM, the console federation endpoint) fails with an [`AwsError`]; code branches on its
//! [`ErrorKind`], never on AWS's message text. The AWS adapter crate classifies SDK errors once.

use crate::retry::Retryable;

/// How an AWS error should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Throttling: retry.
    Throttled,
    /// 5xx: retry.
    ServerError,
    /// The request never got an answer (timeout, connection): retry.
    Network,
    /// No such resource.
    NotFound,
    /// Exists already / busy.
    InUse,
    /// The request is invalid.
    Validation,
    /// Not allowed.
    AccessDenied,
    /// The credentials (or the SAML assertion) have expired.
    Expired,
    /// Anything else.
    Other,
}

/// An AWS call that failed: the operation, how to treat it, and AWS's code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {code}: {message}")]
pub struct AwsError {
    /// The operation (`sagemaker:CreateUserProfile`).
    pub operation: &'static str,
    /// How to treat it.
    pub kind: ErrorKind,
    /// AWS's error code.
    pub code: String,
    /// AWS's message (for the log; never shown to a user, never branched on).
    pub message: String,
}

impl Retryable for AwsError {
    fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttled | ErrorKind::ServerError | ErrorKind::Network
        )
    }
}

impl AwsError {
    /// An error of `operation`.
    pub fn new(
        operation: &'static str,
        kind: ErrorKind,
        code: &str,
        message: impl Into<String>,
    ) -> Self {
        AwsError {
            operation,
            kind,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// No answer within `limit` (a network error: worth a retry if the budget allows).
    pub fn timed_out(operation: &'static str, limit: std::time::Duration) -> Self {
        AwsError::new(
            operation,
            ErrorKind::Network,
            "TimedOut",
            format!("no answer within {limit:?}"),
        )
    }
}

/// How an AWS error code (and HTTP status) is treated, for every service.
pub fn classify(code: &str, status: u16) -> ErrorKind {
    match code {
        "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "ProvisionedThroughputExceededException" => ErrorKind::Throttled,
        "ResourceNotFound" | "ResourceNotFoundException" | "NoSuchEntity" => ErrorKind::NotFound,
        "ResourceInUse" | "ResourceInUseException" | "ConflictException" => ErrorKind::InUse,
        "ValidationException"
        | "ValidationError"
        | "InvalidRequestException"
        | "InvalidParameterValue" => ErrorKind::Validation,
        "ExpiredToken" | "ExpiredTokenException" => ErrorKind::Expired,
        c if c.starts_with("AccessDenied") || c == "UnauthorizedOperation" => {
            ErrorKind::AccessDenied
        }
        // By code as well as by status: EMR's API reference lists its InternalServerError with
        // "HTTP Status Code: 400".
        "InternalServerError"
        | "InternalServerException"
        | "InternalFailure"
        | "InternalError"
        | "ServiceUnavailable"
        | "ServiceUnavailableException" => ErrorKind::ServerError,
        _ if status >= 500 => ErrorKind::ServerError,
        _ => ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_aws_codes_and_statuses() {
        assert_eq!(classify("ThrottlingException", 400), ErrorKind::Throttled);
        assert_eq!(classify("Throttling", 400), ErrorKind::Throttled);
        assert_eq!(classify("ResourceInUse", 400), ErrorKind::InUse);
        assert_eq!(classify("ResourceNotFound", 400), ErrorKind::NotFound);
        assert_eq!(
            classify("AccessDeniedException", 400),
            ErrorKind::AccessDenied
        );
        assert_eq!(classify("ExpiredTokenException", 400), ErrorKind::Expired);
        assert_eq!(classify("ExpiredToken", 403), ErrorKind::Expired);
        assert_eq!(classify("InternalFailure", 500), ErrorKind::ServerError);
        assert_eq!(
            classify("InternalServerError", 400),
            ErrorKind::ServerError,
            "EMR's, documented with status 400: retried as a server error"
        );
        assert_eq!(classify("ServiceUnavailable", 503), ErrorKind::ServerError);
        assert_eq!(classify("SomethingElse", 400), ErrorKind::Other);
    }

    #[test]
    fn only_throttling_server_errors_and_lost_answers_are_retried() {
        let error = |kind| AwsError::new("x", kind, "C", "m");
        assert!(error(ErrorKind::Throttled).is_retryable());
        assert!(error(ErrorKind::ServerError).is_retryable());
        assert!(AwsError::timed_out("x", std::time::Duration::from_secs(1)).is_retryable());
        assert!(!error(ErrorKind::Validation).is_retryable());
        assert!(!error(ErrorKind::Expired).is_retryable());
    }
}
