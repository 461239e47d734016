//! XML-DSig for SAML: a strict preflight of every `Signature` (the SAML signature profile plus our
//! allow-lists), then bergshamra verifies each one with pinned keys only, then we confirm each
//! verified Reference resolved to the very element the signature is enveloped in. The caller reads
//! only from elements this module returns.

use super::policy::SamlPolicy;
use super::xml::{self, DSIG};
use super::Rejection;
use bergshamra::{DsigContext, KeysManager, VerifyResult};
use uppsala::{Document, NodeId};

const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Exclusive and inclusive canonicalization (1.0 and 1.1), with or without comments.
const C14N_ALGORITHMS: [&str; 6] = [
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
];

/// A signature and the element it must sign (its parent, per the SAML signature profile).
#[derive(Debug, Clone, Copy)]
struct Site {
    signature: NodeId,
    signed_element: NodeId,
}

/// Checks every `ds:Signature` in the document against the SAML signature profile and the
/// allow-lists, then verifies them all. Returns the elements covered by a valid signature.
///
/// `signable` says which elements may carry a signature (the Response and the Assertion).
/// At most one signature per element. A document without signatures yields an empty list; any
/// signature that fails preflight or verification rejects the whole document: a broken signature is never ignored in favour of
/// another one.
pub(crate) fn verify_signatures(
    doc: &Document<'_>,
    keys: &KeysManager,
    policy: &SamlPolicy,
    signable: &dyn Fn(NodeId) -> bool,
) -> Result<Vec<NodeId>, Rejection> {
    let root = doc.root();
    let mut sites = Vec::new();
    for signature in xml::descendants(doc, root, DSIG, "Signature") {
        let site = preflight(doc, signature, policy, signable)?;
        // One signature per signed element, refused before any digest or RSA work: otherwise an
        // unsigned Response could carry hundreds, each verified over the whole document.
        if sites
            .iter()
            .any(|s: &Site| s.signed_element == site.signed_element)
        {
            return Err(policy_error(format!(
                "{} carries more than one Signature; at most one per signed element",
                xml::qualified_name(doc, site.signed_element)
            )));
        }
        sites.push(site);
    }
    if sites.is_empty() {
        return Ok(Vec::new());
    }
    let ctx = DsigContext::new(keys.clone());
    // Secure defaults, restated so a future default change cannot weaken us silently.
    debug_assert!(
        ctx.trusted_keys_only && ctx.strict_verification && ctx.require_reference_digests
    );
    let results = bergshamra::dsig::verify::verify_all_document_with_source(
        &ctx,
        doc,
        Some(doc.input_text()),
    )
    .map_err(|e| Rejection::SignatureInvalid(e.to_string()))?;
    if results.len() != sites.len() {
        return Err(Rejection::SignatureInvalid(format!(
            "verified {} signatures but the document holds {}",
            results.len(),
            sites.len()
        )));
    }
    let mut covered = Vec::with_capacity(sites.len());
    for result in results {
        match result {
            VerifyResult::Invalid { reason } => return Err(Rejection::SignatureInvalid(reason)),
            valid @ VerifyResult::Valid { .. } => {
                if !valid.all_reference_digests_verified() {
                    return Err(Rejection::SignatureInvalid(
                        "a Reference digest was not verified locally".into(),
                    ));
                }
                let VerifyResult::Valid {
                    signature_node,
                    references,
                    ..
                } = valid
                else {
                    unreachable!("matched Valid above")
                };
                let site = sites
                    .iter()
                    .find(|s| s.signature == signature_node)
                    .ok_or_else(|| {
                        Rejection::SignatureInvalid("verified an unexpected Signature".into())
                    })?;
                let resolved: Vec<_> = references.iter().map(|r| r.resolved_node).collect();
                if resolved != [Some(site.signed_element)] {
                    return Err(Rejection::SignaturePolicy(
                        "the signed Reference resolved to an element other than the signature's parent"
                            .into(),
                    ));
                }
                covered.push(site.signed_element);
            }
        }
    }
    Ok(covered)
}

fn policy_error(message: impl Into<String>) -> Rejection {
    Rejection::SignaturePolicy(message.into())
}

