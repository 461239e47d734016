//! Strict SAML 2.0 Response validation. The core never writes HTTP: it returns a
//! [`VerifiedAssertion`] or a [`Rejection`] with a stable reason code, and the handler decides what
//! the user sees (one "authentication failed" page) and what the log gets (the reason).

pub mod aws;
pub mod binding;
mod checks;
mod decrypt;
mod document;
mod error;
pub mod policy;
mod read;
pub mod report;
mod signature;
mod validator;
pub mod xml;

#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

#[cfg(test)]
mod tests;

pub(crate) use document::parse as parse_document;
pub use error::Rejection;
pub use policy::{DigestAlgorithm, Limits, SamlPolicy, SignatureAlgorithm};
pub use validator::{
    Assessment, PostedAssertion, SamlValidator, Settings, SignedParts, VerifiedAssertion,
};
