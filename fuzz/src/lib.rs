//! What the fuzz targets share: the validator as the ACS builds it (`testkit::validator`: the test
//! kit's pinned IdP key and SP decryption key), a pinned clock, and a way to run the kernel's async functions without a
//! runtime.

use std::future::Future;
use std::sync::LazyLock;
use std::task::{Context, Poll, Waker};
use studiogate_saml::testkit;
use studiogate_saml::SamlValidator;
use time::OffsetDateTime;

/// The instant every target validates at (the test kit's responses are issued then).
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_772_366_400).expect("2026-03-01T12:00:00Z")
}

static VALIDATOR: LazyLock<SamlValidator> = LazyLock::new(testkit::validator);

/// The validator (built once).
pub fn validator() -> &'static SamlValidator {
    &VALIDATOR
}

/// Runs a future that never waits on I/O (the kernel's functions over in-memory ports).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
    }
}

/// An EncryptedAssertion with the given ciphertext and wrapped key (base64 in the document).
pub fn raw_encrypted_assertion(ciphertext: &[u8], wrapped_key: &[u8], cbc: bool) -> String {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let content = if cbc {
        "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
    } else {
        "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    };
    format!(
        "<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"><xenc:EncryptionMethod Algorithm=\"{content}\"/><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData><xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"><xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\"/><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></saml:EncryptedAssertion>",
        b64(ciphertext),
        b64(wrapped_key)
    )
}
