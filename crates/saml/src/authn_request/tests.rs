use super::*;
use crate::testkit;
use aws_lc_rs::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use time::macros::datetime;

fn request(destination: &str) -> AuthnRequest {
    AuthnRequest {
        id: RequestId::parse("_0123456789abcdef0123456789abcdef").unwrap(),
        issue_instant: datetime!(2026-12-02 10:00:00 UTC),
        destination: destination.into(),
        acs_url: "https://sso.example.test/saml/acs?a=1&b=2".into(),
        issuer: "urn:amazon:webservices".into(),
    }
}

fn signer() -> RequestSigner {
    crate::keys::request_signer(testkit::SP_ENCRYPTION.key_pem).unwrap()
}

/// The query's (name, value) pairs, decoded, and the raw query.
fn query_of(url: &str) -> (Vec<(String, String)>, String) {
    let (_, query) = url.rsplit_once('?').unwrap();
    let pairs = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    (pairs, query.to_owned())
}

fn inflate(encoded: &str) -> String {
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    String::from_utf8(miniz_oxide::inflate::decompress_to_vec(&deflated).unwrap()).unwrap()
}

#[test]
fn request_ids_are_128_random_bits_as_an_ncname_and_only_that_shape_parses() {
    let first = RequestId::random().unwrap();
    let second = RequestId::random().unwrap();
    assert_ne!(first, second);
    assert_eq!(first.as_str().len(), 33);
    assert_eq!(RequestId::parse(first.as_str()), Some(first));
    for bad in [
        "",
        "_",
        "0123456789abcdef0123456789abcdef0",
        "_0123456789ABCDEF0123456789abcdef",
        "_0123456789abcdef0123456789abcde",
        "_0123456789abcdef0123456789abcdef0",
        "id-0123456789abcdef0123456789abcd",
    ] {
        assert_eq!(RequestId::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn the_request_names_its_id_destination_acs_and_issuer_and_asks_for_a_post() {
    let xml = request("https://idp.example.test/sso").to_xml();
    let prepared = crate::prepare_document(&xml, &Default::default()).unwrap();
    let doc = crate::parse_document(&prepared, &Default::default()).unwrap();
    let root = doc.document_element().unwrap();
    assert!(crate::xml::is(
        &doc,
        root,
        crate::xml::SAMLP,
        "AuthnRequest"
    ));
    let attr = |name| crate::xml::attr(&doc, root, name).unwrap().to_owned();
    assert_eq!(attr("ID"), "_0123456789abcdef0123456789abcdef");
    assert_eq!(attr("Version"), "2.0");
    assert_eq!(attr("IssueInstant"), "2026-12-02T10:00:00Z");
    assert_eq!(attr("Destination"), "https://idp.example.test/sso");
    assert_eq!(
        attr("AssertionConsumerServiceURL"),
        "https://sso.example.test/saml/acs?a=1&b=2"
    );
    assert_eq!(attr("ProtocolBinding"), HTTP_POST_BINDING);
    let issuer = crate::xml::child(&doc, root, crate::xml::SAML, "Issuer").unwrap();
    assert_eq!(crate::xml::text(&doc, issuer), "urn:amazon:webservices");
}

#[test]
fn an_unsigned_redirect_carries_the_deflated_request_and_the_relay_state() {
    let request = request("https://idp.example.test/sso");
    let url = request.redirect_url(Some("sagemaker-ml"), None).unwrap();
    assert!(
        url.starts_with("https://idp.example.test/sso?SAMLRequest="),
        "{url}"
    );
    let (pairs, _) = query_of(&url);
    let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["SAMLRequest", "RelayState"]);
    assert_eq!(inflate(&pairs[0].1), request.to_xml());
    assert_eq!(pairs[1].1, "sagemaker-ml");
}

#[test]
fn a_signed_redirect_signs_the_query_as_sent_with_rsa_sha256() {
    // Okta's and Entra ID's SSO URLs carry their own query: the request is appended to it.
    let request = request("https://idp.example.test/app/sso?tenant=t1");
    let url = request
        .redirect_url(Some("sagemaker-ml"), Some(&signer()))
        .unwrap();
    assert!(
        url.starts_with("https://idp.example.test/app/sso?tenant=t1&SAMLRequest="),
        "{url}"
    );
    let (pairs, raw) = query_of(&url);
    let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["tenant", "SAMLRequest", "RelayState", "SigAlg", "Signature"]
    );
    assert_eq!(pairs[3].1, SIG_ALG_RSA_SHA256);
    let signature = base64::engine::general_purpose::STANDARD
        .decode(&pairs[4].1)
        .unwrap();
    // §3.4.4.1: the signed octets are the binding's own parameters, not the IdP URL's.
    let signed = &raw[raw.find("SAMLRequest=").unwrap()..raw.find("&Signature=").unwrap()];
    let public = UnparsedPublicKey::new(
        &RSA_PKCS1_2048_8192_SHA256,
        signer().public_key_der().to_vec(),
    );
    assert!(public.verify(signed.as_bytes(), &signature).is_ok());
    let altered = signed.replace("RelayState=sagemaker-ml", "RelayState=emr-iam");
    assert!(public.verify(altered.as_bytes(), &signature).is_err());
}

#[test]
fn without_relay_state_the_signature_covers_the_request_and_algorithm_only() {
    let url = request("https://idp.example.test/sso")
        .redirect_url(None, Some(&signer()))
        .unwrap();
    let (pairs, _) = query_of(&url);
    let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["SAMLRequest", "SigAlg", "Signature"]);
}

#[test]
fn the_issuer_and_urls_are_escaped() {
    let mut request = request("https://idp.example.test/sso?a=\"1\"&b=<2>");
    request.issuer = "urn:x:<a&b>".into();
    let xml = request.to_xml();
    assert!(
        xml.contains("Destination=\"https://idp.example.test/sso?a=&quot;1&quot;&amp;b=&lt;2>\""),
        "{xml}"
    );
    assert!(
        xml.contains("<saml:Issuer>urn:x:&lt;a&amp;b&gt;</saml:Issuer>"),
        "{xml}"
    );
}
