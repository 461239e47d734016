//! studiogate-aws: the domain's ports on aws-sdk-rust (and the console federation endpoint over
//! HTTPS). One adapter per service; each calls exactly the operations its port lists (a test reads
//! the sources to hold them to it), and classifies SDK errors once, here, into the kernel's
//! [`AwsError`]. Nothing above this crate sees an SDK type.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dynamodb;
pub mod emr;
pub mod federation;
mod http_client;
pub mod identitystore;
pub mod kms;
pub mod lambda;
pub mod sagemaker;
pub mod ssm;
pub mod sts;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use studiogate_kernel::error::classify;
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::{AwsError, ErrorKind};

/// Loads the AWS configuration from the environment (credentials, region, `AWS_ENDPOINT_URL`) with
/// the SDK's own retries off: the broker retries within its own time budgets, and one HTTPS client
/// for every SDK client of the process.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .http_client(http_client::shared_https_client())
        .load()
        .await
}

/// Classifies an SDK error once, for every adapter.
pub fn sdk_error<E, R>(operation: &'static str, error: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + HasStatus + Send + Sync + 'static,
{
    let described = || aws_smithy_types::error::display::DisplayErrorContext(&error).to_string();
    // The client's own credentials could not be had (a spoke's provisioning role refused to
    // AssumeRole, say): the call never left; what failed is the role, said once, by type.
    if let Some(credentials) = source_of::<CredentialsError>(&error) {
        let message =
            aws_smithy_types::error::display::DisplayErrorContext(credentials).to_string();
        return AwsError::new(
            operation,
            ErrorKind::AccessDenied,
            "CredentialsNotLoaded",
            message,
        );
    }
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
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            AwsError::new(operation, ErrorKind::Network, "NetworkError", described())
        }
        _ => AwsError::new(operation, ErrorKind::Other, "SdkError", described()),
    }
}

/// The first error of type `T` in `error`'s source chain.
fn source_of<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
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

/// A timeout configuration that bounds each whole operation (all attempts) by `limit`.
pub(crate) fn operation_timeout(
    limit: std::time::Duration,
) -> aws_smithy_types::timeout::TimeoutConfig {
    aws_smithy_types::timeout::TimeoutConfig::builder()
        .operation_timeout(limit)
        .build()
}

/// A federated user's session as SDK credentials, for the calls made on the user's behalf (a
/// call's configuration override). The secret never leaves the call.
pub fn user_credentials(credentials: &FederatedCredentials) -> aws_credential_types::Credentials {
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
mod operations_tests;
#[cfg(test)]
mod signing_tests;
