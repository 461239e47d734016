//! XML-Enc for SAML's `EncryptedAssertion`, `EncryptedID` and `EncryptedAttribute`: we walk the
//! structure ourselves (SAML puts `EncryptedKey` either inside `EncryptedData/KeyInfo` or beside
//! it, which generic decryptors miss) and enforce the allow-list; bergshamra's audited primitives do
//! the cryptography. Only RSA-OAEP key transport is accepted: RSA PKCS#1 v1.5 in an online
//! decryptor is a padding oracle.

use super::document::{self, Prepared};
use super::policy::Limits;
use super::xml::{self, DSIG, XENC, XENC11};
use super::Rejection;
use base64::Engine as _;
use bergshamra::crypto::keytransport::{self, OaepParams};
use bergshamra::Key;
use uppsala::{Document, NodeId};

const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const RSA_OAEP_11: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
const CONTENT_ALGORITHMS: [&str; 6] = [
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2009/xmlenc11#aes192-gcm",
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
];

/// The one detail of every failure after the cryptography starts (key transport, padding, wrong
/// session key, plaintext that is not one SAML element): different answers for bad padding and bad
/// plaintext would be the shape of a padding oracle.
const FAILED: &str = "the SP key did not yield a SAML element from it";

/// The rejection for every decryption failure.
pub(crate) fn failed() -> Rejection {
    Rejection::DecryptionFailed(FAILED.into())
}

/// Parses decrypted plaintext with the document limits; any failure is [`failed`].
pub(crate) fn parse_plaintext<'a>(
    plain: &'a Prepared<'_>,
    limits: &Limits,
) -> Result<uppsala::Document<'a>, Rejection> {
    document::parse(plain, limits).map_err(|_| failed())
}

/// Name of the synthetic element that wraps decrypted plaintext so it parses with the namespace
/// declarations that were in scope where the ciphertext stood.
pub(crate) const WRAPPER: &str = "studiogate-decrypted";

/// Decrypts the `EncryptedData` inside `container` and returns an XML document, prepared: the plaintext
/// wrapped in a `<studiogate-decrypted>` element that re-declares the namespaces in scope at
/// `container`.
///
/// `ciphertext_signed` says whether a verified signature covers the ciphertext. AES-CBC is
/// malleable, so CBC ciphertext is decrypted only then: an attacker's altered ciphertext never
/// reaches the SP key. AES-GCM authenticates itself.
pub(crate) fn decrypt_container(
    doc: &Document<'_>,
    container: NodeId,
    key: Option<&Key>,
    limits: &Limits,
    ciphertext_signed: bool,
) -> Result<Prepared<'static>, Rejection> {
    let key = key.ok_or(Rejection::NoDecryptionKey)?;
    let data = match xml::children(doc, container, XENC, "EncryptedData").as_slice() {
        [one] => *one,
        other => {
            return Err(Rejection::DecryptionFailed(format!(
                "expected one EncryptedData, found {}",
                other.len()
            )))
        }
    };
    let content_uri = algorithm_of(doc, data)?;
    if !CONTENT_ALGORITHMS.contains(&content_uri.as_str()) {
        return Err(Rejection::UnsupportedEncryption(xml::clip(&content_uri)));
    }
    if content_uri.ends_with("-cbc") && !ciphertext_signed {
        return Err(Rejection::UnsignedCbcCiphertext);
    }
    let content_cipher = bergshamra::crypto::cipher::from_uri(&content_uri)
        .map_err(|e| Rejection::UnsupportedEncryption(e.to_string()))?;

    // EncryptedKey candidates: inside EncryptedData/KeyInfo, then beside EncryptedData.
    let mut candidates = Vec::new();
    if let Some(info) = xml::child(doc, data, DSIG, "KeyInfo") {
        candidates.extend(xml::children(doc, info, XENC, "EncryptedKey"));
    }
    candidates.extend(xml::children(doc, container, XENC, "EncryptedKey"));
    if candidates.is_empty() {
        return Err(Rejection::DecryptionFailed(
            "no EncryptedKey for the SP key".into(),
        ));
    }
    let private = key
        .software_key()
        .ok()
        .flatten()
        .ok_or_else(|| Rejection::DecryptionFailed("SP key is not a private key".into()))?;

    for encrypted_key in candidates {
        let transport_uri = algorithm_of(doc, encrypted_key)?;
        if transport_uri != RSA_OAEP_MGF1P && transport_uri != RSA_OAEP_11 {
            return Err(Rejection::UnsupportedEncryption(xml::clip(&transport_uri)));
        }
        let params = oaep_params(doc, encrypted_key)?;
        let transport = keytransport::from_uri_with_params(&transport_uri, params)
            .map_err(|e| Rejection::UnsupportedEncryption(e.to_string()))?;
        let wrapped = cipher_value(doc, encrypted_key)?;
        // An EncryptedKey for another recipient fails here: try the next one.
        let Ok(session_key) = transport.decrypt(&private, &wrapped) else {
            continue;
        };
        if session_key.len() != content_cipher.key_size() {
            continue;
        }
        let ciphertext = cipher_value(doc, data)?;
        let plaintext = content_cipher
            .decrypt(&session_key, &ciphertext)
            .map_err(|_| failed())?;
        let plaintext = String::from_utf8(plaintext).map_err(|_| failed())?;
        return wrap_plaintext(doc, container, &plaintext, limits).map_err(|_| failed());
    }
    Err(failed())
}

