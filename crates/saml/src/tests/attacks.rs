//! Regression tests named after the attacks they stop (issue 14's review findings and the fuzzing
//! campaign's). Each builds the hostile input from a validly signed response, so the test fails if
//! the defence goes, not because the input was broken some other way.

use super::{now, reason, signed, validator};
use crate::testkit::{self, ContentCipher, ResponseSpec, Signing};
use crate::{Rejection, SignedParts};

const SIGNATURE_ELEMENT: &str = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">";

/// The rejection of a document, with its detail.
fn rejection(xml: &str) -> Rejection {
    validator().validate_document(xml, now()).unwrap_err()
}

/// An Assertion for `spec` whose XML went through `edit` before it was signed.
fn assertion_signed_after(spec: &ResponseSpec, edit: impl Fn(String) -> String) -> String {
    let assertion = edit(spec.assertion_xml());
    let signed = testkit::sign_assertion(&assertion, &spec.assertion_id, &testkit::IDP);
    spec.response_xml(&signed)
}

#[test]
fn signature_flood_in_an_unsigned_response_is_refused_before_any_verification() {
    // 445 signatures, each verified over the whole document, cost ~10 s of CPU in a debug build.
    let spec = ResponseSpec::aws(now());
    // As many as fit under the size limit (the review's 445 did, in a larger template).
    let template = testkit::signature_template(&spec.response_id);
    let flood = template.repeat(150 * 1024 / template.len());
    let xml = testkit::insert_after_issuer(&spec.response_xml(&spec.assertion_xml()), 0, &flood);
    assert_eq!(
        rejection(&xml),
        Rejection::SignaturePolicy(
            "{urn:oasis:names:tc:SAML:2.0:protocol}Response carries more than one Signature; at most one per signed element".into()
        )
    );
}

#[test]
fn a_second_signature_beside_a_valid_one_is_refused() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    let at = xml.find(SIGNATURE_ELEMENT).unwrap();
    let end = xml[at..].find("</ds:Signature>").unwrap() + at + "</ds:Signature>".len();
    let doubled = format!("{}{}", &xml[..end], &xml[at..]);
    assert_eq!(reason(&doubled), "signature-policy");
}

#[test]
fn padded_name_id_is_refused_rather_than_read_as_another_user() {
    // Trimmed, a signed " admin@example.com" would read as admin@example.com.
    let spec = ResponseSpec {
        name_id: " admin@example.com".into(),
        ..ResponseSpec::aws(now())
    };
    assert_eq!(
        rejection(&signed(&spec, Signing::Assertion)),
        Rejection::PaddedValue {
            what: "NameID",
            value: " admin@example.com".into()
        }
    );
    let issuer = ResponseSpec {
        issuer: format!("{}\n", testkit::IDP_ENTITY_ID),
        ..ResponseSpec::aws(now())
    };
    assert_eq!(reason(&signed(&issuer, Signing::Assertion)), "padded-value");
}

#[test]
fn padded_role_session_name_is_refused_rather_than_trimmed() {
    let mut spec = ResponseSpec::aws(now());
    spec.attributes[1].1 = vec![" alice".into()];
    assert_eq!(
        reason(&signed(&spec, Signing::Assertion)),
        "invalid-aws-attribute"
    );
}

#[test]
fn literal_tab_in_a_signed_attribute_value_reads_as_the_space_a_conforming_parser_sees() {
    // Signed with a space; a literal tab in transit reads as that space (XML 1.0 §3.3.3), so the
    // signature still holds, as it does for xmlsec1.
    let claim = "https://idp.example.test/claims/display name";
    let mut spec = ResponseSpec::aws(now());
    spec.attributes.push((claim.into(), vec!["Alice".into()]));
    let xml = signed(&spec, Signing::Assertion);
    let with_tab = xml.replacen("display name", "display\tname", 1);
    assert_ne!(with_tab, xml);
    let verified = validator().validate_document(&with_tab, now()).unwrap();
    assert_eq!(verified.attributes[claim], ["Alice"]);
}

#[test]
fn literal_tab_replacing_a_signed_tab_reference_breaks_the_signature() {
    // Signed with a real tab (&#9;); a literal tab in its place reads as a space, which is not
    // what was signed: a conforming verifier refuses it, and so must the broker.
    let mut spec = ResponseSpec::aws(now());
    spec.attributes.push((
        "https://idp.example.test/claims/tab-HERE-name".into(),
        vec!["x".into()],
    ));
    let xml = assertion_signed_after(&spec, |a| a.replace("-HERE-", "&#9;"));
    let reference = ["&#9;", "&#x9;"]
        .into_iter()
        .find(|r| xml.contains(r))
        .expect("the signed document keeps the tab as a reference");
    assert_eq!(reason(&xml), "accepted");
    assert_eq!(
        reason(&xml.replacen(reference, "\t", 1)),
        "signature-invalid"
    );
}

#[test]
fn unsigned_response_with_cbc_ciphertext_is_not_decrypted() {
    // AES-CBC is malleable: decrypting an attacker's altered ciphertext is a padding oracle.
    let spec = ResponseSpec::aws(now());
    let signed_assertion =
        testkit::sign_assertion(&spec.assertion_xml(), &spec.assertion_id, &testkit::IDP);
    let encrypted = testkit::encrypt_assertion(
        &signed_assertion,
        &testkit::SP_ENCRYPTION,
        ContentCipher::Aes128Cbc,
    );
    let xml = spec.response_xml(&encrypted);
    assert_eq!(rejection(&xml), Rejection::UnsignedCbcCiphertext);
}

