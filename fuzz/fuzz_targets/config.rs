//! The configuration loader: any TOML an operator could store. Nothing may panic; a configuration
//! that loads has passed its checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = studiogate::config::BrokerConfig::from_toml(text, None) {
        let _ = config.warnings();
    }
});
