//! Test-only: builds SAML Responses from a spec and signs or encrypts them with the keys in
//! `testdata/keys`. Compiled only with the `testkit` feature (tests and benchmarks).

use crate::xml::escape_attr;
use bergshamra::{DsigContext, KeysManager};
use studiogate_kernel::clock::format_instant;
use time::{Duration, OffsetDateTime};

/// A test key pair, PEM.
#[derive(Debug, Clone, Copy)]
pub struct TestKey {
    /// Private key, PEM.
    pub key_pem: &'static str,
    /// Self-signed certificate, PEM.
    pub cert_pem: &'static str,
}

macro_rules! test_key {
    ($name:literal) => {
        TestKey {
            key_pem: include_str!(concat!("../../../testdata/keys/", $name, "-key.pem")),
            cert_pem: include_str!(concat!("../../../testdata/keys/", $name, "-cert.pem")),
        }
    };
}

/// The test IdP's RSA-2048 key.
pub const IDP: TestKey = test_key!("idp");
/// A second IdP key (rollover).
pub const IDP_NEXT: TestKey = test_key!("idp-next");
/// An ECDSA P-256 IdP key.
pub const IDP_EC: TestKey = test_key!("idp-ec");
/// A key nobody trusts.
pub const ATTACKER: TestKey = test_key!("attacker");
/// An RSA-1024 key.
pub const WEAK: TestKey = test_key!("weak");
/// The SP's encryption key.
pub const SP_ENCRYPTION: TestKey = test_key!("sp-encryption");

/// Test IdP entity ID.
pub const IDP_ENTITY_ID: &str = "https://idp.example.test/saml";
/// Test ACS URL.
pub const ACS_URL: &str = "https://sso.example.test/saml/acs";
/// The bearer Recipient test responses carry: the ACS URL, as the broker's IdP setup has it.
pub const RECIPIENT: &str = ACS_URL;
/// A role pair value.
pub const ROLE_VALUE: &str =
    "arn:aws:iam::111122223333:role/StudioUser,arn:aws:iam::111122223333:saml-provider/TestIdP";

/// The validator the broker builds for the test IdP: Destination and Recipient [`ACS_URL`], audience
/// `urn:amazon:webservices`, the default policy, [`IDP`]'s key pinned and [`SP_ENCRYPTION`]'s key to
/// decrypt. Benchmarks and fuzz targets validate with it.
pub fn validator() -> crate::SamlValidator {
    let settings = crate::Settings {
        idp_entity_id: IDP_ENTITY_ID.into(),
        audiences: vec!["urn:amazon:webservices".into()],
        acs_urls: vec![ACS_URL.into()],
        recipients: vec![RECIPIENT.into()],
        policy: crate::SamlPolicy::default(),
    };
    let pinned = crate::keys::pem_certificates(IDP.cert_pem)
        .expect("test certificate")
        .iter()
        .map(|der| crate::keys::pinned_key_from_der(der, 2048).expect("test key"))
        .collect();
    let decryption =
        bergshamra::keys::loader::load_pem_auto(SP_ENCRYPTION.key_pem.as_bytes(), None)
            .expect("test SP key");
    crate::SamlValidator::new(settings, pinned, Some(decryption))
}

/// A broker configuration trusting the test IdP, with [`ACS_URL`] as ACS, followed by `rest` (TOML
/// tables such as `[login]` and `[targets.KEY]`).
pub fn broker_toml(rest: &str) -> String {
    format!(
        "[idp]\nentity_id = \"{IDP_ENTITY_ID}\"\ncertificates = [\"\"\"{}\"\"\"]\n[sp]\nacs_urls = [\"{ACS_URL}\"]\n{rest}",
        IDP.cert_pem
    )
}

/// IdP metadata for the test IdP that publishes `keys` as its signing certificates.
pub fn idp_metadata(keys: &[&TestKey]) -> String {
    let descriptors: String = keys
        .iter()
        .map(|key| {
            let body: String = key.cert_pem.lines().filter(|l| !l.starts_with("-----")).collect();
            format!("<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>")
        })
        .collect();
    format!(
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{IDP_ENTITY_ID}\"><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">{descriptors}</md:IDPSSODescriptor></md:EntityDescriptor>"
    )
}

