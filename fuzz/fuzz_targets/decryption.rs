//! The decryption path: fuzzer bytes as the plaintext of an AES-GCM EncryptedAssertion made for the
//! SP key (so the plaintext parser and wrapper see arbitrary input), or as the raw ciphertext and
//! wrapped key. Nothing may panic, and nothing is accepted unless the decrypted Assertion carries a
//! valid signature from the pinned key (the Response here is never signed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use studiogate_fuzz::{now, validator};
use studiogate_saml::testkit::{self, ContentCipher, ResponseSpec};

#[derive(Debug, arbitrary::Arbitrary)]
enum Input {
    /// Encrypted for the SP key: the plaintext is the fuzzer's.
    Plaintext(String),
    /// The ciphertext and the wrapped key, both the fuzzer's (base64 of them in the document).
    Raw {
        ciphertext: Vec<u8>,
        wrapped_key: Vec<u8>,
        cbc: bool,
    },
}

fuzz_target!(|input: Input| {
    let spec = ResponseSpec::aws(now());
    let encrypted = match input {
        Input::Plaintext(plaintext) => testkit::encrypt_assertion(
            &plaintext,
            &testkit::SP_ENCRYPTION,
            ContentCipher::Aes256Gcm,
        ),
        Input::Raw {
            ciphertext,
            wrapped_key,
            cbc,
        } => studiogate_fuzz::raw_encrypted_assertion(&ciphertext, &wrapped_key, cbc),
    };
    let xml = spec.response_xml(&encrypted);
    if let Ok(verified) = validator().validate_document(&xml, now()) {
        assert!(verified.signed.assertion && !verified.signed.response);
    }
});
