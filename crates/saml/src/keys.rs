//! Pinned IdP certificates and the SP key (decrypting assertions, signing AuthnRequests).

use crate::authn_request::RequestSigner;
use base64::Engine as _;
use bergshamra::Key;

/// Every block labelled `label` in a PEM text (RFC 7468), as DER, in order.
pub fn pem_blocks(pem: &str, label: &str) -> Result<Vec<Vec<u8>>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut ders = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(&begin) {
        let body_start = start + begin.len();
        let body_end = rest[body_start..]
            .find(&end)
            .ok_or_else(|| format!("a {label} PEM block has no END line"))?
            + body_start;
        let body: String = rest[body_start..body_end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| format!("a {label} PEM block is not valid base64"))?;
        ders.push(der);
        rest = &rest[body_end + end.len()..];
    }
    Ok(ders)
}

/// Every certificate in a PEM text, as DER.
pub fn pem_certificates(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    let ders = pem_blocks(pem, "CERTIFICATE")?;
    if ders.is_empty() {
        return Err(
            "no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)".to_owned(),
        );
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
            let bits = rsa_modulus_bits(&spki).ok_or("unreadable RSA key")?;
            if bits < min_rsa_bits {
                return Err(format!(
                    "RSA key is {bits} bits; at least {min_rsa_bits} are required (ask the IdP to sign with a stronger key)"
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

/// The size in bits of an RSA SubjectPublicKeyInfo's modulus (RFC 5280 §4.1, RFC 8017 A.1.1).
/// Read here rather than through an RSA library: aws-lc-rs (the crypto backend) only parses keys of
/// 2048 bits and up, and the check must be able to name a 1024-bit key to refuse it.
fn rsa_modulus_bits(spki: &[u8]) -> Option<usize> {
    let public_key = rsa_public_key_of_spki(spki)?;
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }.
    let (sequence, _) = der_element(public_key, 0x30)?;
    let (modulus, _) = der_element(sequence, 0x02)?;
    integer_bits(modulus)
}

/// The PKCS#1 RSAPublicKey inside a SubjectPublicKeyInfo (RFC 5280 §4.1): the BIT STRING's
/// content after its unused-bits byte.
fn rsa_public_key_of_spki(spki: &[u8]) -> Option<&[u8]> {
    // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    let (info, _) = der_element(spki, 0x30)?;
    let (_algorithm, rest) = der_element(info, 0x30)?;
    let (bits, _) = der_element(rest, 0x03)?;
    match bits.split_first()? {
        (&0, public_key) => Some(public_key),
        _ => None,
    }
}

/// The significant bits of a DER INTEGER's (unsigned) content.
fn integer_bits(integer: &[u8]) -> Option<usize> {
    let first = integer.iter().position(|b| *b != 0)?;
    let significant = &integer[first..];
    Some(significant.len() * 8 - significant[0].leading_zeros() as usize)
}

/// One DER element with the expected tag: its contents and what follows it (definite lengths only).
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    if found != tag {
        return None;
    }
    let (length, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81..=0x84 => {
            let count = usize::from(first & 0x7f);
            let (bytes, rest) = (rest.get(..count)?, &rest[count..]);
            (
                bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)),
                rest,
            )
        }
        _ => return None,
    };
    Some((rest.get(..length)?, &rest[length..]))
}

/// Loads the SP's RSA private key (PEM, PKCS#1 or PKCS#8, 2048 bits or more) for decrypting
/// assertions.
pub fn decryption_key(pem: &str) -> Result<Key, String> {
    let pkcs8 = sp_private_key_pkcs8(pem)?;
    let key =
        bergshamra::keys::loader::load_pem_auto(pem_of("PRIVATE KEY", &pkcs8).as_bytes(), None)
            .map_err(|e| format!("not a usable RSA private key: {e}"))?;
    if !key.data.has_private_key() || key.data.algorithm_name() != "RSA" {
        return Err("must be an RSA private key".into());
    }
    Ok(key)
}

/// Loads the SP's RSA private key (the same PEM forms as [`decryption_key`]) for signing
/// AuthnRequests.
pub fn request_signer(pem: &str) -> Result<RequestSigner, String> {
    RequestSigner::from_pkcs8(&sp_private_key_pkcs8(pem)?)
}

/// Whether an X.509 certificate (DER) holds the public half of `signer`'s key: the SP metadata
/// publishes the certificate, and the IdP checks request signatures with it.
pub fn certificate_matches(certificate: &[u8], signer: &RequestSigner) -> Result<bool, String> {
    let key = bergshamra::keys::loader::load_x509_cert_der(certificate)
        .map_err(|e| format!("not a usable X.509 certificate: {e}"))?;
    let spki = key
        .data
        .to_spki_der()
        .ok_or("the certificate has no public key")?;
    Ok(rsa_public_key_of_spki(&spki).is_some_and(|public| public == signer.public_key_der()))
}

/// The SP's RSA private key as PKCS#8 DER, measured (2048 bits or more).
fn sp_private_key_pkcs8(pem: &str) -> Result<Vec<u8>, String> {
    // `openssl genrsa` before OpenSSL 3 writes PKCS#1 ("RSA PRIVATE KEY"); the AWS-LC loader reads
    // PKCS#8 only and refuses short keys with a bare "TooSmall", so both forms are read down to the
    // PKCS#1 key here, measured, and handed over as PKCS#8.
    let pkcs1 = match pem_blocks(pem, "RSA PRIVATE KEY")?.into_iter().next() {
        Some(der) => der,
        None => {
            let der = pem_blocks(pem, "PRIVATE KEY")?
                .into_iter()
                .next()
                .ok_or("not a PEM private key (expected a PRIVATE KEY or RSA PRIVATE KEY block)")?;
            rsa_key_of_pkcs8(&der).ok_or("must be an RSA private key")?
        }
    };
    let bits = rsa_private_modulus_bits(&pkcs1).ok_or("unreadable RSA private key")?;
    if bits < 2048 {
        return Err(format!(
            "the RSA key is {bits} bits; at least 2048 are required (generate a new SP key and give the IdP its certificate)"
        ));
    }
    Ok(pkcs8_of_pkcs1(&pkcs1))
}

/// AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL } (RFC 8017 A.1).
const RSA_ENCRYPTION: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// The PKCS#1 key inside a PKCS#8 PrivateKeyInfo (RFC 5208 §5), if it is an RSA key.
fn rsa_key_of_pkcs8(der: &[u8]) -> Option<Vec<u8>> {
    let (info, _) = der_element(der, 0x30)?;
    let (_version, rest) = der_element(info, 0x02)?;
    let (algorithm, rest) = der_element(rest, 0x30)?;
    if algorithm != &RSA_ENCRYPTION[2..] {
        return None;
    }
    let (key, _) = der_element(rest, 0x04)?;
    Some(key.to_vec())
}

/// The modulus size of a PKCS#1 RSAPrivateKey (RFC 8017 A.1.2: version, then the modulus).
fn rsa_private_modulus_bits(pkcs1: &[u8]) -> Option<usize> {
    let (key, _) = der_element(pkcs1, 0x30)?;
    let (_version, rest) = der_element(key, 0x02)?;
    let (modulus, _) = der_element(rest, 0x02)?;
    integer_bits(modulus)
}

/// A PKCS#1 RSAPrivateKey as a PKCS#8 PrivateKeyInfo (RFC 5208 §5), DER.
fn pkcs8_of_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    let mut content = vec![0x02, 0x01, 0x00];
    content.extend_from_slice(&RSA_ENCRYPTION);
    content.extend(der_header(0x04, pkcs1.len()));
    content.extend_from_slice(pkcs1);
    let mut der = der_header(0x30, content.len());
    der.extend(content);
    der
}

