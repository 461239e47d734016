//! Why a SAML Response was refused. Each variant has a stable reason code for logs, metrics and
//! `studiogate inspect`; its `Display` says what happened and, where an administrator can act,
//! what to fix. The user never sees either: handlers show one "authentication failed" page.

/// A refused SAML Response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
// Each variant's message names its fields; documenting `size` as "the size" would add nothing.
#[allow(missing_docs)]
pub enum Rejection {
    /// The HTTP body is larger than `limits.max_body_bytes`.
    #[error("request body is {size} bytes; the limit is {limit}")]
    BodyTooLarge { size: usize, limit: usize },
    /// The form body is not `application/x-www-form-urlencoded` with a `SAMLResponse` field.
    #[error("the form body has no SAMLResponse field (expected the SAML HTTP-POST binding)")]
    MissingSamlResponse,
    /// The form body carries a field twice, so which one counts would be a guess.
    #[error("the form body carries {field} more than once")]
    DuplicateFormField { field: &'static str },
    /// `SAMLResponse` is not base64.
    #[error("SAMLResponse is not valid base64")]
    InvalidBase64,
    /// The decoded document is larger than `limits.max_decoded_bytes`.
    #[error("decoded SAMLResponse is {size} bytes; the limit is {limit}")]
    DecodedTooLarge { size: usize, limit: usize },
    /// The document is not UTF-8 text.
    #[error("decoded SAMLResponse is not UTF-8 text")]
    NotUtf8,
    /// A DOCTYPE or ENTITY declaration was present (XXE, billion laughs).
    #[error("the document declares a DTD or entity; these are never processed")]
    DtdForbidden,
    /// Depth or element count is past its limit.
    #[error("the document exceeds the {what} limit of {limit}")]
    XmlLimit { what: &'static str, limit: usize },
    /// Not well-formed XML.
    #[error("not well-formed XML: {0}")]
    MalformedXml(String),
    /// The document element is not `samlp:Response`.
    #[error("the document element is {found}; expected a SAML 2.0 protocol Response")]
    NotAResponse { found: String },
    /// Zero, or more than one, Assertion (plain or encrypted) anywhere in the document.
    #[error("expected exactly one Assertion as a child of the Response, found {found}")]
    AssertionCount { found: String },
    /// A signature uses something outside the allow-list or the SAML signature profile.
    #[error("signature policy: {0}")]
    SignaturePolicy(String),
    /// A signature is present but does not verify with any pinned certificate.
    #[error("a signature did not verify against the pinned IdP certificates: {0}")]
    SignatureInvalid(String),
    /// Neither the Assertion nor the Response that contains it carries a valid signature.
    #[error("the Assertion is not covered by a signature from a pinned IdP certificate")]
    AssertionNotSigned,
    /// An encrypted Assertion arrived but no SP decryption key is configured.
    #[error("the Assertion is encrypted but no SP decryption key is configured (set sp.decryption_key_file)")]
    NoDecryptionKey,
    /// Encryption with an algorithm outside the allow-list.
    #[error("unsupported encryption algorithm {0} (allowed: RSA-OAEP key transport; AES-CBC or AES-GCM content)")]
    UnsupportedEncryption(String),
    /// An AES-CBC EncryptedAssertion in a Response without a verified signature: CBC is
    /// malleable, so it is not decrypted unless a signature covers the ciphertext.
    #[error("the Assertion is encrypted with AES-CBC but the Response is not signed; have the IdP sign the Response as well as the Assertion, or encrypt with AES-GCM")]
    UnsignedCbcCiphertext,
    /// Decryption failed (one detail for every cryptographic failure).
    #[error("could not decrypt: {0}")]
    DecryptionFailed(String),
    /// A required element or attribute is missing.
    #[error("required {0} is missing")]
    Missing(&'static str),
    /// A value does not have the form SAML requires (timestamps and the like).
    #[error("{what} is malformed: {detail}")]
    Malformed { what: &'static str, detail: String },
    /// An identity value (Issuer, NameID) has white space around it; it is refused rather than
    /// trimmed, so the broker never reads a name other than the one signed.
    #[error(
        "{what} {value:?} has leading or trailing white space; the IdP must send the value alone"
    )]
    PaddedValue { what: &'static str, value: String },
    /// A `Conditions` child the broker does not understand (SAML core §2.5.1.2: the assertion is
    /// then indeterminate, and a relying party must not accept it).
    #[error("Conditions holds {0}, which the broker does not understand (SAML core §2.5.1: such an assertion is not valid)")]
    UnknownCondition(String),
    /// The XML declaration names an encoding other than UTF-8.
    #[error("the XML declaration says encoding {0:?}; only UTF-8 is accepted (the bytes would be misread)")]
    UnsupportedDocumentEncoding(String),
    /// The Issuer is not the configured IdP.
    #[error(
        "issuer {found:?} is not the configured IdP entity ID {expected:?} (check idp.entity_id)"
    )]
    IssuerMismatch { found: String, expected: String },
    /// Status is not Success.
    #[error("the IdP answered with status {0}, not Success")]
    StatusNotSuccess(String),
    /// Response Destination missing or not in `sp.acs_urls`.
    #[error("Destination {found:?} is not one of the configured ACS URLs {allowed:?} (set the IdP's ACS/Destination URL to the broker, or add it to sp.acs_urls)")]
    DestinationMismatch {
        found: Option<String>,
        allowed: Vec<String>,
    },
    /// No AudienceRestriction names a configured audience.
    #[error("audiences {found:?} do not include a configured SP audience {allowed:?} (set the IdP's audience / SP entity ID, or sp.audiences)")]
    AudienceMismatch {
        found: Vec<String>,
        allowed: Vec<String>,
    },
    /// No SubjectConfirmation with method bearer.
    #[error("no bearer SubjectConfirmation")]
    NoBearerConfirmation,
    /// The bearer SubjectConfirmationData Recipient is not allowed.
    #[error("SubjectConfirmationData Recipient {found:?} is not in {allowed:?} (set the IdP's Recipient to the broker's ACS URL, or list the IdP's in sp.recipients)")]
    RecipientMismatch {
        found: Option<String>,
        allowed: Vec<String>,
    },
    /// A NotBefore lies in the future (beyond the allowed skew).
    #[error("{what} {at} is in the future (now {now}, skew {skew_seconds}s)")]
    NotYetValid {
        what: &'static str,
        at: String,
        now: String,
        skew_seconds: i64,
    },
    /// A NotOnOrAfter has passed (beyond the allowed skew).
    #[error("{what} {at} has passed (now {now}, skew {skew_seconds}s)")]
    Expired {
        what: &'static str,
        at: String,
        now: String,
        skew_seconds: i64,
    },
    /// IssueInstant is older than the configured maximum age.
    #[error("IssueInstant {at} is older than saml.max_assertion_age_seconds ({max_age_seconds}s) at {now}")]
    TooOld {
        at: String,
        now: String,
        max_age_seconds: i64,
    },
    /// InResponseTo is present but the broker sends no AuthnRequests.
    #[error("InResponseTo {0:?} is present, but this broker sends no AuthnRequests (SP-initiated sign-in needs the IdP's SSO URL: idp.sso_url, or a SingleSignOnService in its metadata)")]
    InResponseToPresent(String),
    /// The Response and a SubjectConfirmationData answer different requests.
    #[error("InResponseTo names two requests: {first:?} and {other:?}")]
    InResponseToMismatch { first: String, other: String },
    /// An AWS SAML attribute has a value AWS would refuse.
    #[error("attribute {attribute}: {detail}")]
    InvalidAwsAttribute { attribute: String, detail: String },
}

impl Rejection {
    /// The stable, machine-readable reason code (kebab-case). Logs, metrics and
    /// `studiogate inspect` all use it; it never changes once released.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Rejection::BodyTooLarge { .. } => "body-too-large",
            Rejection::MissingSamlResponse => "missing-saml-response",
            Rejection::DuplicateFormField { .. } => "duplicate-form-field",
            Rejection::InvalidBase64 => "invalid-base64",
            Rejection::DecodedTooLarge { .. } => "decoded-too-large",
            Rejection::NotUtf8 => "not-utf8",
            Rejection::DtdForbidden => "dtd-forbidden",
            Rejection::XmlLimit { .. } => "xml-limit-exceeded",
            Rejection::MalformedXml(_) => "malformed-xml",
            Rejection::NotAResponse { .. } => "not-a-response",
            Rejection::AssertionCount { .. } => "assertion-count",
            Rejection::SignaturePolicy(_) => "signature-policy",
            Rejection::SignatureInvalid(_) => "signature-invalid",
            Rejection::AssertionNotSigned => "assertion-not-signed",
            Rejection::NoDecryptionKey => "no-decryption-key",
            Rejection::UnsupportedEncryption(_) => "unsupported-encryption",
            Rejection::UnsignedCbcCiphertext => "unsigned-cbc-ciphertext",
            Rejection::DecryptionFailed(_) => "decryption-failed",
            Rejection::Missing(_) => "missing-element",
            Rejection::Malformed { .. } => "malformed-value",
            Rejection::PaddedValue { .. } => "padded-value",
            Rejection::UnknownCondition(_) => "unknown-condition",
            Rejection::UnsupportedDocumentEncoding(_) => "unsupported-document-encoding",
            Rejection::IssuerMismatch { .. } => "issuer-mismatch",
            Rejection::StatusNotSuccess(_) => "status-not-success",
            Rejection::DestinationMismatch { .. } => "destination-mismatch",
            Rejection::AudienceMismatch { .. } => "audience-mismatch",
            Rejection::NoBearerConfirmation => "no-bearer-confirmation",
            Rejection::RecipientMismatch { .. } => "recipient-mismatch",
            Rejection::NotYetValid { .. } => "not-yet-valid",
            Rejection::Expired { .. } => "expired",
            Rejection::TooOld { .. } => "too-old",
            Rejection::InResponseToPresent(_) => "in-response-to-present",
            Rejection::InResponseToMismatch { .. } => "in-response-to-mismatch",
            Rejection::InvalidAwsAttribute { .. } => "invalid-aws-attribute",
        }
    }

    /// True for rejections caused by time alone, so a handler can tell the user to sign in again.
    pub fn is_time_related(&self) -> bool {
        matches!(
            self,
            Rejection::Expired { .. } | Rejection::TooOld { .. } | Rejection::NotYetValid { .. }
        )
    }
}
