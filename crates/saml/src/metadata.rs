//! Importing an IdP's SAML metadata: its entity ID and signing certificates.

use crate::xml::{self, DSIG, MD};
use crate::Limits;
use base64::Engine as _;

/// What the broker takes from IdP metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    /// `entityID`.
    pub entity_id: String,
    /// DER certificates of `KeyDescriptor`s with `use="signing"` or no `use`.
    pub signing_certificates: Vec<Vec<u8>>,
    /// The `SingleSignOnService` with the HTTP-Redirect binding, where SP-initiated sign-in sends
    /// its AuthnRequest (the first, if several).
    pub sso_redirect_url: Option<String>,
}

/// Parses an `EntityDescriptor` (or an `EntitiesDescriptor` holding exactly one IdP).
pub fn parse_idp_metadata(text: &str) -> Result<IdpMetadata, String> {
    let limits = Limits {
        max_decoded_bytes: 4 * 1024 * 1024,
        max_elements: 100_000,
        max_namespace_declarations: 100_000,
        ..Limits::default()
    };
    let prepared =
        crate::prepare_document(text, &limits).map_err(|e| format!("metadata XML: {e}"))?;
    let doc =
        crate::parse_document(&prepared, &limits).map_err(|e| format!("metadata XML: {e}"))?;
    let root = doc.document_element().ok_or("empty metadata")?;
    let idps: Vec<_> = xml::descendants(&doc, doc.root(), MD, "EntityDescriptor")
        .into_iter()
        .filter(|e| xml::child(&doc, *e, MD, "IDPSSODescriptor").is_some())
        .collect();
    let entity = match idps.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "no EntityDescriptor with an IDPSSODescriptor under {}",
                xml::qualified_name(&doc, root)
            ))
        }
        many => {
            return Err(format!(
                "{} IdPs in the metadata; give the one to trust",
                many.len()
            ))
        }
    };
    let entity_id = xml::attr(&doc, entity, "entityID")
        .ok_or("EntityDescriptor has no entityID")?
        .to_owned();
    let descriptor =
        xml::child(&doc, entity, MD, "IDPSSODescriptor").ok_or("no IDPSSODescriptor")?;
    let mut signing_certificates = Vec::new();
    for key_descriptor in xml::children(&doc, descriptor, MD, "KeyDescriptor") {
        if xml::attr(&doc, key_descriptor, "use").is_some_and(|u| u != "signing") {
            continue;
        }
        for cert in xml::descendants(&doc, key_descriptor, DSIG, "X509Certificate") {
            let compact: String = xml::text(&doc, cert)
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map_err(|_| "X509Certificate is not base64".to_owned())?;
            signing_certificates.push(der);
        }
    }
    if signing_certificates.is_empty() {
        return Err("IDPSSODescriptor has no signing certificate".into());
    }
    let sso_redirect_url = xml::children(&doc, descriptor, MD, "SingleSignOnService")
        .into_iter()
        .find(|s| {
            xml::attr(&doc, *s, "Binding") == Some(crate::authn_request::HTTP_REDIRECT_BINDING)
        })
        .and_then(|s| xml::attr(&doc, s, "Location"))
        .map(str::to_owned);
    Ok(IdpMetadata {
        entity_id,
        signing_certificates,
        sso_redirect_url,
    })
}
