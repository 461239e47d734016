//! SP-initiated sign-in: the AuthnRequest the broker sends the IdP (SAML core §3.4.1) and its
//! HTTP-Redirect binding (SAML bindings §3.4): DEFLATE, base64, URL-encode, and a signature over
//! the query string when the SP has a key (§3.4.4.1). Like the rest of this crate it writes no HTTP:
//! it answers the URL the browser is sent to.

use crate::xml::escape_attr;
use aws_lc_rs::rand::SecureRandom as _;
use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use base64::Engine as _;
use studiogate_kernel::clock::format_instant;
use time::OffsetDateTime;

/// The signature algorithm of signed requests (`SigAlg`): RSA PKCS#1 v1.5 with SHA-256.
pub const SIG_ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// The binding the IdP answers with (`ProtocolBinding`): an HTTP POST to the ACS.
pub const HTTP_POST_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// The binding the request travels by (what the IdP's `SingleSignOnService` must offer).
pub const HTTP_REDIRECT_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/// The ID of an AuthnRequest: `_` and 32 lower-case hex digits (128 random bits). SAML core §1.3.4
/// asks for at least 128 bits of randomness; the leading `_` makes it an NCName (xs:ID).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh ID from the system's secure random source.
    pub fn random() -> Result<Self, String> {
        Ok(RequestId(format!("_{}", random_hex()?)))
    }

    /// An ID as the IdP echoed it in `InResponseTo`, if it has the shape of ours. Anything else
    /// cannot answer a request of this broker.
    pub fn parse(text: &str) -> Option<Self> {
        let digits = text.strip_prefix('_')?;
        (digits.len() == 32
            && digits
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| RequestId(text.to_owned()))
    }

    /// The ID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RequestId({})", self.0)
    }
}

/// 128 bits from the system's secure random source, as 32 lower-case hex digits (request IDs, the
/// browser nonce that binds a request to the browser that started it).
pub fn random_hex() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system random source failed".to_owned())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// One AuthnRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    /// Its ID, which the Response must echo in `InResponseTo`.
    pub id: RequestId,
    /// When it was made.
    pub issue_instant: OffsetDateTime,
    /// The IdP's SingleSignOnService URL (`Destination`, §3.2.1).
    pub destination: String,
    /// Where the IdP must post the Response (`AssertionConsumerServiceURL`, one of the broker's).
    pub acs_url: String,
    /// The broker's entity ID (`Issuer`).
    pub issuer: String,
}

impl AuthnRequest {
    /// The request's XML. No NameIDPolicy: the IdP sends the NameID format it is configured with,
    /// as it does for IdP-initiated sign-in (the broker reads the name from attributes).
    pub fn to_xml(&self) -> String {
        format!(
            "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" \
Destination=\"{}\" AssertionConsumerServiceURL=\"{}\" ProtocolBinding=\"{HTTP_POST_BINDING}\">\
<saml:Issuer>{}</saml:Issuer></samlp:AuthnRequest>",
            self.id.as_str(),
            format_instant(self.issue_instant),
            escape_attr(&self.destination),
            escape_attr(&self.acs_url),
            escape_text(&self.issuer),
        )
    }

    /// The URL that carries this request to the IdP by the HTTP-Redirect binding, with
    /// `relay_state` and, when `signer` is given, `SigAlg` and `Signature`.
    pub fn redirect_url(
        &self,
        relay_state: Option<&str>,
        signer: Option<&RequestSigner>,
    ) -> Result<String, String> {
        let deflated = miniz_oxide::deflate::compress_to_vec(self.to_xml().as_bytes(), 6);
        let encoded = base64::engine::general_purpose::STANDARD.encode(deflated);
        // §3.4.4.1: the signature covers the query string as sent, in this order.
        let mut query = url_pair("SAMLRequest", &encoded);
        if let Some(relay_state) = relay_state {
            query.push('&');
            query.push_str(&url_pair("RelayState", relay_state));
        }
        if let Some(signer) = signer {
            query.push('&');
            query.push_str(&url_pair("SigAlg", SIG_ALG_RSA_SHA256));
            let signature = signer.sign(query.as_bytes())?;
            query.push('&');
            query.push_str(&url_pair(
                "Signature",
                &base64::engine::general_purpose::STANDARD.encode(signature),
            ));
        }
        let separator = if self.destination.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{separator}{query}", self.destination))
    }
}

fn url_pair(name: &str, value: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish()
}

fn escape_text(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The SP key that signs AuthnRequests (RSA, 2048 bits or more). `Debug` shows nothing of it.
pub struct RequestSigner {
    key: RsaKeyPair,
}

impl std::fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestSigner(<key>)")
    }
}

impl RequestSigner {
    /// The signer for an RSA private key in PKCS#8 DER.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, String> {
        RsaKeyPair::from_pkcs8(der)
            .map(|key| RequestSigner { key })
            .map_err(|e| format!("not a usable RSA private key: {e}"))
    }

    /// The public key, as a PKCS#1 RSAPublicKey (DER), to compare with a certificate's.
    pub fn public_key_der(&self) -> &[u8] {
        use aws_lc_rs::signature::KeyPair as _;
        self.key.public_key().as_ref()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| "signing the AuthnRequest failed".to_owned())?;
        Ok(signature)
    }
}

#[cfg(test)]
mod tests;
