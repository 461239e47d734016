//! The validator's specification, one behaviour per test, clock pinned. `attacks` holds the
//! regression tests named after the attacks they stop.

mod attacks;

use super::testkit::{self, ContentCipher, ResponseSpec, Signing, TestKey};
use super::*;
use crate::keys::{pem_certificates, pinned_key_from_der};
use studiogate_kernel::clock::parse_instant;
use time::{Duration, OffsetDateTime};

fn now() -> OffsetDateTime {
    parse_instant("2026-03-01T12:00:00Z").unwrap()
}

fn settings() -> Settings {
    Settings {
        idp_entity_id: testkit::IDP_ENTITY_ID.into(),
        audiences: vec!["urn:amazon:webservices".into()],
        acs_urls: vec![testkit::ACS_URL.into()],
        // The ACS URL, and the AWS sign-in endpoints for the tests of the `*` pattern.
        recipients: std::iter::once(testkit::ACS_URL)
            .chain(crate::aws::AWS_SIGNIN_RECIPIENTS)
            .map(|s| s.to_string())
            .collect(),
        policy: SamlPolicy::default(),
    }
}

fn pinned(keys: &[TestKey]) -> Vec<bergshamra::Key> {
    keys.iter()
        .flat_map(|k| pem_certificates(k.cert_pem).unwrap())
        .map(|der| pinned_key_from_der(&der, 1024).unwrap())
        .collect()
}

fn validator_with(settings: Settings, keys: &[TestKey]) -> SamlValidator {
    let decryption =
        bergshamra::keys::loader::load_pem_auto(testkit::SP_ENCRYPTION.key_pem.as_bytes(), None)
            .unwrap();
    SamlValidator::new(settings, pinned(keys), Some(decryption))
}

fn validator() -> SamlValidator {
    validator_with(settings(), &[testkit::IDP])
}

fn signed(spec: &ResponseSpec, signing: Signing) -> String {
    testkit::signed_response(spec, signing, &testkit::IDP)
}

fn reason(xml: &str) -> &'static str {
    reason_with(&validator(), xml, now())
}

fn reason_with(v: &SamlValidator, xml: &str, at: OffsetDateTime) -> &'static str {
    match v.validate_document(xml, at) {
        Ok(_) => "accepted",
        Err(r) => r.reason_code(),
    }
}

#[test]
fn accepts_signed_assertion_and_reads_identity_and_aws_attributes() {
    let verified = validator()
        .validate_document(
            &signed(&ResponseSpec::aws(now()), Signing::Assertion),
            now(),
        )
        .unwrap();
    assert_eq!(verified.issuer, testkit::IDP_ENTITY_ID);
    assert_eq!(verified.name_id, "alice@example.com");
    assert_eq!(
        verified.name_id_format.as_deref(),
        Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    );
    assert_eq!(verified.assertion_id, "_assert-9a8b7c");
    assert_eq!(
        verified.session_index.as_deref(),
        Some("_assert-9a8b7c-session")
    );
    assert_eq!(verified.not_on_or_after, now() + Duration::minutes(5));
    assert_eq!(
        verified.aws.roles[0].role_arn,
        "arn:aws:iam::111122223333:role/StudioUser"
    );
    assert_eq!(
        verified.aws.roles[0].provider_arn,
        "arn:aws:iam::111122223333:saml-provider/TestIdP"
    );
    assert_eq!(verified.aws.role_session_name.as_deref(), Some("alice"));
    assert_eq!(verified.aws.session_duration, Some(3600));
    assert_eq!(
        verified
            .aws
            .principal_tags
            .get("studiouserid")
            .map(String::as_str),
        Some("alice")
    );
    assert_eq!(
        verified.attributes["groups"],
        vec!["ml-engineers", "everyone"]
    );
    assert_eq!(
        verified.signed,
        SignedParts {
            response: false,
            assertion: true
        }
    );
}

#[test]
fn accepts_response_signature_covering_the_assertion() {
    let verified = validator()
        .validate_document(&signed(&ResponseSpec::aws(now()), Signing::Response), now())
        .unwrap();
    assert_eq!(
        verified.signed,
        SignedParts {
            response: true,
            assertion: false
        }
    );
    assert_eq!(verified.name_id, "alice@example.com");
}

#[test]
fn accepts_response_and_assertion_both_signed() {
    let verified = validator()
        .validate_document(&signed(&ResponseSpec::aws(now()), Signing::Both), now())
        .unwrap();
    assert_eq!(
        verified.signed,
        SignedParts {
            response: true,
            assertion: true
        }
    );
}

