//! Pinned IdP certificates and the SP decryption key.

use bergshamra::Key;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use x509_cert::der::{Decode, Encode};
use x509_cert::Certificate;

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// Every certificate in a PEM text, as DER.
pub fn pem_certificates(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    let certs = Certificate::load_pem_chain(pem.as_bytes())
        .map_err(|e| format!("not a PEM certificate: {e}"))?;
    if certs.is_empty() {
        return Err("no PEM certificate found".into());
    }
    certs
        .iter()
        .map(|c| c.to_der().map_err(|e| e.to_string()))
        .collect()
}

/// Checks a pinned certificate (RSA of at least `min_rsa_bits`, or EC) and loads its key.
/// The certificate's validity dates are not checked: the key is pinned, as AWS IAM does.
pub fn pinned_key_from_der(der: &[u8], min_rsa_bits: usize) -> Result<Key, String> {
    let cert = Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    match spki.algorithm.oid.to_string().as_str() {
        RSA_ENCRYPTION => {
            let spki_der = spki.to_der().map_err(|e| e.to_string())?;
            let key = rsa::RsaPublicKey::from_public_key_der(&spki_der)
                .map_err(|e| format!("unreadable RSA key: {e}"))?;
            let bits = key.n().bits();
            if bits < min_rsa_bits {
                return Err(format!(
                    "RSA key is {bits} bits; at least {min_rsa_bits} are required (ask the IdP for a stronger key, or lower saml.min_rsa_key_bits for a legacy IdP)"
                ));
            }
        }
        EC_PUBLIC_KEY => {}
        other => return Err(format!("unsupported key algorithm {other}; use RSA or ECDSA")),
    }
    bergshamra::keys::loader::load_x509_cert_der(der).map_err(|e| format!("cannot load key: {e}"))
}

/// Loads the SP's RSA private key (PEM, PKCS#1 or PKCS#8) for decrypting assertions.
pub fn decryption_key(pem: &str) -> Result<Key, String> {
    let key = bergshamra::keys::loader::load_pem_auto(pem.as_bytes(), None)
        .map_err(|e| format!("not a PEM private key: {e}"))?;
    if !key.data.has_private_key() || key.data.algorithm_name() != "RSA" {
        return Err("must be an RSA private key".into());
    }
    Ok(key)
}
