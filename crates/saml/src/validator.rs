//! The validator: HTTP-POST binding in, a [`VerifiedAssertion`] or a [`Rejection`] out.
//!
//! Order of work: hygiene-checked parse; exactly one Assertion; preflight and verify every
//! signature with pinned keys; decrypt if needed (AES-CBC only under a verified Response signature,
//! so altered ciphertext never reaches the SP key; every decryption failure answers alike); read
//! only from the verified Assertion element;
//! then every condition.

use super::aws::{self, AwsAttributes};
use super::checks::{self, Window};
use super::policy::SamlPolicy;
use super::read::{self, AssertionContent};
use super::report::Report;
use super::xml::{self, SAML, SAMLP};
use super::{binding, decrypt, document, signature, Rejection};
use bergshamra::{Key, KeysManager};
use serde::Serialize;
use std::collections::BTreeMap;
use studiogate_kernel::clock::parse_instant;
use time::OffsetDateTime;
use uppsala::{Document, NodeId};

/// What the validator compares against, resolved from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The IdP entity ID every Issuer must equal.
    pub idp_entity_id: String,
    /// Accepted audiences (any one per AudienceRestriction).
    pub audiences: Vec<String>,
    /// Accepted Response Destinations (the broker's ACS URLs).
    pub acs_urls: Vec<String>,
    /// Accepted bearer Recipients (exact, or `https://*.host/path` with `*` one DNS label).
    pub recipients: Vec<String>,
    /// Algorithms, skew, ages and limits.
    pub policy: SamlPolicy,
}

/// Which parts of the message carried a verified signature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SignedParts {
    /// The Response element.
    pub response: bool,
    /// The Assertion element.
    pub assertion: bool,
}

/// A SAML assertion that passed every check. Everything here was read from signed content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedAssertion {
    /// Assertion Issuer (the IdP entity ID).
    pub issuer: String,
    /// Subject NameID, read whole.
    pub name_id: String,
    /// NameID Format, if given.
    pub name_id_format: Option<String>,
    /// Assertion ID (with the issuer, the replay-cache key).
    pub assertion_id: String,
    /// AuthnStatement SessionIndex.
    pub session_index: Option<String>,
    /// The last instant the assertion may be used (earliest applicable NotOnOrAfter).
    #[serde(with = "time::serde::rfc3339")]
    pub not_on_or_after: OffsetDateTime,
    /// AuthnStatement SessionNotOnOrAfter.
    #[serde(with = "time::serde::rfc3339::option")]
    pub session_not_on_or_after: Option<OffsetDateTime>,
    /// The bearer SubjectConfirmationData Recipient that passed the checks (`None` until they ran).
    pub recipient: Option<String>,
    /// Every attribute: name → values, in document order.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// The AWS attributes, parsed.
    pub aws: AwsAttributes,
    /// Which elements were signed.
    pub signed: SignedParts,
    /// Whether the Assertion arrived encrypted.
    pub encrypted: bool,
    /// The AuthnRequest this answers (SP-initiated sign-in), read from signed content only: the
    /// bearer confirmation's InResponseTo, or the Response's when the Response was signed. `None`:
    /// IdP-initiated. The caller must find it among its outstanding requests.
    pub in_response_to: Option<String>,
}

/// A verified assertion with the RelayState that came beside it (not yet interpreted). `Debug`
/// never shows the SAMLResponse.
#[derive(Clone, PartialEq, Eq)]
pub struct PostedAssertion {
    /// The verified assertion.
    pub assertion: VerifiedAssertion,
    /// RelayState as posted: only ever a key into configured targets.
    pub relay_state: Option<String>,
    /// The SAMLResponse exactly as posted (base64), for AssumeRoleWithSAML. Never log it.
    pub saml_response: String,
}

impl std::fmt::Debug for PostedAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostedAssertion")
            .field("assertion", &self.assertion)
            .field("relay_state", &self.relay_state)
            .field("saml_response", &"<redacted>")
            .finish()
    }
}

/// Everything one validation found: the checks it ran, what it read, and the verdict.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// Checks in the order they ran.
    pub report: Report,
    /// Content read from verified elements (present once signatures passed, even when a later
    /// condition failed, so an administrator sees what the IdP sent).
    pub assertion: Option<VerifiedAssertion>,
    /// The first failure, if any.
    pub rejection: Option<Rejection>,
}

impl Assessment {
    /// The verdict as a `Result`.
    pub fn into_result(self) -> Result<VerifiedAssertion, Rejection> {
        match (self.rejection, self.assertion) {
            (None, Some(assertion)) => Ok(assertion),
            (Some(rejection), _) => Err(rejection),
            (None, None) => Err(Rejection::AssertionNotSigned),
        }
    }
}

/// The strict SAML Response validator. Build once at cold start; cheap to share.
#[derive(Clone)]
pub struct SamlValidator {
    settings: Settings,
    keys: KeysManager,
    decryption_key: Option<Key>,
}