/// SAML core §5.4 plus our allow-lists, checked before any transform runs.
fn preflight(
    doc: &Document<'_>,
    signature: NodeId,
    policy: &SamlPolicy,
    signable: &dyn Fn(NodeId) -> bool,
) -> Result<Site, Rejection> {
    let parent = doc
        .parent(signature)
        .filter(|p| doc.element(*p).is_some())
        .ok_or_else(|| policy_error("a Signature has no parent element"))?;
    if !signable(parent) {
        return Err(policy_error(format!(
            "a Signature inside {} is not allowed; only the Response and the Assertion are signed",
            xml::qualified_name(doc, parent)
        )));
    }
    let parent_id = xml::attr(doc, parent, "ID")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| policy_error("the signed element has no ID attribute"))?;

    let parts = xml::element_children(doc, signature);
    let shape_ok = matches!(parts.len(), 2 | 3)
        && xml::is(doc, parts[0], DSIG, "SignedInfo")
        && xml::is(doc, parts[1], DSIG, "SignatureValue")
        && parts[2..].iter().all(|p| xml::is(doc, *p, DSIG, "KeyInfo"));
    if !shape_ok {
        // A hostile Signature may hold thousands of children: the message names a few.
        let first: Vec<String> = parts
            .iter()
            .take(4)
            .map(|p| xml::qualified_name(doc, *p))
            .collect();
        return Err(policy_error(format!(
            "Signature must hold SignedInfo, SignatureValue and optionally KeyInfo (ds:Object is refused); found {} elements, first {first:?}",
            parts.len()
        )));
    }
    let signed_info = parts[0];
    let info_parts = xml::element_children(doc, signed_info);
    let [c14n, method, references @ ..] = info_parts.as_slice() else {
        return Err(policy_error("SignedInfo is incomplete"));
    };
    if !xml::is(doc, *c14n, DSIG, "CanonicalizationMethod")
        || !xml::is(doc, *method, DSIG, "SignatureMethod")
    {
        return Err(policy_error(
            "SignedInfo must start with CanonicalizationMethod and SignatureMethod",
        ));
    }
    let c14n_uri = xml::attr(doc, *c14n, "Algorithm").unwrap_or_default();
    if !C14N_ALGORITHMS.contains(&c14n_uri) {
        return Err(policy_error(format!(
            "canonicalization {c14n_uri:?} is not allowed"
        )));
    }
    let method_uri = xml::attr(doc, *method, "Algorithm").unwrap_or_default();
    if !policy.allows_signature_uri(method_uri) {
        return Err(policy_error(format!(
            "signature algorithm {method_uri:?} is not in saml.signature_algorithms{}",
            if method_uri.ends_with("rsa-sha1") {
                " (RSA-SHA1 needs saml.allow_sha1 = true)"
            } else {
                ""
            }
        )));
    }
    if !xml::element_children(doc, *method).is_empty() {
        return Err(policy_error("SignatureMethod must not have parameters"));
    }
    let [reference] = references else {
        return Err(policy_error(format!(
            "SignedInfo must hold exactly one Reference, found {}",
            references.len()
        )));
    };
    if !xml::is(doc, *reference, DSIG, "Reference") {
        return Err(policy_error("SignedInfo holds an unexpected element"));
    }
    preflight_reference(doc, *reference, parent_id, policy)?;
    Ok(Site {
        signature,
        signed_element: parent,
    })
}

fn preflight_reference(
    doc: &Document<'_>,
    reference: NodeId,
    parent_id: &str,
    policy: &SamlPolicy,
) -> Result<(), Rejection> {
    let uri = xml::attr(doc, reference, "URI").unwrap_or_default();
    if uri != format!("#{parent_id}") {
        return Err(policy_error(format!(
            "Reference URI {:?} must be \"#{}\", the ID of the element the Signature is in",
            xml::clip(uri),
            xml::clip(parent_id)
        )));
    }
    let mut parts = xml::element_children(doc, reference).into_iter().peekable();
    if let Some(transforms) = parts.next_if(|p| xml::is(doc, *p, DSIG, "Transforms")) {
        let list = xml::element_children(doc, transforms);
        if list.is_empty() || list.len() > 2 {
            return Err(policy_error("Transforms must list one or two transforms"));
        }
        for transform in list {
            let algorithm = xml::attr(doc, transform, "Algorithm").unwrap_or_default();
            let allowed = xml::is(doc, transform, DSIG, "Transform")
                && (algorithm == ENVELOPED || C14N_ALGORITHMS.contains(&algorithm));
            if !allowed {
                return Err(policy_error(format!(
                    "transform {:?} is not allowed (only enveloped-signature and canonicalization)",
                    xml::clip(algorithm)
                )));
            }
            let params_ok = xml::element_children(doc, transform)
                .into_iter()
                .all(|p| xml::is(doc, p, EXC_C14N_NS, "InclusiveNamespaces"));
            if !params_ok {
                return Err(policy_error("a Transform carries unexpected parameters"));
            }
        }
    }
    let digest_method = parts
        .next()
        .filter(|p| xml::is(doc, *p, DSIG, "DigestMethod"))
        .ok_or_else(|| policy_error("Reference has no DigestMethod"))?;
    let digest_uri = xml::attr(doc, digest_method, "Algorithm").unwrap_or_default();
    if !policy.allows_digest_uri(digest_uri) {
        return Err(policy_error(format!(
            "digest algorithm {digest_uri:?} is not in saml.digest_algorithms{}",
            if digest_uri.ends_with("#sha1") {
                " (SHA-1 needs saml.allow_sha1 = true)"
            } else {
                ""
            }
        )));
    }
    let value_ok = parts
        .next()
        .is_some_and(|p| xml::is(doc, p, DSIG, "DigestValue"));
    if !value_ok || parts.next().is_some() {
        return Err(policy_error(
            "Reference must end with exactly one DigestValue",
        ));
    }
    Ok(())
}
