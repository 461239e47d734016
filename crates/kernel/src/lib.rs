//! studiogate's kernel: what every other crate of the broker stands on, depending on none of them.
//!
//! * [`error`] — how an AWS call failed ([`AwsError`], [`ErrorKind`]), the error type of every port.
//! * [`arn`] — the ARNs the broker compares (roles, assumed-role sessions).
//! * [`retry`] — one time budget per request, and retries with backoff inside it.
//! * [`clock`] — the injectable clock every time check reads.
//! * [`digest`] — SHA-256.
//! * [`wire`] — what saml-validator sends presign and what it answers.
//! * [`seal`] — the envelope presign trusts: the request MACed by saml-validator's key.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arn;
pub mod clock;
pub mod digest;
pub mod error;
pub mod retry;
pub mod seal;
pub mod wire;

pub use error::{AwsError, ErrorKind};
