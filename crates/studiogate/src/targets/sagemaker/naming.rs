//! SageMaker user profile names from identities: a configured rule picks the source, and a
//! deterministic sanitiser maps it into `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`.
//!
//! Different people can sanitise to the same name (`a.b@x` and `a-b@x`); the owner tag, checked before
//! a profile is used, is what keeps them apart. The sanitiser only guarantees that one identity always
//! maps to the same valid name.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a profile name comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "from", content = "attribute")]
pub enum ProfileNameRule {
    /// The RoleSessionName (the default: stable, and what the assumed-role ARN carries).
    #[default]
    SessionName,
    /// The NameID up to `@`.
    NameIdLocalPart,
    /// The first value of a SAML attribute.
    Attribute(String),
}

/// Why no name could be derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamingError {
    /// The source the rule names is missing.
    #[error("the identity has no {0} to name a profile after")]
    Missing(String),
    /// The source holds no letter or digit.
    #[error("{0:?} has no letter or digit to name a profile after")]
    Unusable(String),
}

/// The parts of an identity naming reads.
#[derive(Debug, Clone, Copy)]
pub struct NameSources<'a> {
    /// RoleSessionName.
    pub session_name: &'a str,
    /// NameID.
    pub name_id: &'a str,
    /// SAML attributes.
    pub attributes: &'a BTreeMap<String, Vec<String>>,
}

/// The profile name for an identity under `rule`.
pub fn profile_name(
    rule: &ProfileNameRule,
    sources: NameSources<'_>,
) -> Result<String, NamingError> {
    let raw = match rule {
        ProfileNameRule::SessionName => sources.session_name,
        ProfileNameRule::NameIdLocalPart => sources.name_id.split('@').next().unwrap_or_default(),
        ProfileNameRule::Attribute(name) => sources
            .attributes
            .get(name)
            .and_then(|values| values.first())
            .map(String::as_str)
            .ok_or_else(|| NamingError::Missing(format!("attribute {name}")))?,
    };
    if raw.trim().is_empty() {
        return Err(NamingError::Missing(match rule {
            ProfileNameRule::SessionName => "RoleSessionName".into(),
            ProfileNameRule::NameIdLocalPart => "NameID".into(),
            ProfileNameRule::Attribute(name) => format!("attribute {name}"),
        }));
    }
    sanitize(raw)
}

const MAX_LEN: usize = 63;

/// Maps any string into a valid SageMaker user profile name, deterministically: ASCII letters and
/// digits are kept (lowercased, so IdP case variations do not split one user into two profiles),
/// every other run of characters becomes one `-`, leading and trailing `-` are dropped, and a name
/// longer than 63 characters keeps its first 54 and gains `-` and 8 hex digits of a hash of the
/// whole input, so two long names that share a prefix stay different.
pub fn sanitize(raw: &str) -> Result<String, NamingError> {
    let mut name = String::with_capacity(raw.len());
    let mut pending_dash = false;
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !name.is_empty() {
                name.push('-');
            }
            pending_dash = false;
            name.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if name.is_empty() {
        return Err(NamingError::Unusable(raw.to_owned()));
    }
    if name.len() > MAX_LEN {
        let mut short: String = name.chars().take(54).collect();
        while short.ends_with('-') {
            short.pop();
        }
        name = format!("{short}-{:08x}", fnv1a(raw.as_bytes()));
    }
    Ok(name)
}

/// 32-bit FNV-1a: stable across releases and platforms (a profile name must never change).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |hash, b| {
        (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// Whether `name` matches SageMaker's user profile name pattern (spaces have the same one).
pub fn is_valid_profile_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_LEN
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources<'a>(attributes: &'a BTreeMap<String, Vec<String>>) -> NameSources<'a> {
        NameSources {
            session_name: "Alice.Smith@example.com",
            name_id: "asmith@corp.example.com",
            attributes,
        }
    }

    #[test]
    fn sanitizes_deterministically_into_the_sagemaker_pattern() {
        assert_eq!(
            sanitize("Alice.Smith@example.com").unwrap(),
            "alice-smith-example-com"
        );
        assert_eq!(sanitize("--a__b--").unwrap(), "a-b");
        assert_eq!(sanitize("ÄÖü ok").unwrap(), "ok");
        assert_eq!(sanitize("x").unwrap(), "x");
        for raw in [
            "Alice.Smith@example.com",
            "a b c",
            "123",
            "é1é",
            &"n".repeat(200),
        ] {
            let name = sanitize(raw).unwrap();
            assert!(is_valid_profile_name(&name), "{raw} -> {name}");
            assert_eq!(sanitize(raw).unwrap(), name, "not deterministic for {raw}");
        }
    }

    #[test]
    fn long_names_keep_a_hash_so_shared_prefixes_stay_apart() {
        let a = sanitize(&format!("{}-alice", "x".repeat(80))).unwrap();
        let b = sanitize(&format!("{}-bob", "x".repeat(80))).unwrap();
        assert_eq!(a.len(), 63);
        assert_ne!(a, b);
        assert_eq!(
            a,
            "x".repeat(54)
                + "-"
                + &format!(
                    "{:08x}",
                    fnv1a(format!("{}-alice", "x".repeat(80)).as_bytes())
                )
        );
    }

    #[test]
    fn refuses_sources_without_letters_or_digits() {
        assert_eq!(sanitize("@._"), Err(NamingError::Unusable("@._".into())));
    }

    #[test]
    fn rules_pick_session_name_name_id_local_part_or_an_attribute() {
        let mut attributes = BTreeMap::new();
        attributes.insert("employeeNumber".to_owned(), vec!["E-1234".to_owned()]);
        let s = sources(&attributes);
        assert_eq!(
            profile_name(&ProfileNameRule::SessionName, s).unwrap(),
            "alice-smith-example-com"
        );
        assert_eq!(
            profile_name(&ProfileNameRule::NameIdLocalPart, s).unwrap(),
            "asmith"
        );
        assert_eq!(
            profile_name(&ProfileNameRule::Attribute("employeeNumber".into()), s).unwrap(),
            "e-1234"
        );
        assert_eq!(
            profile_name(&ProfileNameRule::Attribute("missing".into()), s),
            Err(NamingError::Missing("attribute missing".into()))
        );
    }
}
