//! The whole validator with a pinned IdP key and the SP decryption key, as the ACS runs it. Seeded
//! with the conformance corpus and the test kit's signed responses. Nothing may panic; anything
//! accepted must carry a verified signature from the pinned key (only the test kit's key signs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use studiogate_fuzz::{now, validator};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(verified) = validator().validate_document(text, now()) {
        assert!(verified.signed.response || verified.signed.assertion);
    }
});