#[test]
fn rejects_unsigned_response() {
    assert_eq!(
        reason(&signed(&ResponseSpec::aws(now()), Signing::None)),
        "assertion-not-signed"
    );
}

#[test]
fn rejects_assertion_signed_by_untrusted_key() {
    let xml = testkit::signed_response(
        &ResponseSpec::aws(now()),
        Signing::Assertion,
        &testkit::ATTACKER,
    );
    assert_eq!(reason(&xml), "signature-invalid");
}

#[test]
fn never_trusts_a_certificate_embedded_in_key_info() {
    let spec = ResponseSpec::aws(now());
    let cert_b64: String = testkit::ATTACKER
        .cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let template = testkit::signature_template(&spec.assertion_id).replace(
        "</ds:SignatureValue>",
        &format!("</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"),
    );
    let assertion = testkit::sign_first_template(
        &testkit::insert_after_issuer(&spec.assertion_xml(), 0, &template),
        &testkit::ATTACKER,
    );
    assert_eq!(reason(&spec.response_xml(&assertion)), "signature-invalid");
}

#[test]
fn accepts_any_pinned_certificate_during_rollover() {
    let xml = testkit::signed_response(
        &ResponseSpec::aws(now()),
        Signing::Assertion,
        &testkit::IDP_NEXT,
    );
    assert_eq!(reason(&xml), "signature-invalid");
    let both = validator_with(settings(), &[testkit::IDP, testkit::IDP_NEXT]);
    assert_eq!(reason_with(&both, &xml, now()), "accepted");
}

#[test]
fn accepts_ecdsa_p256_signatures() {
    let spec = ResponseSpec::aws(now());
    let assertion = testkit::sign_assertion_with(
        &spec.assertion_xml(),
        &spec.assertion_id,
        &testkit::IDP_EC,
        SignatureAlgorithm::EcdsaSha256.uri(),
        DigestAlgorithm::Sha256.uri(),
    );
    let v = validator_with(settings(), &[testkit::IDP_EC]);
    assert_eq!(
        reason_with(&v, &spec.response_xml(&assertion), now()),
        "accepted"
    );
}

#[test]
fn rejects_content_changed_after_signing() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion)
        .replace("alice@example.com", "admin@example.com");
    assert_eq!(reason(&xml), "signature-invalid");
}

#[test]
fn reads_name_id_whole_when_a_comment_splits_it() {
    let mut spec = ResponseSpec::aws(now());
    spec.name_id = "PLACEHOLDER".into();
    let assertion = spec
        .assertion_xml()
        .replace("PLACEHOLDER", "admin@example.com<!-- c -->.evil.com");
    let signed_assertion = testkit::sign_assertion(&assertion, &spec.assertion_id, &testkit::IDP);
    let verified = validator()
        .validate_document(&spec.response_xml(&signed_assertion), now())
        .unwrap();
    assert_eq!(verified.name_id, "admin@example.com.evil.com");
}

#[test]
fn rejects_a_second_injected_assertion() {
    let spec = ResponseSpec::aws(now());
    let good = testkit::sign_assertion(&spec.assertion_xml(), &spec.assertion_id, &testkit::IDP);
    let mut evil = spec.clone();
    evil.assertion_id = "_evil".into();
    evil.name_id = "admin@example.com".into();
    let xml = spec.response_xml(&format!("{}{}", evil.assertion_xml(), good));
    assert_eq!(reason(&xml), "assertion-count");
}

#[test]
fn rejects_signed_assertion_wrapped_inside_an_unsigned_one() {
    // XSW: the signed original hides in the attacker's assertion; the attacker's assertion is the child.
    let spec = ResponseSpec::aws(now());
    let good = testkit::sign_assertion(&spec.assertion_xml(), &spec.assertion_id, &testkit::IDP);
    let mut evil = spec.clone();
    evil.assertion_id = "_evil".into();
    evil.name_id = "admin@example.com".into();
    let wrapped = evil.assertion_xml().replace(
        "</saml:Issuer>",
        &format!("</saml:Issuer><saml:Advice>{good}</saml:Advice>"),
    );
    assert_eq!(reason(&spec.response_xml(&wrapped)), "assertion-count");
}

#[test]
fn rejects_sha1_unless_configured() {
    // aws-lc-rs verifies RSA-SHA1 but will not sign with it, so this assertion was signed by an
    // independent implementation: `xmlsec1 --sign --privkey-pem testdata/keys/idp-key.pem
    // --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion` over the test kit's template
    // (`signature_template_with(RsaSha1, Sha1)` in `ResponseSpec::aws(now())`'s assertion).
    let spec = ResponseSpec::aws(now());
    let xml = spec.response_xml(include_str!("rsa-sha1-assertion.xml"));
    assert_eq!(reason(&xml), "signature-policy");
    let mut legacy = settings();
    legacy.policy = legacy.policy.with_sha1();
    assert_eq!(
        reason_with(&validator_with(legacy, &[testkit::IDP]), &xml, now()),
        "accepted"
    );
}

