//! The AWS capabilities the login flow needs, as small traits it owns. `crate::aws` implements them
//! on the SDK clients (STS, Lambda); tests implement them on anything.

use crate::aws::AwsError;
use crate::provision::contract::{FederatedCredentials, PresignRequest, PresignResponse};
use std::future::Future;

/// What AssumeRoleWithSAML answered: the credentials and what STS read from the assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsAnswer {
    /// The federated credentials (their `Debug` hides the secrets).
    pub credentials: FederatedCredentials,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub assumed_role_arn: Option<String>,
    /// The assertion's Issuer, as STS read it.
    pub issuer: Option<String>,
    /// The bearer SubjectConfirmationData Recipient, as STS read it.
    pub audience: Option<String>,
    /// The NameID, as STS read it.
    pub subject: Option<String>,
}

/// The AssumeRoleWithSAML parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct AssumeRoleWithSaml<'a> {
    /// The role to take.
    pub role_arn: &'a str,
    /// The IAM SAML provider that vouches for it.
    pub provider_arn: &'a str,
    /// The SAMLResponse exactly as posted (base64). Never log it.
    pub saml_response: &'a str,
    /// Session length in seconds.
    pub duration_seconds: u32,
}

/// STS AssumeRoleWithSAML (an unsigned call: the assertion is the credential).
pub trait SamlFederation: Send + Sync {
    /// Calls AssumeRoleWithSAML once; the flow retries throttling.
    fn assume_role_with_saml(
        &self,
        params: &AssumeRoleWithSaml<'_>,
    ) -> impl Future<Output = Result<StsAnswer, AwsError>> + Send;
}

/// The presign function, however it is reached (Lambda Invoke, or in-process in tests).
pub trait PresignInvoker: Send + Sync {
    /// Invokes presign once and returns its answer; an unhandled function error is an `AwsError`.
    fn invoke(
        &self,
        request: &PresignRequest,
    ) -> impl Future<Output = Result<PresignResponse, AwsError>> + Send;
}
