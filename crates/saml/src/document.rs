//! The one way SAML XML is parsed: DTDs and entities refused, depth and element count bounded.

use super::policy::Limits;
use super::Rejection;
use uppsala::{Document, NodeKind, Parser};

/// Parses `text` with every hygiene rule applied. Malformed input is a [`Rejection`], never a panic.
pub fn parse<'a>(text: &'a str, limits: &Limits) -> Result<Document<'a>, Rejection> {
    if text.len() > limits.max_decoded_bytes {
        return Err(Rejection::DecodedTooLarge {
            size: text.len(),
            limit: limits.max_decoded_bytes,
        });
    }
    // Refuse before the parser sees it: a DTD is never legitimate in SAML, and naming the reason
    // beats a generic parse error.
    if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
        return Err(Rejection::DtdForbidden);
    }
    if nesting_depth(text) > limits.max_depth {
        return Err(Rejection::XmlLimit {
            what: "nesting depth",
            limit: limits.max_depth,
        });
    }
    let parser = Parser::new()
        .with_forbid_dtd(true)
        .with_forbid_entities(true)
        .with_max_depth(u32::try_from(limits.max_depth).unwrap_or(u32::MAX))
        .with_max_entity_expansion(0);
    let doc = parser
        .parse(text)
        .map_err(|e| Rejection::MalformedXml(super::xml::clip(&e.to_string())))?;
    let elements = doc
        .descendants(doc.root())
        .into_iter()
        .filter(|n| matches!(doc.node_kind(*n), Some(NodeKind::Element(_))))
        .count();
    if elements > limits.max_elements {
        return Err(Rejection::XmlLimit {
            what: "element count",
            limit: limits.max_elements,
        });
    }
    Ok(doc)
}

/// An upper bound on element nesting, from a linear scan (so a hostile document cannot make the
/// parser recurse deeply before we know). Over-counts inside comments/CDATA, which only errs strict.
fn nesting_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            match bytes.get(i + 1) {
                Some(b'/') => depth = depth.saturating_sub(1),
                Some(b'?') | Some(b'!') => {}
                _ => {
                    // Self-closing tags do not nest.
                    let end = text[i..].find('>').map(|e| i + e).unwrap_or(bytes.len());
                    if end == 0 || bytes.get(end.wrapping_sub(1)) != Some(&b'/') {
                        depth += 1;
                        max = max.max(depth);
                    }
                    i = end;
                }
            }
        }
        i += 1;
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn rejects_doctype_and_entity_declarations() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert_eq!(parse(xxe, &limits()).err(), Some(Rejection::DtdForbidden));
        let laughs =
            r#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><l>&lol2;</l>"#;
        assert_eq!(
            parse(laughs, &limits()).err(),
            Some(Rejection::DtdForbidden)
        );
    }

    #[test]
    fn rejects_undeclared_entity_references() {
        let err = parse("<r>&xxe;</r>", &limits()).unwrap_err();
        assert_eq!(err.reason_code(), "malformed-xml");
    }

    #[test]
    fn keeps_predefined_entities_and_character_references() {
        let doc = parse("<r>a&amp;b&#x41;</r>", &limits()).unwrap();
        let root = doc.document_element().unwrap();
        assert_eq!(doc.text_content_deep(root), "a&bA");
    }

    #[test]
    fn rejects_documents_nested_past_the_depth_limit() {
        let deep = format!("{}{}", "<a>".repeat(60), "</a>".repeat(60));
        assert_eq!(
            parse(&deep, &limits()).err(),
            Some(Rejection::XmlLimit {
                what: "nesting depth",
                limit: 48
            })
        );
    }

    #[test]
    fn rejects_documents_with_too_many_elements() {
        let wide = format!("<r>{}</r>", "<e/>".repeat(6000));
        assert_eq!(
            parse(&wide, &limits()).err(),
            Some(Rejection::XmlLimit {
                what: "element count",
                limit: 5000
            })
        );
    }

    #[test]
    fn rejects_oversized_and_malformed_input_without_panicking() {
        let big = format!("<r>{}</r>", "x".repeat(200 * 1024));
        assert_eq!(
            parse(&big, &limits()).unwrap_err().reason_code(),
            "decoded-too-large"
        );
        for bad in [
            "",
            "<",
            "<a>",
            "<a></b>",
            "not xml",
            "<a b='1' b='2'/>",
            "\u{0}",
        ] {
            assert_eq!(
                parse(bad, &limits()).unwrap_err().reason_code(),
                "malformed-xml",
                "{bad:?}"
            );
        }
    }
}
