//! Field checks shared by the configuration loader: non-empty lists and the `[saml]` policy ranges.

use super::ConfigError;
use studiogate_saml::SamlPolicy;

pub(super) fn require_non_empty(field: &str, values: &[String]) -> Result<(), ConfigError> {
    if values.is_empty() || values.iter().any(|v| v.trim().is_empty()) {
        return Err(ConfigError::field(
            field,
            "must list at least one non-empty value",
        ));
    }
    Ok(())
}

pub(super) fn check_policy(policy: &SamlPolicy) -> Result<(), ConfigError> {
    let field =
        |name: &str, message: &str| Err(ConfigError::field(format!("saml.{name}"), message));
    if !(0..=600).contains(&policy.clock_skew_seconds) {
        return field("clock_skew_seconds", "must be between 0 and 600");
    }
    if !(30..=86_400).contains(&policy.max_assertion_age_seconds) {
        return field("max_assertion_age_seconds", "must be between 30 and 86400");
    }
    // AWS-LC, the crypto backend, verifies RSA keys of 2048 bits and up only (NIST SP 800-131A
    // disallows shorter ones for signatures), so a lower floor would promise what cannot be kept.
    if !(2048..=16_384).contains(&policy.min_rsa_key_bits) {
        return field(
            "min_rsa_key_bits",
            "must be between 2048 and 16384 (default 2048); RSA keys under 2048 bits are not supported",
        );
    }
    if policy.signature_algorithms.is_empty() {
        return field("signature_algorithms", "must list at least one algorithm");
    }
    if policy.digest_algorithms.is_empty() {
        return field("digest_algorithms", "must list at least one algorithm");
    }
    let sha1_listed = policy
        .signature_algorithms
        .contains(&studiogate_saml::SignatureAlgorithm::RsaSha1)
        || policy
            .digest_algorithms
            .contains(&studiogate_saml::DigestAlgorithm::Sha1);
    if sha1_listed && !policy.allow_sha1 {
        return field(
            "allow_sha1",
            "SHA-1 algorithms are listed; set allow_sha1 = true to really accept them",
        );
    }
    let limits = &policy.limits;
    if limits.max_body_bytes < 1024
        || limits.max_decoded_bytes < 1024
        || limits.max_depth < 8
        || limits.max_elements < 64
        || limits.max_attributes_per_element < 16
        || limits.max_namespace_declarations < 16
        || limits.max_namespace_uri_bytes < 64
    {
        return field("limits", "limits are too small for any real SAML Response");
    }
    Ok(())
}
