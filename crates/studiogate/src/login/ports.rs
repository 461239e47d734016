//! What the login flow needs from AWS, as small traits it owns, bundled into [`LoginPorts`] so the
//! flow has one type parameter. `studiogate-aws` implements them on the SDK; the test kit on
//! recording doubles.

use super::replay::ReplayCache;
use std::future::Future;
use studiogate_kernel::clock::Clock;
use studiogate_kernel::retry::Retryable;
use studiogate_kernel::seal::{MacGenerator, SealedRequest};
use studiogate_kernel::wire::{FederatedCredentials, PresignResponse};
use studiogate_kernel::AwsError;

/// The operation saml-validator calls unsigned: the assertion is the credential.
pub const STS_OPERATIONS: &[&str] = &["sts:AssumeRoleWithSAML"];
/// What it calls with its own role to seal a request.
pub const SEAL_OPERATIONS: &[&str] = &["kms:GenerateMac"];
/// What it calls with its own role to reach presign.
pub const INVOKE_OPERATIONS: &[&str] = &["lambda:InvokeFunction"];
/// What it calls with its own role to consume an assertion.
pub const REPLAY_OPERATIONS: &[&str] = &["dynamodb:PutItem"];

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

/// Why presign gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvokeError {
    /// Lambda could not be invoked, or the function failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// presign answered something that is not a [`PresignResponse`] (described, never quoted: it
    /// may hold a bearer URL).
    #[error("presign's answer is malformed: {0}")]
    MalformedAnswer(String),
}

impl Retryable for InvokeError {
    fn is_retryable(&self) -> bool {
        matches!(self, InvokeError::Aws(e) if e.is_retryable())
    }
}

/// The presign function, however it is reached (Lambda Invoke, or in-process in tests).
pub trait PresignInvoker: Send + Sync {
    /// Invokes presign once with a sealed request and returns its answer.
    fn invoke(
        &self,
        request: &SealedRequest,
    ) -> impl Future<Output = Result<PresignResponse, InvokeError>> + Send;
}

/// Everything the login flow reaches: the replay cache, STS, the sealing key, presign, the clock.
pub trait LoginPorts: Send + Sync {
    /// Where assertions are consumed.
    type Replay: ReplayCache;
    /// STS.
    type Sts: SamlFederation;
    /// KMS GenerateMac with the seal key.
    type Sealer: MacGenerator;
    /// The presign function.
    type Presign: PresignInvoker;
    /// "Now", for every time check.
    type Clock: Clock;
    /// The replay cache.
    fn replay(&self) -> &Self::Replay;
    /// STS.
    fn sts(&self) -> &Self::Sts;
    /// The sealing key.
    fn sealer(&self) -> &Self::Sealer;
    /// presign.
    fn presign(&self) -> &Self::Presign;
    /// The clock.
    fn clock(&self) -> &Self::Clock;
}
