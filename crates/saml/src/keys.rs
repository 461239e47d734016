//! Pinned IdP certificates and the SP decryption key.

use base64::Engine as _;
use bergshamra::Key;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// Every certificate in a PEM text, as DER.
pub fn pem_certificates(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut ders = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let body_start = start + BEGIN.len();
        let end = rest[body_start..]
            .find(END)
            .ok_or("a PEM certificate has no END line")?
            + body_start;
        let body: String = rest[body_start..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| "a PEM certificate is not valid base64".to_owned())?;
        ders.push(der);
        rest = &rest[end + END.len()..];
    }
    if ders.is_empty() {
        return Err(format!(
            "no PEM certificate found (expected a {BEGIN} block)"
        ));
    }
    Ok(ders)
}

/// Loads a pinned certificate's key and checks it: RSA of at least `min_rsa_bits`, or ECDSA P-256
/// or P-384. The certificate's validity dates are not checked: the key is pinned, as AWS IAM does.
pub fn pinned_key_from_der(der: &[u8], min_rsa_bits: usize) -> Result<Key, String> {
    let key = bergshamra::keys::loader::load_x509_cert_der(der)
        .map_err(|e| format!("not a usable X.509 certificate: {e}"))?;
    match key.data.algorithm_name() {
        "RSA" => {
            let spki = key
                .data
                .to_spki_der()
                .ok_or("the RSA key has no public part")?;
            let public = rsa::RsaPublicKey::from_public_key_der(&spki)
                .map_err(|e| format!("unreadable RSA key: {e}"))?;
            let bits = public.n().bits();
            if bits < min_rsa_bits {
                return Err(format!(
                    "RSA key is {bits} bits; at least {min_rsa_bits} are required (ask the IdP for a stronger key, or lower saml.min_rsa_key_bits for a legacy IdP)"
                ));
            }
        }
        "EC-P256" | "EC-P384" => {}
        other => {
            return Err(format!(
                "unsupported key type {other}; pin an RSA or ECDSA P-256/P-384 certificate"
            ))
        }
    }
    Ok(key)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    #[test]
    fn splits_a_pem_bundle_and_refuses_non_pem() {
        let bundle = format!("{}\n{}", testkit::IDP.cert_pem, testkit::IDP_NEXT.cert_pem);
        assert_eq!(pem_certificates(&bundle).unwrap().len(), 2);
        assert!(pem_certificates("hello")
            .unwrap_err()
            .contains("no PEM certificate"));
    }

    #[test]
    fn refuses_rsa_keys_below_the_floor_and_accepts_ec() {
        let weak = &pem_certificates(testkit::WEAK.cert_pem).unwrap()[0];
        assert!(pinned_key_from_der(weak, 2048)
            .unwrap_err()
            .contains("1024 bits"));
        assert!(pinned_key_from_der(weak, 1024).is_ok());
        let ec = &pem_certificates(testkit::IDP_EC.cert_pem).unwrap()[0];
        assert!(pinned_key_from_der(ec, 2048).is_ok());
    }

    #[test]
    fn loads_only_rsa_private_keys_for_decryption() {
        assert!(decryption_key(testkit::SP_ENCRYPTION.key_pem).is_ok());
        assert!(decryption_key(testkit::IDP_EC.key_pem).is_err());
        assert!(decryption_key(testkit::IDP.cert_pem).is_err());
    }
}
