//! SHA-256, through the same crypto backend the SAML layer verifies with (no second hash crate).

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    // The algorithm URI is a constant bergshamra supports, so the fallback is never taken.
    bergshamra::crypto::digest::digest("http://www.w3.org/2001/04/xmlenc#sha256", data)
        .unwrap_or_default()
}

/// SHA-256 of `data`, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    sha256(data).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_the_empty_string_to_the_known_digest() {
        assert_eq!(
            super::sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
