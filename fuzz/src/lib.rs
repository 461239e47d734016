//! What the fuzz targets share: the validator as the ACS builds it (`testkit::validator`: the test
//! kit's pinned IdP key and SP decryption key), a pinned clock, and a current-thread Tokio runtime
//! to run the async functions on.

use std::future::Future;
use std::sync::LazyLock;
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

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime")
});

/// Runs a future on a current-thread Tokio runtime with timers (built once), as Lambda's is: the
/// login flow bounds its calls with `tokio::time::timeout`, which needs one.
pub fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.block_on(future)
}

/// An EncryptedAssertion with the given ciphertext and wrapped key, AES-128-CBC or AES-256-GCM.
pub fn raw_encrypted_assertion(ciphertext: &[u8], wrapped_key: &[u8], cbc: bool) -> String {
    let content = if cbc {
        "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
    } else {
        "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    };
    testkit::encrypted_assertion_xml(content, ciphertext, wrapped_key)
}
