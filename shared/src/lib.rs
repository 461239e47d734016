//! studiogate's shared library.
//!
//! * [`saml`] — the strict SAML 2.0 Response validator: HTTP-POST binding in, a
//!   [`saml::VerifiedAssertion`] or a typed [`saml::Rejection`] out. It never writes HTTP.
//! * [`config`] — the broker's one configuration format, loaded once at cold start.
//! * [`clock`] — the injectable clock every time check reads.
//! * [`provision`] — the presign function's logic: contract, profile naming, mapping rules, retries.
//! * [`replay`] — the replay cache: each assertion is consumed once (DynamoDB in [`aws::dynamodb`]).
//! * [`login`] — the ACS flow: validate, choose target and role, consume, AssumeRoleWithSAML,
//!   cross-check, invoke presign. It never writes HTTP.
//! * [`web`] — the HTTP surface: routes, security headers, pages, SP metadata.
#![forbid(unsafe_code)]

pub mod aws;
pub mod clock;
pub mod config;
pub mod digest;
pub mod login;
pub mod provision;
pub mod replay;
pub mod saml;
pub mod telemetry;
pub mod web;