impl std::fmt::Debug for SamlValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamlValidator")
            .field("settings", &self.settings)
            .field("pinned_keys", &self.keys.len())
            .field(
                "decryption_key",
                &self.decryption_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl SamlValidator {
    /// A validator trusting exactly `pinned` IdP keys. Use `studiogate::config` to build one from
    /// configuration, which also checks key sizes and names bad fields.
    pub fn new(settings: Settings, pinned: Vec<Key>, decryption_key: Option<Key>) -> Self {
        let mut keys = KeysManager::new();
        for key in pinned {
            keys.add_key(key);
        }
        Self {
            settings,
            keys,
            decryption_key,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Validates an HTTP-POST binding form body (`SAMLResponse`, optional `RelayState`).
    pub fn validate_post(
        &self,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<PostedAssertion, Rejection> {
        let form = binding::parse_form(body, &self.settings.policy.limits)?;
        let xml = binding::decode_saml_response(&form.saml_response, &self.settings.policy.limits)?;
        let assertion = self.validate_document(&xml, now)?;
        Ok(PostedAssertion {
            assertion,
            relay_state: form.relay_state,
            saml_response: form.saml_response,
        })
    }

    /// Validates a decoded SAML Response document.
    pub fn validate_document(
        &self,
        xml: &str,
        now: OffsetDateTime,
    ) -> Result<VerifiedAssertion, Rejection> {
        self.assess_document(xml, now).into_result()
    }

    /// Validates a decoded document and returns every check it ran.
    pub fn assess_document(&self, xml: &str, now: OffsetDateTime) -> Assessment {
        let mut report = Report::default();
        let mut read = None;
        let outcome = self.run(xml, now, &mut report, &mut read);
        Assessment {
            report,
            assertion: read,
            rejection: outcome.err(),
        }
    }

    fn run(
        &self,
        text: &str,
        now: OffsetDateTime,
        report: &mut Report,
        read: &mut Option<VerifiedAssertion>,
    ) -> Result<(), Rejection> {
        let limits = &self.settings.policy.limits;
        let prepared = document::prepare(text, limits);
        let parsed = prepared
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|prepared| document::parse(prepared, limits));
        let doc = report.record("xml", parsed, |_| {
            "well-formed; no DTD or entities; within size, depth and element limits".into()
        })?;
        let response = report.record("response", response_element(&doc), |_| {
            "samlp:Response".into()
        })?;
        let carrier =
            report.record(
                "assertion-count",
                single_assertion(&doc, response),
                |c| match c {
                    Carrier::Plain(_) => "exactly one Assertion".into(),
                    Carrier::Encrypted(_) => "exactly one EncryptedAssertion".into(),
                },
            )?;
        let plain_assertion = match carrier {
            Carrier::Plain(a) => Some(a),
            Carrier::Encrypted(_) => None,
        };
        let signable = |n: NodeId| n == response || Some(n) == plain_assertion;
        let covered = report.record(
            "signature",
            signature::verify_signatures(&doc, &self.keys, &self.settings.policy, &signable),
            |c| {
                format!(
                    "{} valid signature(s) from pinned keys; policy preflight passed",
                    c.len()
                )
            },
        )?;
        let mut signed = SignedParts {
            response: covered.contains(&response),
            assertion: plain_assertion.is_some_and(|a| covered.contains(&a)),
        };
        let content = match carrier {
            Carrier::Plain(assertion) => {
                require_signed(signed, report)?;
                self.read(&doc, assertion, report)?
            }
            Carrier::Encrypted(container) => {
                let plain = report.record(
                    "decryption",
                    decrypt::decrypt_container(
                        &doc,
                        container,
                        self.decryption_key.as_ref(),
                        limits,
                        signed.response,
                    ),
                    |_| "decrypted with the SP key".into(),
                )?;
                let inner = decrypt::parse_plaintext(&plain, limits)?;
                let assertion = decrypted_assertion(&inner)?;
                let inner_covered = report.record(
                    "signature-decrypted",
                    signature::verify_signatures(&inner, &self.keys, &self.settings.policy, &|n| {
                        n == assertion
                    }),
                    |c| {
                        format!(
                            "{} valid signature(s) inside the decrypted Assertion",
                            c.len()
                        )
                    },
                )?;
                signed.assertion = inner_covered.contains(&assertion);
                require_signed(signed, report)?;
                self.read(&inner, assertion, report)?
            }
        };
        let envelope = read::read_envelope(&doc, response);
        let mut verified = VerifiedAssertion {
            issuer: content.issuer.clone(),
            name_id: content.name_id.clone(),
            name_id_format: content.name_id_format.clone(),
            assertion_id: content.id.clone(),
            session_index: content.session_index.clone(),
            not_on_or_after: best_effort_end(&content, now),
            session_not_on_or_after: content
                .session_not_on_or_after
                .as_deref()
                .and_then(parse_instant),
            recipient: None,
            attributes: content.attributes.clone(),
            aws: AwsAttributes::default(),
            signed,
            encrypted: matches!(carrier, Carrier::Encrypted(_)),
            in_response_to: None,
        };
        let aws = report.record("aws-attributes", aws::parse(&content.attributes), |a| {
            format!("{} role pair(s)", a.roles.len())
        });
        if let Ok(parsed) = &aws {
            verified.aws = parsed.clone();
        }
        *read = Some(verified.clone());
        let window: Window =
            checks::check_conditions(&envelope, &content, &self.settings, now, report)?;
        aws?;
        verified.not_on_or_after = window.not_on_or_after;
        verified.session_not_on_or_after = window.session_not_on_or_after;
        verified.recipient = Some(window.recipient);
        // An unsigned Response's InResponseTo could be anyone's: it never names the request.
        verified.in_response_to = window.confirmation_in_response_to.or_else(|| {
            envelope
                .in_response_to
                .clone()
                .filter(|id| signed.response && !id.is_empty())
        });
        *read = Some(verified);
        Ok(())
    }

    fn read(
        &self,
        doc: &Document<'_>,
        assertion: NodeId,
        report: &mut Report,
    ) -> Result<AssertionContent, Rejection> {
        report.record(
            "assertion-content",
            read::read_assertion(
                doc,
                assertion,
                self.decryption_key.as_ref(),
                &self.settings.policy.limits,
            ),
            |c| {
                format!(
                    "NameID {:?}, {} attribute(s)",
                    c.name_id,
                    c.attributes.len()
                )
            },
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Carrier {
    Plain(NodeId),
    Encrypted(NodeId),
}

fn response_element(doc: &Document<'_>) -> Result<NodeId, Rejection> {
    let root = doc
        .document_element()
        .ok_or(Rejection::MalformedXml("no document element".into()))?;
    if xml::is(doc, root, SAMLP, "Response") {
        require_version_2(doc, root, "Response Version")?;
        Ok(root)
    } else {
        Err(Rejection::NotAResponse {
            found: xml::clip(&xml::qualified_name(doc, root)),
        })
    }
}

/// Exactly one Assertion or EncryptedAssertion in the whole document, and it is a direct child of
/// the Response (an Assertion anywhere else is a wrapping attempt).
fn single_assertion(doc: &Document<'_>, response: NodeId) -> Result<Carrier, Rejection> {
    let everywhere = xml::descendants(doc, response, SAML, "Assertion");
    let encrypted_everywhere = xml::descendants(doc, response, SAML, "EncryptedAssertion");
    let direct = xml::children(doc, response, SAML, "Assertion");
    let encrypted_direct = xml::children(doc, response, SAML, "EncryptedAssertion");
    let describe = || {
        format!(
            "{} Assertion and {} EncryptedAssertion",
            everywhere.len(),
            encrypted_everywhere.len()
        )
    };
    match (
        everywhere.len() + encrypted_everywhere.len(),
        direct.as_slice(),
        encrypted_direct.as_slice(),
    ) {
        (1, [one], []) => {
            require_version_2(doc, *one, "Assertion Version")?;
            Ok(Carrier::Plain(*one))
        }
        (1, [], [one]) => Ok(Carrier::Encrypted(*one)),
        _ => Err(Rejection::AssertionCount { found: describe() }),
    }
}

/// SAML 2.0 messages and assertions carry `Version="2.0"`.
fn require_version_2(
    doc: &Document<'_>,
    node: NodeId,
    what: &'static str,
) -> Result<(), Rejection> {
    match xml::attr(doc, node, "Version") {
        Some("2.0") => Ok(()),
        Some(other) => Err(Rejection::Malformed {
            what,
            detail: format!("{:?} is not 2.0", xml::clip(other)),
        }),
        None => Err(Rejection::Missing(what)),
    }
}

fn decrypted_assertion(inner: &Document<'_>) -> Result<NodeId, Rejection> {
    let wrapper = inner
        .document_element()
        .filter(|w| {
            inner
                .element(*w)
                .is_some_and(|e| e.name.local_name == decrypt::WRAPPER)
        })
        .ok_or_else(decrypt::failed)?;
    let elements = xml::element_children(inner, wrapper);
    let assertions = xml::descendants(inner, wrapper, SAML, "Assertion");
    match (elements.as_slice(), assertions.len()) {
        ([one], 1) if xml::is(inner, *one, SAML, "Assertion") => {
            require_version_2(inner, *one, "Assertion Version")?;
            Ok(*one)
        }
        // Not yet known to be signed: the same answer as any other decryption failure.
        _ => Err(decrypt::failed()),
    }
}

fn require_signed(signed: SignedParts, report: &mut Report) -> Result<(), Rejection> {
    let result = if signed.response || signed.assertion {
        Ok(())
    } else {
        Err(Rejection::AssertionNotSigned)
    };
    report.record("assertion-signed", result, |_| {
        format!(
            "Assertion covered by the {} signature",
            match (signed.response, signed.assertion) {
                (true, true) => "Response and Assertion",
                (true, false) => "Response",
                _ => "Assertion",
            }
        )
    })
}

/// The end of validity for diagnostics before the time checks ran.
fn best_effort_end(content: &AssertionContent, now: OffsetDateTime) -> OffsetDateTime {
    content
        .confirmations
        .iter()
        .filter_map(|c| c.not_on_or_after.as_deref())
        .chain(content.not_on_or_after.as_deref())
        .filter_map(parse_instant)
        .min()
        .unwrap_or(now)
}