/// What a generated Response says.
#[derive(Debug, Clone)]
// Each field is named after the SAML element or attribute it fills.
#[allow(missing_docs)]
pub struct ResponseSpec {
    pub response_id: String,
    pub assertion_id: String,
    pub issuer: String,
    pub destination: Option<String>,
    pub status: String,
    pub in_response_to: Option<String>,
    pub issue_instant: OffsetDateTime,
    pub name_id: String,
    pub confirmation_method: String,
    pub recipient: Option<String>,
    pub not_before: OffsetDateTime,
    pub not_on_or_after: OffsetDateTime,
    pub audiences: Vec<String>,
    pub attributes: Vec<(String, Vec<String>)>,
    /// Extra raw XML padding inside the AttributeStatement (to reach a target size).
    pub padding_attributes: usize,
}

impl ResponseSpec {
    /// An IdP-initiated Response for the AWS broker, issued at `now`, valid for five minutes.
    pub fn aws(now: OffsetDateTime) -> Self {
        Self {
            response_id: "_resp-7f1c2d".into(),
            assertion_id: "_assert-9a8b7c".into(),
            issuer: IDP_ENTITY_ID.into(),
            destination: Some(ACS_URL.into()),
            status: "urn:oasis:names:tc:SAML:2.0:status:Success".into(),
            in_response_to: None,
            issue_instant: now,
            name_id: "alice@example.com".into(),
            confirmation_method: "urn:oasis:names:tc:SAML:2.0:cm:bearer".into(),
            recipient: Some(RECIPIENT.into()),
            not_before: now - Duration::seconds(5),
            not_on_or_after: now + Duration::minutes(5),
            audiences: vec!["urn:amazon:webservices".into()],
            attributes: vec![
                (crate::aws::ROLE.into(), vec![ROLE_VALUE.into()]),
                (crate::aws::ROLE_SESSION_NAME.into(), vec!["alice".into()]),
                (crate::aws::SESSION_DURATION.into(), vec!["3600".into()]),
                (
                    format!("{}studiouserid", crate::aws::PRINCIPAL_TAG_PREFIX),
                    vec!["alice".into()],
                ),
                (
                    "groups".into(),
                    vec!["ml-engineers".into(), "everyone".into()],
                ),
            ],
            padding_attributes: 0,
        }
    }

    /// The unsigned Assertion element.
    pub fn assertion_xml(&self) -> String {
        let t = |at: OffsetDateTime| format_instant(at);
        let irt = self
            .in_response_to
            .as_ref()
            .map(|v| format!(" InResponseTo=\"{}\"", escape_attr(v)))
            .unwrap_or_default();
        let recipient = self
            .recipient
            .as_ref()
            .map(|r| format!(" Recipient=\"{}\"", escape_attr(r)))
            .unwrap_or_default();
        let audiences: String = self
            .audiences
            .iter()
            .map(|a| format!("<saml:Audience>{}</saml:Audience>", text(a)))
            .collect();
        let mut attributes: String = self
            .attributes
            .iter()
            .map(|(name, values)| {
                let values: String = values
                    .iter()
                    .map(|v| format!("<saml:AttributeValue xsi:type=\"xs:string\">{}</saml:AttributeValue>", text(v)))
                    .collect();
                format!("<saml:Attribute Name=\"{}\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\">{values}</saml:Attribute>", escape_attr(name))
            })
            .collect();
        for i in 0..self.padding_attributes {
            attributes.push_str(&format!("<saml:Attribute Name=\"https://idp.example.test/claims/padding-{i}\"><saml:AttributeValue xsi:type=\"xs:string\">value-{i}-lorem-ipsum-dolor-sit-amet</saml:AttributeValue></saml:Attribute>"));
        }
        format!(
            concat!(
                "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{issued}\">",
                "<saml:Issuer>{issuer}</saml:Issuer>",
                "<saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">{name_id}</saml:NameID>",
                "<saml:SubjectConfirmation Method=\"{method}\"><saml:SubjectConfirmationData NotOnOrAfter=\"{end}\"{recipient}{irt}/></saml:SubjectConfirmation></saml:Subject>",
                "<saml:Conditions NotBefore=\"{start}\" NotOnOrAfter=\"{end}\"><saml:AudienceRestriction>{audiences}</saml:AudienceRestriction></saml:Conditions>",
                "<saml:AuthnStatement AuthnInstant=\"{issued}\" SessionIndex=\"{id}-session\"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>",
                "<saml:AttributeStatement>{attributes}</saml:AttributeStatement>",
                "</saml:Assertion>"
            ),
            id = escape_attr(&self.assertion_id),
            issued = t(self.issue_instant),
            issuer = text(&self.issuer),
            name_id = text(&self.name_id),
            method = escape_attr(&self.confirmation_method),
            end = t(self.not_on_or_after),
            start = t(self.not_before),
            recipient = recipient,
            irt = irt,
            audiences = audiences,
            attributes = attributes,
        )
    }

