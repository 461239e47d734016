//! studiogate's domain: everything the broker decides, with AWS only behind ports it owns.
//!
//! * [`config`] — the broker's one configuration format, loaded once at cold start; each function
//!   checks only what it uses.
//! * [`targets`] — where a login can lead; one module per target kind (configuration, port,
//!   provisioning flow).
//! * [`login`] — the ACS flow: validate, choose target and role, consume, AssumeRoleWithSAML,
//!   cross-check, seal, invoke presign. It never writes HTTP.
//! * [`web`] — the HTTP surface: routes, security headers, pages, SP metadata.
//! * [`provision`] — presign: check the seal and the credentials, then open the target.
//! * [`offboard`] — removing what studiogate made for users no longer entitled.
//! * [`copy`] — every sentence a person reads.
//! * [`contract`] — what each function needs from its deployment.
//!
//! Below it: `studiogate-kernel` (errors, ARNs, retries, the clock, the wire types) and
//! `studiogate-saml` (the validator). Above it: `studiogate-aws` (the SDK adapters) and the two
//! functions, which wire everything once at cold start.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod contract;
pub mod copy;
pub mod login;
pub mod offboard;
mod outcome;
pub mod provision;
pub mod targets;
pub mod telemetry;
pub mod web;

#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
