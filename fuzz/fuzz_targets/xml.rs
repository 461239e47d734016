//! The hardened XML parse every SAML input goes through: the checks before parsing (limits,
//! normalisation), then the parser. Nothing may panic, and no input may get past the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use studiogate_saml::{parse_document, prepare_document, Limits};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits::default();
    if let Ok(prepared) = prepare_document(text, &limits) {
        if let Ok(doc) = parse_document(&prepared, &limits) {
            let elements = doc
                .descendants(doc.root())
                .into_iter()
                .filter(|n| doc.element(*n).is_some())
                .count();
            assert!(elements <= limits.max_elements);
        }
    }
});