    /// The Response around `assertion` (an Assertion or EncryptedAssertion element).
    pub fn response_xml(&self, assertion: &str) -> String {
        let destination = self
            .destination
            .as_ref()
            .map(|d| format!(" Destination=\"{}\"", escape_attr(d)))
            .unwrap_or_default();
        let irt = self
            .in_response_to
            .as_ref()
            .map(|v| format!(" InResponseTo=\"{}\"", escape_attr(v)))
            .unwrap_or_default();
        format!(
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\"{destination}{irt}><saml:Issuer>{}</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"{}\"/></samlp:Status>{assertion}</samlp:Response>",
            escape_attr(&self.response_id),
            format_instant(self.issue_instant),
            text(&self.issuer),
            escape_attr(&self.status),
        )
    }
}

/// Which elements to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// Nothing.
    None,
    /// The Assertion only.
    Assertion,
    /// The Response only.
    Response,
    /// Both.
    Both,
}

/// Element text as an IdP writes it: `&` and `<` escaped, and `>` too, so a value containing `]]>`
/// (not allowed in character data, XML 1.0 §2.4) still makes a well-formed document.
fn text(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An XML-DSig template for RSA-SHA256 / SHA-256 / exc-c14n over `#id`.
pub fn signature_template(id: &str) -> String {
    signature_template_with(
        id,
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    )
}

/// An XML-DSig template with the given algorithm URIs.
pub fn signature_template_with(id: &str, method: &str, digest: &str) -> String {
    format!(
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/><ds:SignatureMethod Algorithm=\"{method}\"/><ds:Reference URI=\"#{id}\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/><ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms><ds:DigestMethod Algorithm=\"{digest}\"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue></ds:Signature>",
        id = escape_attr(id)
    )
}

/// Signs the first empty signature template in `xml` with `key`.
pub fn sign_first_template(xml: &str, key: &TestKey) -> String {
    let private = bergshamra::keys::loader::load_pem_auto(key.key_pem.as_bytes(), None)
        .expect("test key loads");
    let mut keys = KeysManager::new();
    keys.add_key(private);
    bergshamra::sign(&DsigContext::new(keys), xml).expect("test template signs")
}

/// Inserts `template` right after the first `</saml:Issuer>` at or after `from`.
pub fn insert_after_issuer(xml: &str, from: usize, template: &str) -> String {
    let at = xml[from..].find("</saml:Issuer>").expect("an Issuer") + from + "</saml:Issuer>".len();
    format!("{}{}{}", &xml[..at], template, &xml[at..])
}

/// Signs `assertion_xml` with the given SignatureMethod and DigestMethod URIs.
pub fn sign_assertion_with(
    assertion_xml: &str,
    assertion_id: &str,
    key: &TestKey,
    method: &str,
    digest: &str,
) -> String {
    let template = signature_template_with(assertion_id, method, digest);
    sign_first_template(&insert_after_issuer(assertion_xml, 0, &template), key)
}

/// Signs `assertion_xml` (an Assertion element) in place, as an IdP would.
pub fn sign_assertion(assertion_xml: &str, assertion_id: &str, key: &TestKey) -> String {
    let templated = insert_after_issuer(assertion_xml, 0, &signature_template(assertion_id));
    sign_first_template(&templated, key)
}

/// Signs a Response document (whatever its Assertion holds) as an IdP signing the message would.
pub fn sign_response(response_xml: &str, response_id: &str, key: &TestKey) -> String {
    let templated = insert_after_issuer(response_xml, 0, &signature_template(response_id));
    sign_first_template(&templated, key)
}

/// A complete Response for `spec`, signed as `signing` says with `key`.
pub fn signed_response(spec: &ResponseSpec, signing: Signing, key: &TestKey) -> String {
    let assertion = match signing {
        Signing::Assertion | Signing::Both => {
            sign_assertion(&spec.assertion_xml(), &spec.assertion_id, key)
        }
        _ => spec.assertion_xml(),
    };
    let response = spec.response_xml(&assertion);
    match signing {
        Signing::Response | Signing::Both => sign_response(&response, &spec.response_id, key),
        _ => response,
    }
}

/// Content encryption used by [`encrypt_assertion`].
#[derive(Debug, Clone, Copy)]
pub enum ContentCipher {
    /// AES-256-GCM.
    Aes256Gcm,
    /// AES-128-CBC.
    Aes128Cbc,
}

/// Wraps `assertion_xml` in an EncryptedAssertion for `recipient` (RSA-OAEP-MGF1P key transport,
/// EncryptedKey beside EncryptedData, as Shibboleth and others send it).
pub fn encrypt_assertion(
    assertion_xml: &str,
    recipient: &TestKey,
    cipher: ContentCipher,
) -> String {
    let (uri, key_len) = match cipher {
        ContentCipher::Aes256Gcm => ("http://www.w3.org/2009/xmlenc11#aes256-gcm", 32),
        ContentCipher::Aes128Cbc => ("http://www.w3.org/2001/04/xmlenc#aes128-cbc", 16),
    };
    let session_key: Vec<u8> = (0..key_len)
        .map(|i| (i as u8).wrapping_mul(37).wrapping_add(11))
        .collect();
    let ciphertext = bergshamra::crypto::cipher::from_uri(uri)
        .and_then(|c| c.encrypt(&session_key, assertion_xml.as_bytes()))
        .expect("content encrypts");
    let public = bergshamra::keys::loader::load_x509_cert_pem(recipient.cert_pem.as_bytes())
        .expect("cert loads");
    let public = public
        .software_key()
        .expect("software key")
        .expect("public key");
    let wrapped = bergshamra::crypto::keytransport::from_uri(
        "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
    )
    .and_then(|t| t.encrypt(&public, &session_key))
    .expect("key wraps");
    encrypted_assertion_xml(uri, &ciphertext, &wrapped)
}

/// An EncryptedAssertion with the content algorithm `content_uri`, `ciphertext` and the RSA-OAEP
/// `wrapped_key` (EncryptedKey beside EncryptedData), whatever the bytes are.
pub fn encrypted_assertion_xml(content_uri: &str, ciphertext: &[u8], wrapped_key: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    format!(
        "<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" Type=\"http://www.w3.org/2001/04/xmlenc#Element\"><xenc:EncryptionMethod Algorithm=\"{content_uri}\"/><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData><xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"><xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\"><ds:DigestMethod xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/></xenc:EncryptionMethod><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></saml:EncryptedAssertion>",
        b64(ciphertext),
        b64(wrapped_key)
    )
}

/// Base64 of a document, as the POST binding carries it.
pub fn encode(xml: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(xml)
}

/// A urlencoded POST body.
pub fn post_body(xml: &str, relay_state: Option<&str>) -> Vec<u8> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("SAMLResponse", &encode(xml));
    if let Some(relay) = relay_state {
        form.append_pair("RelayState", relay);
    }
    form.finish().into_bytes()
}