/// DER as one PEM block labelled `label`.
fn pem_of(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// A DER tag and definite length.
fn der_header(tag: u8, length: usize) -> Vec<u8> {
    match length {
        0..=0x7f => vec![tag, length as u8],
        _ => {
            let bytes: Vec<u8> = length
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            let mut header = vec![tag, 0x80 | bytes.len() as u8];
            header.extend(bytes);
            header
        }
    }
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
    fn reads_the_modulus_size_of_each_test_key_and_refuses_truncated_der() {
        let spki = |pem: &str| {
            let der = &pem_certificates(pem).unwrap()[0];
            let key = bergshamra::keys::loader::load_x509_cert_der(der).unwrap();
            key.data.to_spki_der().unwrap()
        };
        assert_eq!(rsa_modulus_bits(&spki(testkit::IDP.cert_pem)), Some(2048));
        assert_eq!(rsa_modulus_bits(&spki(testkit::WEAK.cert_pem)), Some(1024));
        let whole = spki(testkit::IDP.cert_pem);
        for cut in [0, 1, 10, whole.len() - 1] {
            assert_eq!(rsa_modulus_bits(&whole[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn loads_a_pkcs1_decryption_key_as_its_pkcs8_twin() {
        let pkcs1 = include_str!("../../../testdata/keys/sp-encryption-pkcs1-key.pem");
        assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        let spki = |key: Key| key.data.to_spki_der().unwrap();
        assert_eq!(
            spki(decryption_key(pkcs1).unwrap()),
            spki(decryption_key(testkit::SP_ENCRYPTION.key_pem).unwrap())
        );
        let truncated = &pkcs1[..pkcs1.len() / 2];
        assert!(decryption_key(truncated)
            .unwrap_err()
            .contains("no END line"));
    }

    #[test]
    fn refuses_a_decryption_key_under_2048_bits() {
        let weak = decryption_key(testkit::WEAK.key_pem).unwrap_err();
        assert!(weak.contains("1024 bits"), "{weak}");
    }

    #[test]
    fn the_request_signer_takes_the_same_key_forms_and_matches_only_its_certificate() {
        let sp_cert = &pem_certificates(testkit::SP_ENCRYPTION.cert_pem).unwrap()[0];
        let idp_cert = &pem_certificates(testkit::IDP.cert_pem).unwrap()[0];
        for pem in [
            testkit::SP_ENCRYPTION.key_pem,
            include_str!("../../../testdata/keys/sp-encryption-pkcs1-key.pem"),
        ] {
            let signer = request_signer(pem).unwrap();
            assert_eq!(certificate_matches(sp_cert, &signer), Ok(true));
            assert_eq!(certificate_matches(idp_cert, &signer), Ok(false));
        }
        assert!(request_signer(testkit::WEAK.key_pem)
            .unwrap_err()
            .contains("1024 bits"));
        assert!(request_signer(testkit::IDP_EC.key_pem).is_err());
    }

    #[test]
    fn loads_only_rsa_private_keys_for_decryption() {
        assert!(decryption_key(testkit::SP_ENCRYPTION.key_pem).is_ok());
        assert!(decryption_key(testkit::IDP_EC.key_pem).is_err());
        assert!(decryption_key(testkit::IDP.cert_pem).is_err());
    }
}
