//! Reads SAML content from elements that the signature module has already proven signed. Every
//! function here takes the verified element and looks only at its own children: nothing searches
//! the document again.

use super::policy::Limits;
use super::xml::{self, SAML, SAMLP};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
use super::Rejection;
use bergshamra::Key;
use std::collections::BTreeMap;
use uppsala::{Document, NodeId};

/// One `SubjectConfirmation`, as written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Confirmation {
    pub method: String,
    pub recipient: Option<String>,
    pub not_before: Option<String>,
    pub not_on_or_after: Option<String>,
    pub in_response_to: Option<String>,
}

/// The Assertion's content, as written (times still text; checks parse them).
#[derive(Debug, Clone, Default)]
pub(crate) struct AssertionContent {
    pub id: String,
    pub issue_instant: String,
    pub issuer: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    pub confirmations: Vec<Confirmation>,
    pub not_before: Option<String>,
    pub not_on_or_after: Option<String>,
    pub audience_restrictions: Vec<Vec<String>>,
    pub session_index: Option<String>,
    pub session_not_on_or_after: Option<String>,
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// The Response envelope fields. These may be unsigned (when only the Assertion is signed), so
/// they are used only to refuse, never to decide who the user is.
#[derive(Debug, Clone, Default)]
pub(crate) struct EnvelopeContent {
    pub issuer: Option<String>,
    pub status: Option<String>,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub issue_instant: Option<String>,
}

fn one_child(doc: &Document<'_>, parent: NodeId, local: &'static str) -> Result<NodeId, Rejection> {
    match xml::children(doc, parent, SAML, local).as_slice() {
        [one] => Ok(*one),
        [] => Err(Rejection::Missing(local)),
        _ => Err(Rejection::Malformed {
            what: local,
            detail: "appears more than once".into(),
        }),
    }
}

/// An identity value exactly as signed. Whitespace around it is refused, never trimmed: trimming
/// would read a signed `" admin@example.com"` as another user's name, and STS reads the value as
/// written. XML 1.0 §2.3's white space characters are the ones refused.
fn exact_text(doc: &Document<'_>, node: NodeId, what: &'static str) -> Result<String, Rejection> {
    let value = xml::text(doc, node);
    let is_xml_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    if value.starts_with(is_xml_space) || value.ends_with(is_xml_space) {
        return Err(Rejection::PaddedValue {
            what,
            value: xml::clip(&value),
        });
    }
    Ok(value)
}

fn xsi_type<'d>(doc: &'d Document<'_>, node: NodeId) -> Option<&'d str> {
    doc.element(node).and_then(|e| {
        e.attributes
            .iter()
            .find(|a| a.name.namespace_uri.as_deref() == Some(XSI) && a.name.local_name == "type")
            .map(|a| a.value.as_ref())
    })
}

fn owned_attr(doc: &Document<'_>, node: NodeId, name: &str) -> Option<String> {
    xml::attr(doc, node, name).map(str::to_owned)
}

/// Reads the Response envelope.
pub(crate) fn read_envelope(doc: &Document<'_>, response: NodeId) -> EnvelopeContent {
    let status = xml::child(doc, response, SAMLP, "Status")
        .and_then(|s| xml::child(doc, s, SAMLP, "StatusCode"))
        .and_then(|c| owned_attr(doc, c, "Value"));
    EnvelopeContent {
        issuer: xml::child(doc, response, SAML, "Issuer").map(|i| xml::text(doc, i)),
        status,
        destination: owned_attr(doc, response, "Destination"),
        in_response_to: owned_attr(doc, response, "InResponseTo"),
        issue_instant: owned_attr(doc, response, "IssueInstant"),
    }
}

/// Reads a verified Assertion. `key` decrypts an `EncryptedID` or `EncryptedAttribute`.
pub(crate) fn read_assertion(
    doc: &Document<'_>,
    assertion: NodeId,
    key: Option<&Key>,
    limits: &Limits,
) -> Result<AssertionContent, Rejection> {
    let mut content = AssertionContent {
        id: owned_attr(doc, assertion, "ID").ok_or(Rejection::Missing("Assertion ID"))?,
        issue_instant: owned_attr(doc, assertion, "IssueInstant")
            .ok_or(Rejection::Missing("Assertion IssueInstant"))?,
        issuer: exact_text(doc, one_child(doc, assertion, "Issuer")?, "Issuer")?,
        ..AssertionContent::default()
    };
    read_subject(
        doc,
        one_child(doc, assertion, "Subject")?,
        key,
        limits,
        &mut content,
    )?;

    match xml::children(doc, assertion, SAML, "Conditions").as_slice() {
        [] => {}
        [conditions] => {
            content.not_before = owned_attr(doc, *conditions, "NotBefore");
            content.not_on_or_after = owned_attr(doc, *conditions, "NotOnOrAfter");
            // SAML core §2.5.1: a condition the relying party does not understand makes the
            // assertion indeterminate, so it is refused. OneTimeUse holds (the broker consumes every
            // assertion once) and ProxyRestriction limits new assertions, which the broker never issues.
            for condition in xml::element_children(doc, *conditions) {
                let understood = ["AudienceRestriction", "OneTimeUse", "ProxyRestriction"]
                    .iter()
                    .any(|local| xml::is(doc, condition, SAML, local));
                if !understood {
                    // Each part clipped on its own, so a long name does not hide the type.
                    let mut name = xml::qualified_name(doc, condition);
                    if let Some(kind) = xsi_type(doc, condition) {
                        name.push_str(&format!(" of xsi:type {:?}", xml::clip(kind)));
                    }
                    return Err(Rejection::UnknownCondition(name));
                }
            }
            for restriction in xml::children(doc, *conditions, SAML, "AudienceRestriction") {
                let audiences = xml::children(doc, restriction, SAML, "Audience")
                    .into_iter()
                    .map(|a| xml::text(doc, a).trim().to_owned())
                    .collect();
                content.audience_restrictions.push(audiences);
            }
        }
        _ => {
            return Err(Rejection::Malformed {
                what: "Conditions",
                detail: "appears more than once".into(),
            })
        }
    }
    if let Some(authn) = xml::child(doc, assertion, SAML, "AuthnStatement") {
        content.session_index = owned_attr(doc, authn, "SessionIndex");
        content.session_not_on_or_after = owned_attr(doc, authn, "SessionNotOnOrAfter");
    }
    for statement in xml::children(doc, assertion, SAML, "AttributeStatement") {
        for attribute in xml::children(doc, statement, SAML, "Attribute") {
            read_attribute(doc, attribute, &mut content.attributes)?;
        }
        for encrypted in xml::children(doc, statement, SAML, "EncryptedAttribute") {
            // Inside the verified Assertion: a signature covers this ciphertext.
            let plain = super::decrypt::decrypt_container(doc, encrypted, key, limits, true)?;
            let inner = super::decrypt::parse_plaintext(&plain, limits)?;
            let attribute = decrypted_element(&inner, "Attribute")?;
            read_attribute(&inner, attribute, &mut content.attributes)?;
        }
    }
    Ok(content)
}

fn read_subject(
    doc: &Document<'_>,
    subject: NodeId,
    key: Option<&Key>,
    limits: &Limits,
    content: &mut AssertionContent,
) -> Result<(), Rejection> {
    let plain = xml::children(doc, subject, SAML, "NameID");
    let encrypted = xml::children(doc, subject, SAML, "EncryptedID");
    match (plain.as_slice(), encrypted.as_slice()) {
        ([name_id], []) => {
            content.name_id = exact_text(doc, *name_id, "NameID")?;
            content.name_id_format = owned_attr(doc, *name_id, "Format");
        }
        ([], [encrypted_id]) => {
            let plain = super::decrypt::decrypt_container(doc, *encrypted_id, key, limits, true)?;
            let inner = super::decrypt::parse_plaintext(&plain, limits)?;
            let name_id = decrypted_element(&inner, "NameID")?;
            content.name_id = exact_text(&inner, name_id, "NameID")?;
            content.name_id_format = owned_attr(&inner, name_id, "Format");
        }
        ([], []) => return Err(Rejection::Missing("Subject NameID")),
        _ => {
            return Err(Rejection::Malformed {
                what: "Subject",
                detail: "holds more than one NameID".into(),
            })
        }
    }
    if content.name_id.is_empty() {
        return Err(Rejection::Missing("Subject NameID value"));
    }
    for confirmation in xml::children(doc, subject, SAML, "SubjectConfirmation") {
        let data = xml::child(doc, confirmation, SAML, "SubjectConfirmationData");
        let data_attr = |name| data.and_then(|d| owned_attr(doc, d, name));
        content.confirmations.push(Confirmation {
            method: owned_attr(doc, confirmation, "Method").unwrap_or_default(),
            recipient: data_attr("Recipient"),
            not_before: data_attr("NotBefore"),
            not_on_or_after: data_attr("NotOnOrAfter"),
            in_response_to: data_attr("InResponseTo"),
        });
    }
    Ok(())
}

fn read_attribute(
    doc: &Document<'_>,
    attribute: NodeId,
    into: &mut BTreeMap<String, Vec<String>>,
) -> Result<(), Rejection> {
    let name = xml::attr(doc, attribute, "Name").ok_or(Rejection::Missing("Attribute Name"))?;
    let values = into.entry(name.to_owned()).or_default();
    for value in xml::children(doc, attribute, SAML, "AttributeValue") {
        values.push(xml::text(doc, value));
    }
    Ok(())
}

/// The single element a decrypted wrapper holds, which must be `saml:{local}`.
fn decrypted_element(inner: &Document<'_>, local: &'static str) -> Result<NodeId, Rejection> {
    let wrapper = inner
        .document_element()
        .ok_or_else(super::decrypt::failed)?;
    match xml::element_children(inner, wrapper).as_slice() {
        [one] if xml::is(inner, *one, SAML, local) => Ok(*one),
        _ => Err(super::decrypt::failed()),
    }
}
