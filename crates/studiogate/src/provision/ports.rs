//! What presign needs from AWS, bundled: one trait whose associated types are its ports, so the
//! presigner has one type parameter however many target kinds there are.

use crate::targets::KindPorts;
use std::future::Future;
use studiogate_kernel::clock::Clock;
use studiogate_kernel::seal::{MacVerifier, SealLedger};
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::AwsError;

/// The operation presign calls with the user's credentials to learn whose they are
/// (GetCallerIdentity needs no permission).
pub const IDENTITY_OPERATIONS: &[&str] = &["sts:GetCallerIdentity"];

/// The operations presign calls with its own role to check a request's seal and spend it (a
/// conditional PutItem of a `seal#` key in the replay table).
pub const SEAL_OPERATIONS: &[&str] = &["kms:VerifyMac", "dynamodb:PutItem"];

/// STS, with the user's credentials.
pub trait CallerIdentity: Send + Sync {
    /// GetCallerIdentity: the ARN the credentials belong to.
    fn caller_arn(
        &self,
        credentials: &FederatedCredentials,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}

/// Everything presign reaches: the seal checker, STS, each target kind's port, and the clock.
pub trait PresignPorts: KindPorts {
    /// KMS VerifyMac with the seal key.
    type SealVerifier: MacVerifier;
    /// Where seals are spent.
    type SealLedger: SealLedger;
    /// STS GetCallerIdentity.
    type Identity: CallerIdentity;
    /// "Now" (seal ages, credential lifetimes).
    type Clock: Clock;
    /// The seal checker.
    fn seal_verifier(&self) -> &Self::SealVerifier;
    /// The seal ledger.
    fn seal_ledger(&self) -> &Self::SealLedger;
    /// STS.
    fn identity(&self) -> &Self::Identity;
    /// The clock.
    fn clock(&self) -> &Self::Clock;
}
