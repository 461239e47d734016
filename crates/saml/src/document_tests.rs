//! The pre-parse checks and the hardened parse, as specs.

use super::*;

fn limits() -> Limits {
    Limits::default()
}

/// The verdict of preparing and parsing `text` with the default limits.
fn verdict(text: &str) -> Result<(), Rejection> {
    let prepared = prepare(text, &limits())?;
    parse(&prepared, &limits()).map(|_| ())
}

/// The document element's attribute `name`, as the validator will read it.
fn attribute_as_read(text: &str, name: &str) -> String {
    let prepared = prepare(text, &limits()).unwrap();
    let doc = parse(&prepared, &limits()).unwrap();
    let root = doc.document_element().unwrap();
    crate::xml::attr(&doc, root, name).unwrap().to_owned()
}

#[test]
fn rejects_doctype_and_entity_declarations() {
    let xxe =
        r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
    assert_eq!(verdict(xxe), Err(Rejection::DtdForbidden));
    let laughs =
        r#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><l>&lol2;</l>"#;
    assert_eq!(verdict(laughs), Err(Rejection::DtdForbidden));
}

#[test]
fn rejects_undeclared_entity_references() {
    let err = verdict("<r>&xxe;</r>").unwrap_err();
    assert_eq!(err.reason_code(), "malformed-xml");
}

#[test]
fn keeps_predefined_entities_and_character_references() {
    let prepared = prepare("<r>a&amp;b&#x41;</r>", &limits()).unwrap();
    let doc = parse(&prepared, &limits()).unwrap();
    let root = doc.document_element().unwrap();
    assert_eq!(doc.text_content_deep(root), "a&bA");
}

#[test]
fn rejects_documents_nested_past_the_depth_limit() {
    let deep = format!("{}{}", "<a>".repeat(60), "</a>".repeat(60));
    assert_eq!(
        verdict(&deep),
        Err(Rejection::XmlLimit {
            what: "nesting depth",
            limit: 48
        })
    );
}

#[test]
fn depth_is_not_fooled_by_markup_inside_comments_cdata_or_attribute_values() {
    let inner = "<a>".repeat(40);
    let text = format!("<r a=\"<b><b>\"><!--{inner}--><![CDATA[{inner}]]><?pi {inner}?></r>");
    assert_eq!(scan(&text).depth, 1);
}

#[test]
fn rejects_documents_with_too_many_elements() {
    let wide = format!("<r>{}</r>", "<e/>".repeat(6000));
    assert_eq!(
        verdict(&wide),
        Err(Rejection::XmlLimit {
            what: "element count",
            limit: 5000
        })
    );
}

#[test]
fn attribute_flood_is_refused_before_the_parser_checks_duplicates() {
    // ~27,000 attributes on one element cost the parser ~14 s of duplicate checks.
    let names: String = (0..27_000).map(|n| format!(" a{n}=\"\"")).collect();
    let flood = format!("<r{names}/>");
    let limits = Limits {
        max_decoded_bytes: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(
        prepare(&flood, &limits).err(),
        Some(Rejection::XmlLimit {
            what: "attributes per element",
            limit: 64
        })
    );
}

#[test]
fn a_namespace_name_past_the_limit_is_refused_before_parsing() {
    // One long name in scope of many elements: each element would copy it.
    let document = |name_bytes: usize| {
        let name = format!("urn:{}", "&#x61;".repeat(name_bytes / 6));
        format!("<r xmlns:x=\"{name}\">{}</r>", "<x:a/>".repeat(100))
    };
    assert_eq!(
        prepare(&document(1030), &limits()).err(),
        Some(Rejection::XmlLimit {
            what: "namespace name length",
            limit: 1024
        })
    );
    assert_eq!(verdict(&document(1014)), Ok(()));
}

#[test]
fn namespace_declaration_flood_is_refused_before_parsing() {
    let declarations: String = (0..14_000)
        .map(|n| format!("<e xmlns:p{n}=\"urn:{n}\"/>"))
        .collect();
    let flood = format!("<r>{declarations}</r>");
    let limits = Limits {
        max_decoded_bytes: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(
        prepare(&flood, &limits).err(),
        Some(Rejection::XmlLimit {
            what: "namespace declarations",
            limit: 512
        })
    );
}

#[test]
fn attribute_values_are_normalised_as_xml_1_0_section_3_3_3_requires() {
    // Literal tab, line feed, CR LF and CR each read as one space; references keep the character.
    let text = "<r v=\"a\tb\nc\r\nd\re\" k=\"x&#9;y&#10;z\"/>";
    assert_eq!(attribute_as_read(text, "v"), "a b c d e");
    assert_eq!(attribute_as_read(text, "k"), "x\ty\nz");
}

#[test]
fn line_ends_are_normalised_everywhere_as_xml_1_0_section_2_11_requires() {
    let prepared = prepare("<r>a\r\nb\rc</r>", &limits()).unwrap();
    assert_eq!(prepared.text(), "<r>a\nb\nc</r>");
    let untouched = prepare("<r>a\nb</r>", &limits()).unwrap();
    assert!(matches!(untouched.text, Cow::Borrowed(_)));
}

#[test]
fn an_encoding_other_than_utf8_is_refused() {
    assert_eq!(
        verdict("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>"),
        Err(Rejection::UnsupportedDocumentEncoding("ISO-8859-1".into()))
    );
    assert_eq!(
        verdict("<?xml version=\"1.0\" encoding=\"utf-8\"?><r/>"),
        Ok(())
    );
    assert_eq!(verdict("<?xml version=\"1.0\"?><r/>"), Ok(()));
}

#[test]
fn rejects_oversized_and_malformed_input_without_panicking() {
    let big = format!("<r>{}</r>", "x".repeat(200 * 1024));
    assert_eq!(
        verdict(&big).unwrap_err().reason_code(),
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
        "<a b='1",
        "<a b=1/>",
        "<a\t",
        "<!--",
    ] {
        assert_eq!(
            verdict(bad).unwrap_err().reason_code(),
            "malformed-xml",
            "{bad:?}"
        );
    }
}
