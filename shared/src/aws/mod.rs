//! The SDK side of the provisioning and login ports: one adapter per service, each listing the AWS
//! operations it calls (`OPERATIONS`), so the deployment's IAM policy can be checked against the code.

pub mod arn;
pub mod contract;
pub mod dynamodb;
pub mod emr;
pub mod federation;
pub mod kms;
pub mod lambda;
pub mod sagemaker;
pub mod ssm;
pub mod sts;

use crate::provision::retry::Retryable;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How an AWS error should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// AWS's message.
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
    /// An error that did not come from the SDK (the federation endpoint, a malformed answer).
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

    /// Classifies an SDK error once, for every adapter.
    pub fn from_sdk<E, R>(operation: &'static str, error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + HasStatus + Send + Sync + 'static,
    {
        match &error {
            SdkError::ServiceError(service) => {
                let status = service.raw().status_code();
                let code = service.err().code().unwrap_or("Unknown").to_owned();
                let message = service.err().message().unwrap_or_default().to_owned();
                AwsError {
                    operation,
                    kind: classify(&code, status),
                    code,
                    message,
                }
            }
            SdkError::TimeoutError(_)
            | SdkError::DispatchFailure(_)
            | SdkError::ResponseError(_) => AwsError {
                operation,
                kind: ErrorKind::Network,
                code: "NetworkError".into(),
                message: aws_smithy_types::error::display::DisplayErrorContext(&error).to_string(),
            },
            _ => AwsError {
                operation,
                kind: ErrorKind::Other,
                code: "SdkError".into(),
                message: aws_smithy_types::error::display::DisplayErrorContext(&error).to_string(),
            },
        }
    }
}

/// The HTTP status of a raw response.
pub trait HasStatus {
    /// The status code.
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

fn classify(code: &str, status: u16) -> ErrorKind {
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
        c if c.starts_with("AccessDenied")
            || c == "UnauthorizedOperation"
            || c == "ExpiredToken" =>
        {
            ErrorKind::AccessDenied
        }
        _ if status >= 500 => ErrorKind::ServerError,
        _ => ErrorKind::Other,
    }
}

/// A timeout configuration that bounds each whole operation (all attempts) by `limit`.
pub(crate) fn operation_timeout(
    limit: std::time::Duration,
) -> aws_smithy_types::timeout::TimeoutConfig {
    aws_smithy_types::timeout::TimeoutConfig::builder()
        .operation_timeout(limit)
        .build()
}

/// Static credentials for a per-request client. The secret never leaves this call.
pub(crate) fn user_credentials(
    credentials: &crate::provision::contract::FederatedCredentials,
) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        Some(credentials.session_token.clone()),
        None,
        "federated-user",
    )
}

#[cfg(test)]
mod adapter_tests;

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
        assert_eq!(classify("InternalFailure", 500), ErrorKind::ServerError);
        assert_eq!(classify("ServiceUnavailable", 503), ErrorKind::ServerError);
        assert_eq!(classify("SomethingElse", 400), ErrorKind::Other);
        assert!(AwsError::new("x", ErrorKind::Throttled, "T", "m").is_retryable());
        assert!(!AwsError::new("x", ErrorKind::Validation, "V", "m").is_retryable());
    }
}