#[test]
fn every_decryption_failure_answers_alike() {
    let spec = ResponseSpec::aws(now());
    let signed_assertion =
        testkit::sign_assertion(&spec.assertion_xml(), &spec.assertion_id, &testkit::IDP);
    let gcm = spec.response_xml(&testkit::encrypt_assertion(
        &signed_assertion,
        &testkit::SP_ENCRYPTION,
        ContentCipher::Aes256Gcm,
    ));
    let value_at = gcm.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len() + 8;
    let flipped = if gcm.as_bytes()[value_at] == b'A' {
        "B"
    } else {
        "A"
    };
    let tampered = format!("{}{}{}", &gcm[..value_at], flipped, &gcm[value_at + 1..]);
    let for_someone_else = spec.response_xml(&testkit::encrypt_assertion(
        &signed_assertion,
        &testkit::ATTACKER,
        ContentCipher::Aes256Gcm,
    ));
    let garbage_plaintext = spec.response_xml(&testkit::encrypt_assertion(
        "not xml <",
        &testkit::SP_ENCRYPTION,
        ContentCipher::Aes256Gcm,
    ));
    let answers: Vec<Rejection> = [tampered, for_someone_else, garbage_plaintext]
        .iter()
        .map(|xml| rejection(xml))
        .collect();
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].reason_code(), "decryption-failed");
}

#[test]
fn unknown_condition_makes_the_assertion_invalid() {
    // SAML core §2.5.1: a relying party that does not understand a condition must not accept.
    let spec = ResponseSpec::aws(now());
    let custom = assertion_signed_after(&spec, |a| {
        a.replace(
            "</saml:AudienceRestriction>",
            "</saml:AudienceRestriction><saml:Condition xmlns:ex=\"urn:example\" xsi:type=\"ex:OnlyOnTuesdays\"/>",
        )
    });
    assert_eq!(
        rejection(&custom),
        Rejection::UnknownCondition(
            "{urn:oasis:names:tc:SAML:2.0:assertion}Condition of xsi:type \"ex:OnlyOnTuesdays\""
                .into()
        )
    );
    // A long element name does not hide the type.
    let long = assertion_signed_after(&spec, |a| {
        a.replace(
            "</saml:AudienceRestriction>",
            &format!(
                "</saml:AudienceRestriction><ex:{} xmlns:ex=\"urn:example\" xsi:type=\"ex:OnlyOnTuesdays\"/>",
                "C".repeat(300)
            ),
        )
    });
    match rejection(&long) {
        Rejection::UnknownCondition(named) => {
            assert!(
                named.ends_with("… of xsi:type \"ex:OnlyOnTuesdays\""),
                "{named}"
            )
        }
        other => panic!("{other:?}"),
    }
    let one_time_use = assertion_signed_after(&spec, |a| {
        a.replace(
            "</saml:AudienceRestriction>",
            "</saml:AudienceRestriction><saml:OneTimeUse/>",
        )
    });
    assert_eq!(reason(&one_time_use), "accepted");
}

#[test]
fn an_encoding_other_than_utf8_is_refused_not_misread() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    let latin1 = format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>{xml}");
    assert_eq!(reason(&latin1), "unsupported-document-encoding");
    let utf8 = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{xml}");
    assert_eq!(reason(&utf8), "accepted");
}

#[test]
fn empty_in_response_to_answers_no_request_and_counts_as_absent() {
    // samlify's IdP-initiated responses carry InResponseTo="".
    let empty = ResponseSpec {
        in_response_to: Some(String::new()),
        ..ResponseSpec::aws(now())
    };
    let verified = validator()
        .validate_document(&signed(&empty, Signing::Both), now())
        .unwrap();
    assert_eq!(
        verified.signed,
        SignedParts {
            response: true,
            assertion: true
        }
    );
    let answering = ResponseSpec {
        in_response_to: Some("_request-1".into()),
        ..ResponseSpec::aws(now())
    };
    assert_eq!(
        reason(&signed(&answering, Signing::Both)),
        "in-response-to-present"
    );
}

#[test]
fn attribute_and_namespace_floods_are_refused_before_parsing() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    let attributes: String = (0..2_000).map(|n| format!(" a{n}=\"\"")).collect();
    let flood = xml.replacen("<saml:Subject>", &format!("<saml:Subject{attributes}>"), 1);
    assert_eq!(reason(&flood), "xml-limit-exceeded");
    let declarations: String = (0..600)
        .map(|n| format!("<x xmlns:p{n}=\"urn:{n}\"/>"))
        .collect();
    let flood = xml.replacen(
        "<saml:Subject>",
        &format!("<saml:Subject>{declarations}"),
        1,
    );
    assert_eq!(reason(&flood), "xml-limit-exceeded");
}

#[test]
fn a_literal_cr_in_signed_text_reads_as_the_line_feed_that_was_signed() {
    // Found by the signed_mutation fuzz target (a harness expectation, not a defect): XML 1.0 §2.11
    // reads a literal CR as LF, in the signer as in the validator, so LF is what the digest covers.
    let mut spec = ResponseSpec::aws(now());
    spec.attributes[4].1 = vec!["ml\r\nengineers\r".into()];
    let verified = validator()
        .validate_document(&signed(&spec, Signing::Assertion), now())
        .unwrap();
    assert_eq!(verified.attributes["groups"], ["ml\nengineers\n"]);
}
