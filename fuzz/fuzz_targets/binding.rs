//! The HTTP-POST binding: a form body, the base64 inside it, and the inputs `studiogate inspect`
//! sniffs (raw XML, base64, an HTML auto-submit page, a form body). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use studiogate_saml::{binding, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(form) = binding::parse_form(data, &limits) {
        let _ = binding::decode_saml_response(&form.saml_response, &limits);
    }
    let _ = binding::sniff_input(data, &limits);
});
