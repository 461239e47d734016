//! The one way SAML XML is parsed: DTDs, entities and encodings other than UTF-8 refused; size,
//! depth, element, attribute and namespace-declaration counts bounded before the parser does any
//! work that grows faster than the input; line ends and attribute values normalised as XML 1.0
//! requires, so the digest covers what a conforming parser (the IdP's, xmlsec1) reads.

use super::policy::Limits;
use super::Rejection;
use std::borrow::Cow;
use uppsala::{Document, NodeKind, Parser};

/// Text that passed the checks that run before parsing, normalised as XML 1.0 requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared<'a> {
    text: Cow<'a, str>,
}

impl Prepared<'_> {
    /// The normalised text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The same, owning its text.
    pub fn into_owned(self) -> Prepared<'static> {
        Prepared {
            text: Cow::Owned(self.text.into_owned()),
        }
    }
}

/// The checks before parsing. Malformed input is a [`Rejection`], never a panic.
pub fn prepare<'a>(text: &'a str, limits: &Limits) -> Result<Prepared<'a>, Rejection> {
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
    let mut text = normalise_line_ends(text);
    let shape = scan(&text);
    if shape.depth > limits.max_depth {
        return Err(Rejection::XmlLimit {
            what: "nesting depth",
            limit: limits.max_depth,
        });
    }
    if shape.most_attributes > limits.max_attributes_per_element {
        return Err(Rejection::XmlLimit {
            what: "attributes per element",
            limit: limits.max_attributes_per_element,
        });
    }
    if shape.namespace_declarations > limits.max_namespace_declarations {
        return Err(Rejection::XmlLimit {
            what: "namespace declarations",
            limit: limits.max_namespace_declarations,
        });
    }
    if shape.longest_namespace_uri > limits.max_namespace_uri_bytes {
        return Err(Rejection::XmlLimit {
            what: "namespace name length",
            limit: limits.max_namespace_uri_bytes,
        });
    }
    if !shape.unnormalised_attribute_bytes.is_empty() {
        // XML 1.0 §3.3.3: a literal tab or line feed in an attribute value reads as a space (a
        // character reference keeps it). The parser keeps them, so they are replaced here, byte
        // for byte, at the offsets the scan found.
        let mut bytes = text.into_owned().into_bytes();
        for at in shape.unnormalised_attribute_bytes {
            bytes[at] = b' ';
        }
        text = Cow::Owned(String::from_utf8(bytes).expect("ASCII bytes replaced by ASCII"));
    }
    Ok(Prepared { text })
}

/// Parses prepared text: the parser with DTDs and entities off, then the element count and the
/// declared encoding.
pub fn parse<'a>(prepared: &'a Prepared<'_>, limits: &Limits) -> Result<Document<'a>, Rejection> {
    let parser = Parser::new()
        .with_forbid_dtd(true)
        .with_forbid_entities(true)
        .with_max_depth(u32::try_from(limits.max_depth).unwrap_or(u32::MAX))
        .with_max_entity_expansion(0);
    let doc = parser
        .parse(prepared.text())
        .map_err(|e| Rejection::MalformedXml(super::xml::clip(&e.to_string())))?;
    // The text is already UTF-8; a document that says otherwise was written for other bytes.
    if let Some(encoding) = doc
        .xml_declaration
        .as_ref()
        .and_then(|d| d.encoding.as_deref())
    {
        if !encoding.eq_ignore_ascii_case("UTF-8") {
            return Err(Rejection::UnsupportedDocumentEncoding(super::xml::clip(
                encoding,
            )));
        }
    }
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

/// XML 1.0 §2.11: `\r\n` and a lone `\r` read as `\n`, everywhere.
fn normalise_line_ends(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// What a linear scan of the markup finds. It reads only what it must (tags, their attributes,
/// comments, CDATA and processing instructions as opaque spans); where the text is not
/// well-formed it stops, and the parser refuses the document.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    depth: usize,
    most_attributes: usize,
    namespace_declarations: usize,
    /// The longest value of a namespace declaration, in bytes as written.
    longest_namespace_uri: usize,
    /// Offsets of literal tabs and line feeds inside attribute values.
    unnormalised_attribute_bytes: Vec<usize>,
}

fn scan(text: &str) -> Shape {
    let bytes = text.as_bytes();
    let find = |from: usize, needle: &str| text.get(from..)?.find(needle).map(|at| from + at);
    let mut shape = Shape::default();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &bytes[i..];
        let skip_past = |needle: &str| find(i, needle).map(|at| at + needle.len());
        let next = if rest.starts_with(b"<!--") {
            skip_past("-->")
        } else if rest.starts_with(b"<![CDATA[") {
            skip_past("]]>")
        } else if rest.starts_with(b"<?") {
            skip_past("?>")
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") {
            if rest.starts_with(b"</") {
                depth = depth.saturating_sub(1);
            }
            skip_past(">")
        } else {
            start_tag(bytes, i + 1, &mut shape, &mut depth)
        };
        match next {
            Some(at) => i = at,
            None => break,
        }
    }
    shape
}

/// Scans a start tag from just after its `<`; returns the offset after its `>`.
fn start_tag(bytes: &[u8], mut i: usize, shape: &mut Shape, depth: &mut usize) -> Option<usize> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' && bytes[i] != b'/' {
        i += 1;
    }
    let mut attributes = 0usize;
    loop {
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        match bytes.get(i)? {
            b'>' => {
                *depth += 1;
                shape.depth = shape.depth.max(*depth);
                return Some(i + 1);
            }
            b'/' => return (bytes.get(i + 1) == Some(&b'>')).then_some(i + 2),
            _ => {}
        }
        let name_start = i;
        while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'=' && bytes[i] != b'>' {
            i += 1;
        }
        let name = &bytes[name_start..i];
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let quote = *bytes.get(i).filter(|q| matches!(q, b'"' | b'\''))?;
        i += 1;
        let value_start = i;
        while *bytes.get(i)? != quote {
            if matches!(bytes[i], b'\t' | b'\n') {
                shape.unnormalised_attribute_bytes.push(i);
            }
            i += 1;
        }
        i += 1;
        attributes += 1;
        shape.most_attributes = shape.most_attributes.max(attributes);
        if name == b"xmlns" || name.starts_with(b"xmlns:") {
            shape.namespace_declarations += 1;
            // As written: character references only shorten it when read.
            let value = i - 1 - value_start;
            shape.longest_namespace_uri = shape.longest_namespace_uri.max(value);
        }
    }
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