fn algorithm_of(doc: &Document<'_>, node: NodeId) -> Result<String, Rejection> {
    xml::child(doc, node, XENC, "EncryptionMethod")
        .and_then(|m| xml::attr(doc, m, "Algorithm"))
        .map(str::to_owned)
        .ok_or(Rejection::Missing("EncryptionMethod Algorithm"))
}

fn oaep_params(doc: &Document<'_>, encrypted_key: NodeId) -> Result<OaepParams, Rejection> {
    let Some(method) = xml::child(doc, encrypted_key, XENC, "EncryptionMethod") else {
        return Ok(OaepParams::default());
    };
    let digest_uri = xml::child(doc, method, DSIG, "DigestMethod")
        .and_then(|d| xml::attr(doc, d, "Algorithm"))
        .map(str::to_owned);
    let mgf_uri = xml::child(doc, method, XENC11, "MGF")
        .and_then(|d| xml::attr(doc, d, "Algorithm"))
        .map(str::to_owned);
    let oaep_params = match xml::child(doc, method, XENC, "OAEPparams") {
        Some(p) => Some(decode_b64(&xml::text(doc, p))?),
        None => None,
    };
    Ok(OaepParams {
        digest_uri,
        mgf_uri,
        oaep_params,
    })
}

fn cipher_value(doc: &Document<'_>, node: NodeId) -> Result<Vec<u8>, Rejection> {
    let value = xml::child(doc, node, XENC, "CipherData")
        .and_then(|d| xml::child(doc, d, XENC, "CipherValue"))
        .ok_or(Rejection::Missing("CipherData/CipherValue"))?;
    decode_b64(&xml::text(doc, value))
}

fn decode_b64(text: &str) -> Result<Vec<u8>, Rejection> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| Rejection::DecryptionFailed("CipherValue is not base64".into()))
}

/// Wraps plaintext for parsing. Without namespace declarations when it parses that way, so
/// inclusive canonicalization of a signed decrypted Assertion sees exactly the namespaces the IdP
/// signed; with those in scope at `container` when the plaintext relies on them. Prepared with
/// the document limits: plaintext is as hostile as the document it came in.
fn wrap_plaintext(
    doc: &Document<'_>,
    container: NodeId,
    plaintext: &str,
    limits: &Limits,
) -> Result<Prepared<'static>, Rejection> {
    let body = strip_xml_declaration(plaintext);
    let bare = format!("<{WRAPPER}>{body}</{WRAPPER}>");
    let prepared = document::prepare(&bare, limits)?.into_owned();
    if document::parse(&prepared, limits).is_ok() {
        return Ok(prepared);
    }
    let mut out = String::with_capacity(body.len() + 256);
    out.push('<');
    out.push_str(WRAPPER);
    for (prefix, uri) in xml::in_scope_namespaces(doc, container) {
        if prefix.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(&format!(" xmlns:{prefix}=\""));
        }
        out.push_str(&xml::escape_attr(&uri));
        out.push('"');
    }
    out.push('>');
    out.push_str(body);
    out.push_str("</");
    out.push_str(WRAPPER);
    out.push('>');
    document::prepare(&out, limits).map(Prepared::into_owned)
}

fn strip_xml_declaration(text: &str) -> &str {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("<?xml") {
        if let Some(end) = trimmed.find("?>") {
            return &trimmed[end + 2..];
        }
    }
    trimmed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_a_leading_xml_declaration_only() {
        assert_eq!(strip_xml_declaration("<?xml version=\"1.0\"?><a/>"), "<a/>");
        assert_eq!(
            strip_xml_declaration("<a><?xml-ish?></a>"),
            "<a><?xml-ish?></a>"
        );
    }

    #[test]
    fn refuses_without_a_key() {
        let doc = uppsala::parse("<c/>").unwrap();
        let root = doc.document_element().unwrap();
        assert_eq!(
            decrypt_container(&doc, root, None, &Limits::default(), true),
            Err(Rejection::NoDecryptionKey)
        );
    }
}