#[test]
fn rejects_signed_info_outside_the_profile_before_verifying() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    let xpath = xml.replace(
        "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
        "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>1</ds:XPath></ds:Transform>",
    );
    assert_eq!(reason(&xpath), "signature-policy");
    let other_target = xml.replace("URI=\"#_assert-9a8b7c\"", "URI=\"#_resp-7f1c2d\"");
    assert_eq!(reason(&other_target), "signature-policy");
    let whole_document = xml.replace("URI=\"#_assert-9a8b7c\"", "URI=\"\"");
    assert_eq!(reason(&whole_document), "signature-policy");
    let second_reference = xml.replacen("</ds:SignedInfo>", "<ds:Reference URI=\"#x\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo>", 1);
    assert_eq!(reason(&second_reference), "signature-policy");
    let object = xml.replacen(
        "</ds:SignatureValue>",
        "</ds:SignatureValue><ds:Object/>",
        1,
    );
    assert_eq!(reason(&object), "signature-policy");
    let md5 = xml.replace(
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmldsig-more#md5",
    );
    assert_eq!(reason(&md5), "signature-policy");
}

#[test]
fn an_unsigned_envelope_dated_past_the_representable_is_malformed_not_a_panic() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    let (head, rest) = xml.split_once("IssueInstant=\"").unwrap();
    let (_, tail) = rest.split_once('"').unwrap();
    for instant in ["9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59Z"] {
        let far = format!("{head}IssueInstant=\"{instant}\"{tail}");
        assert_eq!(reason(&far), "malformed-value", "{instant}");
    }
}

