//! What the validator accepts: algorithm allow-lists, clock skew, ages and XML limits. This is the
//! `[saml]` table of the broker configuration; every default is the strict one.

use serde::{Deserialize, Serialize};

/// XML-DSig signature algorithms the validator can be told to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-1. Only with `allow_sha1`.
    RsaSha1,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaSha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaSha512,
    /// ECDSA with SHA-256.
    EcdsaSha256,
    /// ECDSA with SHA-384.
    EcdsaSha384,
}

impl SignatureAlgorithm {
    /// The XML-DSig algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            Self::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            Self::RsaSha384 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            Self::RsaSha512 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            Self::EcdsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            Self::EcdsaSha384 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        }
    }
}

/// XML-DSig digest algorithms the validator can be told to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DigestAlgorithm {
    /// SHA-1. Only with `allow_sha1`.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// The XML-DSig algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            Self::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            Self::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
            Self::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        }
    }
}

/// Size and shape limits applied before and while parsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest accepted HTTP form body.
    pub max_body_bytes: usize,
    /// Largest accepted decoded SAMLResponse document.
    pub max_decoded_bytes: usize,
    /// Deepest accepted element nesting.
    pub max_depth: usize,
    /// Most elements accepted in one document.
    pub max_elements: usize,
    /// Most attributes on one element (the parser's duplicate check grows with their square).
    pub max_attributes_per_element: usize,
    /// Most namespace declarations in one document (canonicalization walks them per element).
    pub max_namespace_declarations: usize,
    /// Longest namespace name a declaration may bind, in bytes: a name is copied for each element
    /// and attribute in its scope (by the parser, and into messages), so its length multiplies.
    pub max_namespace_uri_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            max_decoded_bytes: 192 * 1024,
            max_depth: 48,
            max_elements: 5000,
            max_attributes_per_element: 64,
            max_namespace_declarations: 512,
            max_namespace_uri_bytes: 1024,
        }
    }
}

/// The `[saml]` policy table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SamlPolicy {
    /// Tolerance, in seconds, for clock differences with the IdP (NotBefore / NotOnOrAfter).
    pub clock_skew_seconds: i64,
    /// Oldest accepted IssueInstant, in seconds before now (plus skew).
    pub max_assertion_age_seconds: i64,
    /// Accept a Response that answers an AuthnRequest (InResponseTo present) without matching it to
    /// a request: for inspecting captures and the conformance corpus. With SP-initiated sign-in
    /// (`idp.sso_url`) the broker reads InResponseTo anyway and matches it to its own requests.
    pub allow_in_response_to: bool,
    /// Accept RSA-SHA1 signatures and SHA-1 digests (legacy IdPs only).
    pub allow_sha1: bool,
    /// Smallest accepted RSA modulus of a pinned IdP certificate, in bits.
    pub min_rsa_key_bits: usize,
    /// Accepted signature algorithms.
    pub signature_algorithms: Vec<SignatureAlgorithm>,
    /// Accepted digest algorithms.
    pub digest_algorithms: Vec<DigestAlgorithm>,
    /// Size and shape limits.
    pub limits: Limits,
}

impl Default for SamlPolicy {
    fn default() -> Self {
        Self {
            clock_skew_seconds: 180,
            max_assertion_age_seconds: 300,
            allow_in_response_to: false,
            allow_sha1: false,
            min_rsa_key_bits: 2048,
            signature_algorithms: vec![
                SignatureAlgorithm::RsaSha256,
                SignatureAlgorithm::RsaSha384,
                SignatureAlgorithm::RsaSha512,
                SignatureAlgorithm::EcdsaSha256,
                SignatureAlgorithm::EcdsaSha384,
            ],
            digest_algorithms: vec![
                DigestAlgorithm::Sha256,
                DigestAlgorithm::Sha384,
                DigestAlgorithm::Sha512,
            ],
            limits: Limits::default(),
        }
    }
}

impl SamlPolicy {
    /// Whether a SignatureMethod URI is allowed.
    pub fn allows_signature_uri(&self, uri: &str) -> bool {
        self.signature_algorithms
            .iter()
            .any(|a| a.uri() == uri && (self.allow_sha1 || *a != SignatureAlgorithm::RsaSha1))
    }

    /// Whether a DigestMethod URI is allowed.
    pub fn allows_digest_uri(&self, uri: &str) -> bool {
        self.digest_algorithms
            .iter()
            .any(|a| a.uri() == uri && (self.allow_sha1 || *a != DigestAlgorithm::Sha1))
    }

    /// The policy with SHA-1 switched on (adds RSA-SHA1 and SHA-1 to the lists).
    pub fn with_sha1(mut self) -> Self {
        self.allow_sha1 = true;
        if !self
            .signature_algorithms
            .contains(&SignatureAlgorithm::RsaSha1)
        {
            self.signature_algorithms.push(SignatureAlgorithm::RsaSha1);
        }
        if !self.digest_algorithms.contains(&DigestAlgorithm::Sha1) {
            self.digest_algorithms.push(DigestAlgorithm::Sha1);
        }
        self
    }
}
