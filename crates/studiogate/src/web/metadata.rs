//! The broker's SAML SP metadata (`GET /saml/metadata`), for an IdP administrator to import: the
//! entity ID (the Audience STS expects), the ACS URL(s), the attributes the broker reads and, with
//! `sp.certificate`, the SP certificate (for checking signed AuthnRequests and for encrypting
//! assertions) and `AuthnRequestsSigned="true"`.

use super::pages::escape;
use crate::config::BrokerConfig;
use base64::Engine as _;
use studiogate_saml::{aws, keys};

const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const URI: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";

/// The SP metadata document for `config`.
pub fn sp_metadata(config: &BrokerConfig) -> String {
    let mut requested: Vec<(String, bool)> = vec![
        (aws::ROLE.into(), true),
        (aws::ROLE_SESSION_NAME.into(), true),
        (aws::SESSION_DURATION.into(), false),
        (aws::SOURCE_IDENTITY.into(), false),
        (aws::TRANSITIVE_TAG_KEYS.into(), false),
    ];
    let mut add = |name: String| {
        if !requested.iter().any(|(n, _)| *n == name) {
            requested.push((name, false));
        }
    };
    if let Some(groups) = config
        .login
        .as_ref()
        .and_then(|l| l.groups_attribute.clone())
    {
        add(groups);
    }
    for target in config.targets.values() {
        for attribute in target.kind.requested_attributes() {
            add(attribute);
        }
    }

    // Checked at load (one certificate, the SP key's): only its DER is needed here.
    let certificate = config
        .sp
        .certificate
        .as_deref()
        .and_then(|pem| keys::pem_certificates(pem).ok())
        .and_then(|ders| ders.into_iter().next())
        .map(|der| base64::engine::general_purpose::STANDARD.encode(der));
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{}\">\n\
  <md:SPSSODescriptor AuthnRequestsSigned=\"{}\" WantAssertionsSigned=\"true\" \
protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n",
        escape(config.sp_entity_id()),
        certificate.is_some(),
    );
    if let Some(body) = &certificate {
        // No `use`: the one SP key signs requests and decrypts assertions (SAML metadata §2.4.1.1).
        xml.push_str(&format!(
            "    <md:KeyDescriptor><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data>\
<ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n"
        ));
    }
    xml.push_str(&format!(
        "    <md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>\n    <md:NameIDFormat>{EMAIL}</md:NameIDFormat>\n"
    ));
    for (index, acs) in config.sp.acs_urls.iter().enumerate() {
        xml.push_str(&format!(
            "    <md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" \
Location=\"{}\" index=\"{index}\"{}/>\n",
            escape(acs),
            if index == 0 { " isDefault=\"true\"" } else { "" }
        ));
    }
    xml.push_str(
        "    <md:AttributeConsumingService index=\"0\" isDefault=\"true\">\n\
      <md:ServiceName xml:lang=\"en\">studiogate</md:ServiceName>\n",
    );
    for (name, required) in &requested {
        xml.push_str(&format!(
            "      <md:RequestedAttribute Name=\"{}\" NameFormat=\"{URI}\" isRequired=\"{required}\"/>\n",
            escape(name)
        ));
    }
    xml.push_str(
        "    </md:AttributeConsumingService>\n  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n",
    );
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use studiogate_saml::testkit;

    #[test]
    fn publishes_the_audience_as_entity_id_the_acs_url_and_the_attributes_read() {
        let text = testkit::broker_toml(
            r#"
[login]
presign_function = "presign"
replay_in_memory = true
allowed_roles = ["arn:aws:iam::123456789012:role/StudioUser"]
groups_attribute = "https://idp.example.test/claims/groups"
[targets.ml]
kind = "sagemaker"
display_name = "ML"
domain_id = "d-1"
tags_from_attributes = { team = "https://idp.example.test/claims/team" }
default = { execution_role = "arn:aws:iam::123456789012:role/Exec" }
"#,
        );
        let mut config = BrokerConfig::from_toml(&text, None).unwrap();
        config.sp.acs_urls = vec!["https://sso.example.test/saml/acs?a=1&b=2".into()];
        let xml = sp_metadata(&config);
        assert!(xml.contains("entityID=\"urn:amazon:webservices\""), "{xml}");
        assert!(xml.contains("AuthnRequestsSigned=\"false\""), "{xml}");
        assert!(!xml.contains("KeyDescriptor"), "{xml}");
        assert!(xml.contains(
            "Location=\"https://sso.example.test/saml/acs?a=1&amp;b=2\" index=\"0\" isDefault=\"true\""
        ));
        for (name, required) in [
            (aws::ROLE, true),
            (aws::ROLE_SESSION_NAME, true),
            (
                "https://aws.amazon.com/SAML/Attributes/PrincipalTag:studiouserid",
                false,
            ),
            ("https://idp.example.test/claims/groups", false),
            ("https://idp.example.test/claims/team", false),
        ] {
            assert!(
                xml.contains(&format!(
                    "Name=\"{name}\" NameFormat=\"{URI}\" isRequired=\"{required}\""
                )),
                "{name}"
            );
        }
        let prepared =
            studiogate_saml::prepare_document(&xml, &Default::default()).expect("well-formed");
        let parsed =
            studiogate_saml::parse_document(&prepared, &Default::default()).expect("well-formed");
        assert!(parsed.document_element().is_some());
    }

    #[test]
    fn publishes_the_sp_certificate_and_signed_requests_when_configured() {
        let text = testkit::broker_toml(&format!(
            "decryption_key_pem = \"\"\"{}\"\"\"\ncertificate = \"\"\"{}\"\"\"\n",
            testkit::SP_ENCRYPTION.key_pem,
            testkit::SP_ENCRYPTION.cert_pem
        ));
        let config = BrokerConfig::from_toml(&text, None).unwrap();
        let xml = sp_metadata(&config);
        assert!(xml.contains("AuthnRequestsSigned=\"true\""), "{xml}");
        let body: String = testkit::SP_ENCRYPTION
            .cert_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert!(
            xml.contains(&format!("<md:KeyDescriptor><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate>")),
            "{xml}"
        );
    }
}
