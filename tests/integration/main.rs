//! studiogate's integration tests, one binary (one link of the AWS SDK): the handlers in-process on
//! their Lambda events, and the AWS adapters against the local emulator. The SAML corpus has its
//! own runner (`conformance.rs`).

mod deployment;
mod emulator_harness;
mod emulator_sdk;
mod offboard;
mod presign;
mod replay;
mod saml_validator;
mod saml_validator_logs;
mod shared_spaces;
mod space_updates;
mod spaces;
mod spoke;