#[test]
fn a_signature_stuffed_with_children_is_refused_with_a_message_of_bounded_size() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    // The longest namespace name the limits allow, in scope of 3000 extra children: naming each
    // in the message would take 3 MB (and 750 MB at the size limit with a longer name).
    let name = format!("urn:{}", "n".repeat(1000));
    let stuffed = xml
        .replacen(
            "<ds:Signature",
            &format!("<ds:Signature xmlns:x=\"{name}\""),
            1,
        )
        .replacen(
            "</ds:SignatureValue>",
            &format!("</ds:SignatureValue>{}", "<x:a/>".repeat(3000)),
            1,
        );
    match validator().validate_document(&stuffed, now()) {
        Err(Rejection::SignaturePolicy(message)) => {
            assert!(message.len() < 1000, "{} bytes", message.len());
            assert!(message.contains("found 3002 elements, first"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rejects_a_signature_placed_outside_the_response_and_assertion() {
    let spec = ResponseSpec::aws(now());
    let xml = signed(&spec, Signing::Assertion).replace(
        "<samlp:Status>",
        &format!(
            "<samlp:Extensions>{}</samlp:Extensions><samlp:Status>",
            testkit::signature_template("_x")
        ),
    );
    assert_eq!(reason(&xml), "signature-policy");
}

#[test]
fn checks_issuer_status_destination_audience_and_recipient() {
    type Mutation = Box<dyn Fn(&mut ResponseSpec)>;
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "issuer-mismatch",
            Box::new(|s| s.issuer = "https://evil.example/idp".into()),
        ),
        (
            "status-not-success",
            Box::new(|s| s.status = "urn:oasis:names:tc:SAML:2.0:status:Requester".into()),
        ),
        (
            "destination-mismatch",
            Box::new(|s| s.destination = Some("https://other.example/acs".into())),
        ),
        ("destination-mismatch", Box::new(|s| s.destination = None)),
        (
            "audience-mismatch",
            Box::new(|s| s.audiences = vec!["https://other-sp".into()]),
        ),
        (
            "recipient-mismatch",
            Box::new(|s| s.recipient = Some("https://other-sp.example/saml/acs".into())),
        ),
        ("recipient-mismatch", Box::new(|s| s.recipient = None)),
        (
            "no-bearer-confirmation",
            Box::new(|s| {
                s.confirmation_method = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key".into()
            }),
        ),
        (
            "in-response-to-present",
            Box::new(|s| s.in_response_to = Some("_req1".into())),
        ),
        (
            "invalid-aws-attribute",
            Box::new(|s| {
                s.attributes
                    .push((aws::SESSION_DURATION.into(), vec!["99999".into()]))
            }),
        ),
    ];
    for (expected, mutate) in cases {
        let mut spec = ResponseSpec::aws(now());
        mutate(&mut spec);
        assert_eq!(reason(&signed(&spec, Signing::Both)), expected);
    }
}

#[test]
fn accepts_regional_sign_in_recipient_and_tolerates_in_response_to_when_configured() {
    let mut spec = ResponseSpec::aws(now());
    spec.recipient = Some("https://eu-central-1.signin.aws.amazon.com/saml".into());
    spec.in_response_to = Some("_req1".into());
    let xml = signed(&spec, Signing::Assertion);
    let mut tolerant = settings();
    tolerant.policy.allow_in_response_to = true;
    assert_eq!(
        reason_with(&validator_with(tolerant, &[testkit::IDP]), &xml, now()),
        "accepted"
    );
}

#[test]
fn names_the_answered_request_from_signed_content_only_and_refuses_two() {
    let mut solicited = settings();
    solicited.policy.allow_in_response_to = true;
    let v = validator_with(solicited, &[testkit::IDP]);
    let mut spec = ResponseSpec::aws(now());
    spec.in_response_to = Some("_req1".into());
    let verified = v
        .validate_document(&signed(&spec, Signing::Both), now())
        .unwrap();
    assert_eq!(verified.in_response_to.as_deref(), Some("_req1"));

    // Only the Assertion signed: the Response's InResponseTo (the first) can be changed, and then
    // names another request than the signed SubjectConfirmationData.
    let xml = signed(&spec, Signing::Assertion);
    let altered = xml.replacen("InResponseTo=\"_req1\"", "InResponseTo=\"_req2\"", 1);
    assert_eq!(reason_with(&v, &altered, now()), "in-response-to-mismatch");

    // An unsigned Response's InResponseTo alone names no request: the assertion stays unsolicited.
    let unsolicited = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    let added = unsolicited.replacen(
        "<samlp:Response ",
        "<samlp:Response InResponseTo=\"_req3\" ",
        1,
    );
    assert_eq!(
        v.validate_document(&added, now()).unwrap().in_response_to,
        None
    );
    let unsolicited = v
        .validate_document(&signed(&ResponseSpec::aws(now()), Signing::Both), now())
        .unwrap();
    assert_eq!(unsolicited.in_response_to, None);
}

#[test]
fn enforces_time_window_with_clock_skew() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    let v = validator();
    let end = now() + Duration::minutes(5);
    assert_eq!(
        reason_with(&v, &xml, end + Duration::seconds(179)),
        "accepted"
    );
    assert_eq!(
        reason_with(&v, &xml, end + Duration::seconds(180)),
        "expired"
    );
    // IssueInstant (now) is later than NotBefore (now - 5 s), so it bounds the start.
    assert_eq!(
        reason_with(&v, &xml, now() - Duration::seconds(180)),
        "accepted"
    );
    assert_eq!(
        reason_with(&v, &xml, now() - Duration::seconds(181)),
        "not-yet-valid"
    );
}

#[test]
fn rejects_issue_instant_older_than_the_maximum_age() {
    let mut spec = ResponseSpec::aws(now() - Duration::minutes(30));
    spec.not_on_or_after = now() + Duration::minutes(5);
    assert_eq!(reason(&signed(&spec, Signing::Assertion)), "too-old");
}

#[test]
fn rejects_expired_subject_confirmation_even_if_conditions_are_valid() {
    let spec = ResponseSpec::aws(now());
    let xml = spec.assertion_xml().replacen(
        &format!(
            "SubjectConfirmationData NotOnOrAfter=\"{}\"",
            studiogate_kernel::clock::format_instant(spec.not_on_or_after)
        ),
        &format!(
            "SubjectConfirmationData NotOnOrAfter=\"{}\"",
            studiogate_kernel::clock::format_instant(now() - Duration::minutes(10))
        ),
        1,
    );
    let assertion = testkit::sign_assertion(&xml, &spec.assertion_id, &testkit::IDP);
    assert_eq!(reason(&spec.response_xml(&assertion)), "expired");
}

#[test]
fn decrypts_encrypted_assertions_then_applies_every_check() {
    // AES-GCM under the Assertion's signature alone; AES-CBC only in a signed Response.
    for (cipher, sign_response) in [
        (ContentCipher::Aes256Gcm, false),
        (ContentCipher::Aes128Cbc, true),
    ] {
        let spec = ResponseSpec::aws(now());
        let signed_assertion =
            testkit::sign_assertion(&spec.assertion_xml(), &spec.assertion_id, &testkit::IDP);
        let mut xml = spec.response_xml(&testkit::encrypt_assertion(
            &signed_assertion,
            &testkit::SP_ENCRYPTION,
            cipher,
        ));
        if sign_response {
            xml = testkit::sign_response(&xml, &spec.response_id, &testkit::IDP);
        }
        let verified = validator().validate_document(&xml, now()).unwrap();
        assert!(verified.encrypted);
        assert_eq!(verified.name_id, "alice@example.com");
        assert_eq!(
            verified.signed,
            SignedParts {
                response: sign_response,
                assertion: true
            }
        );
        // The decrypted assertion still faces the time checks.
        assert_eq!(
            reason_with(&validator(), &xml, now() + Duration::hours(1)),
            "expired"
        );
    }
}

#[test]
fn rejects_encrypted_assertion_that_is_not_signed_inside_or_outside() {
    let spec = ResponseSpec::aws(now());
    let xml = spec.response_xml(&testkit::encrypt_assertion(
        &spec.assertion_xml(),
        &testkit::SP_ENCRYPTION,
        ContentCipher::Aes256Gcm,
    ));
    assert_eq!(reason(&xml), "assertion-not-signed");
}

#[test]
fn rejects_encrypted_assertion_without_a_key_or_with_rsa_pkcs1_v15() {
    let spec = ResponseSpec::aws(now());
    let signed_assertion =
        testkit::sign_assertion(&spec.assertion_xml(), &spec.assertion_id, &testkit::IDP);
    let xml = spec.response_xml(&testkit::encrypt_assertion(
        &signed_assertion,
        &testkit::SP_ENCRYPTION,
        ContentCipher::Aes256Gcm,
    ));
    let keyless = SamlValidator::new(settings(), pinned(&[testkit::IDP]), None);
    assert_eq!(reason_with(&keyless, &xml, now()), "no-decryption-key");
    let pkcs1 = xml.replace("xmlenc#rsa-oaep-mgf1p", "xmlenc#rsa-1_5");
    assert_eq!(reason(&pkcs1), "unsupported-encryption");
}

#[test]
fn rejects_hostile_documents_with_a_reason_not_a_panic() {
    assert_eq!(
        reason("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>"),
        "dtd-forbidden"
    );
    assert_eq!(
        reason("<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">"),
        "malformed-xml"
    );
    assert_eq!(reason("<foo/>"), "not-a-response");
    let spec = ResponseSpec::aws(now());
    assert_eq!(reason(&spec.response_xml("")), "assertion-count");
}

#[test]
fn validates_the_post_binding_and_carries_relay_state() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    let body = testkit::post_body(&xml, Some("sagemaker-prod"));
    let posted = validator().validate_post(&body, now()).unwrap();
    assert_eq!(posted.relay_state.as_deref(), Some("sagemaker-prod"));
    assert_eq!(posted.saml_response, testkit::encode(&xml));
    assert_eq!(posted.assertion.name_id, "alice@example.com");
    assert_eq!(
        validator()
            .validate_post(b"SAMLResponse=%%%", now())
            .unwrap_err()
            .reason_code(),
        "invalid-base64"
    );
}

#[test]
fn reports_every_failed_condition_for_inspection() {
    let mut spec = ResponseSpec::aws(now());
    spec.audiences = vec!["https://other-sp".into()];
    spec.destination = Some("https://other.example/acs".into());
    let assessment = validator().assess_document(&signed(&spec, Signing::Assertion), now());
    let failed: Vec<_> = assessment
        .report
        .checks()
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name)
        .collect();
    assert_eq!(failed, vec!["destination", "audience"]);
    assert_eq!(
        assessment.rejection.map(|r| r.reason_code()),
        Some("destination-mismatch")
    );
    assert_eq!(
        assessment.assertion.map(|a| a.name_id).as_deref(),
        Some("alice@example.com")
    );
}

#[test]
fn rejects_a_response_or_assertion_that_is_not_saml_2_0() {
    let xml = signed(&ResponseSpec::aws(now()), Signing::Assertion);
    let old_response = xml.replacen("Version=\"2.0\"", "Version=\"1.1\"", 1);
    assert_eq!(reason(&old_response), "malformed-value");
    let spec = ResponseSpec::aws(now());
    let assertion = spec.assertion_xml().replace("Version=\"2.0\"", "");
    let signed_assertion = testkit::sign_assertion(&assertion, &spec.assertion_id, &testkit::IDP);
    assert_eq!(
        reason(&spec.response_xml(&signed_assertion)),
        "missing-element"
    );
}
