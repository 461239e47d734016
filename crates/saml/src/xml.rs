//! Small, explicit helpers over the uppsala DOM. Every lookup names a namespace: the SAML layer
//! never matches on prefixes or local names alone.

use uppsala::{Document, NodeId, NodeKind};

/// SAML 2.0 protocol namespace.
pub const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 assertion namespace.
pub const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// XML-DSig namespace.
pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XML-DSig 1.1 namespace.
pub const DSIG11: &str = "http://www.w3.org/2009/xmldsig11#";
/// XML-Enc namespace.
pub const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XML-Enc 1.1 namespace.
pub const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
/// SAML 2.0 metadata namespace.
pub const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";

/// True when `node` is an element named `{ns}local`.
pub fn is(doc: &Document<'_>, node: NodeId, ns: &str, local: &str) -> bool {
    doc.element(node)
        .is_some_and(|e| e.matches_name_ns(ns, local))
}

/// Direct element children named `{ns}local`, in document order.
pub fn children(doc: &Document<'_>, node: NodeId, ns: &str, local: &str) -> Vec<NodeId> {
    doc.child_elements_by_name_ns(node, ns, local)
}

/// The first direct element child named `{ns}local`.
pub fn child(doc: &Document<'_>, node: NodeId, ns: &str, local: &str) -> Option<NodeId> {
    doc.first_child_element_by_name_ns(node, ns, local)
}

/// All direct element children, whatever their name.
pub fn element_children(doc: &Document<'_>, node: NodeId) -> Vec<NodeId> {
    doc.children_iter(node)
        .filter(|c| doc.element(*c).is_some())
        .collect()
}

/// Every descendant element named `{ns}local`, in document order.
pub fn descendants(doc: &Document<'_>, node: NodeId, ns: &str, local: &str) -> Vec<NodeId> {
    doc.descendants(node)
        .into_iter()
        .filter(|d| is(doc, *d, ns, local))
        .collect()
}

/// An attribute (no namespace) of an element.
pub fn attr<'d>(doc: &'d Document<'_>, node: NodeId, name: &str) -> Option<&'d str> {
    doc.element(node).and_then(|e| {
        e.attributes
            .iter()
            .find(|a| a.name.namespace_uri.is_none() && a.name.local_name == name)
            .map(|a| a.value.as_ref())
    })
}

/// The whole text of an element: every text and CDATA descendant, concatenated. Comments and
/// processing instructions are skipped, never treated as terminators, so
/// `admin@example.com<!---->.evil.com` reads as `admin@example.com.evil.com` — exactly the string the
/// signature covered (CVE-2018-7340 class).
pub fn text(doc: &Document<'_>, node: NodeId) -> String {
    doc.text_content_deep(node)
}

/// `{namespace}local` of an element, for messages: clipped (see [`clip`]), as the names are the
/// sender's.
pub fn qualified_name(doc: &Document<'_>, node: NodeId) -> String {
    match doc.node_kind(node) {
        Some(NodeKind::Element(e)) => clip(&match &e.name.namespace_uri {
            Some(ns) => format!("{{{ns}}}{}", e.name.local_name),
            None => e.name.local_name.to_string(),
        }),
        _ => "(not an element)".to_owned(),
    }
}

/// Namespace declarations in scope at `node` (nearest declaration wins), as `(prefix, uri)`.
pub fn in_scope_namespaces(doc: &Document<'_>, node: NodeId) -> Vec<(String, String)> {
    let mut chain = vec![node];
    chain.extend(doc.ancestors(node));
    let mut seen: Vec<(String, String)> = Vec::new();
    for n in chain {
        if let Some(e) = doc.element(n) {
            for (prefix, uri) in &e.namespace_declarations {
                if !seen.iter().any(|(p, _)| p == prefix.as_ref()) {
                    seen.push((prefix.to_string(), uri.to_string()));
                }
            }
        }
    }
    seen
}

/// Escapes a string for use inside a double-quoted XML attribute.
pub fn escape_attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

/// Caps attacker-controlled text quoted in a message.
pub fn clip(value: &str) -> String {
    const MAX: usize = 160;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_across_comments_instead_of_truncating() {
        let doc = uppsala::parse("<n>admin@example.com<!-- x -->.evil.com</n>").unwrap();
        let root = doc.document_element().unwrap();
        assert_eq!(text(&doc, root), "admin@example.com.evil.com");
    }

    #[test]
    fn namespaced_lookups_ignore_prefixes_and_foreign_namespaces() {
        let xml = r#"<r xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:b="urn:other"><b:Issuer/><a:Issuer>x</a:Issuer></r>"#;
        let doc = uppsala::parse(xml).unwrap();
        let root = doc.document_element().unwrap();
        let found = children(&doc, root, SAML, "Issuer");
        assert_eq!(found.len(), 1);
        assert_eq!(text(&doc, found[0]), "x");
    }

    #[test]
    fn clip_bounds_long_values() {
        assert_eq!(clip("short"), "short");
        assert!(clip(&"a".repeat(500)).chars().count() <= 161);
    }
}
