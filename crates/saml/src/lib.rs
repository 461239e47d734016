//! studiogate-saml: strict SAML 2.0 Response validation. It links no AWS SDK and never writes
//! HTTP: the HTTP-POST binding goes in, a [`VerifiedAssertion`] or a [`Rejection`] with a stable
//! reason code comes out, and the caller decides what the user sees (one "authentication failed"
//! page) and what the log gets (the reason). `studiogate inspect` and saml-validator run the same
//! validator.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod authn_request;
pub mod aws;
pub mod binding;
mod checks;
mod decrypt;
mod document;
mod error;
mod html_form;
pub mod keys;
pub mod metadata;
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

/// The hardened XML parse every SAML input goes through: [`prepare_document`] (no DTD, UTF-8 only,
/// size, depth, attribute and namespace limits, XML 1.0 normalisation), then [`parse_document`].
pub use document::{parse as parse_document, prepare as prepare_document, Prepared};
pub use error::Rejection;
pub use policy::{DigestAlgorithm, Limits, SamlPolicy, SignatureAlgorithm};
pub use validator::{
    Assessment, PostedAssertion, SamlValidator, Settings, SignedParts, VerifiedAssertion,
};
