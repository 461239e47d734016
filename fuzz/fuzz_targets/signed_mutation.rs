//! Structure-aware: a validly signed response (Assertion, Response or both signed), changed by the
//! fuzzer either before signing (a field given any text, then signed: the IdP said exactly that) or
//! after (any text spliced in anywhere: the signature still says the original). The oracle: whatever
//! is accepted reads exactly what was signed — the fuzzer's text in the first case, the original
//! identity in the second. A difference is the class of bug behind CVE-2024-45409.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use studiogate_fuzz::{now, validator};
use studiogate_saml::testkit::{self, ResponseSpec, Signing};

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Field {
    NameId,
    Issuer,
    Recipient,
    Destination,
    Audience,
    InResponseTo,
    RoleSessionName,
    Group,
}

#[derive(Debug, Arbitrary)]
struct Input {
    field: Field,
    text: String,
    signing: u8,
    /// Sign after the change (the IdP said it), or splice `text` into the signed document.
    resign: bool,
    offset: u32,
}

fn signing(choice: u8) -> Signing {
    match choice % 3 {
        0 => Signing::Assertion,
        1 => Signing::Response,
        _ => Signing::Both,
    }
}

static SIGNED: LazyLock<[String; 3]> = LazyLock::new(|| {
    [0u8, 1, 2]
        .map(|c| testkit::signed_response(&ResponseSpec::aws(now()), signing(c), &testkit::IDP))
});

fn with_field(field: Field, text: &str) -> ResponseSpec {
    let mut spec = ResponseSpec::aws(now());
    match field {
        Field::NameId => spec.name_id = text.into(),
        Field::Issuer => spec.issuer = text.into(),
        Field::Recipient => spec.recipient = Some(text.into()),
        Field::Destination => spec.destination = Some(text.into()),
        Field::Audience => spec.audiences = vec![text.into()],
        Field::InResponseTo => spec.in_response_to = Some(text.into()),
        Field::RoleSessionName => spec.attributes[1].1 = vec![text.into()],
        Field::Group => spec.attributes[4].1 = vec![text.into()],
    }
    spec
}

/// XML 1.0 §2.2 Char: what an IdP can put in a document at all (the test kit's signer refuses the rest).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// What an XML processor reads from element text written as `text` (XML 1.0 §2.11: a CR, alone or
/// before LF, reads as LF). The test kit writes a field's text as is, so this is what was signed.
fn as_read(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fuzz_target!(|input: Input| {
    if input.resign && !input.text.chars().all(is_xml_char) {
        return;
    }
    if input.resign {
        let spec = with_field(input.field, &input.text);
        let xml = testkit::signed_response(&spec, signing(input.signing), &testkit::IDP);
        if let Ok(verified) = validator().validate_document(&xml, now()) {
            assert_eq!(verified.name_id, as_read(&spec.name_id), "NameID as signed");
            assert_eq!(verified.issuer, as_read(&spec.issuer), "Issuer as signed");
            let groups: Vec<String> = spec.attributes[4].1.iter().map(|g| as_read(g)).collect();
            assert_eq!(verified.attributes["groups"], groups, "groups as signed");
            assert_eq!(
                verified.aws.role_session_name,
                Some(as_read(&spec.attributes[1].1[0])),
                "RoleSessionName as signed"
            );
        }
    } else {
        let signed = &SIGNED[usize::from(input.signing % 3)];
        let mut at = input.offset as usize % (signed.len() + 1);
        while !signed.is_char_boundary(at) {
            at -= 1;
        }
        let xml = format!("{}{}{}", &signed[..at], input.text, &signed[at..]);
        if let Ok(verified) = validator().validate_document(&xml, now()) {
            let original = ResponseSpec::aws(now());
            assert_eq!(
                verified.name_id, original.name_id,
                "the signed NameID, whatever was spliced in"
            );
            assert_eq!(verified.issuer, original.issuer);
            assert_eq!(verified.attributes["groups"], original.attributes[4].1);
            assert_eq!(verified.aws.role_session_name.as_deref(), Some("alice"));
            assert_eq!(verified.aws.roles.len(), 1);
        }
    }
});
