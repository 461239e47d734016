//! Where a login may lead: the (target, role) pairs the assertion's Role attribute allows, after the
//! broker's allow-list and each target's own. RelayState only ever selects a configured target.

use super::LoginError;
use crate::config::LoginConfig;
use crate::targets::Target;
use std::collections::BTreeMap;
use studiogate_saml::aws::RolePair;

/// One place a user may go, as one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOption {
    /// The target key (what RelayState names).
    pub target: String,
    /// The target's display name.
    pub display_name: String,
    /// The role and the SAML provider that vouches for it.
    pub role: RolePair,
}

impl LoginOption {
    /// The value the chooser posts back: `TARGET ROLE_ARN` (neither contains a space).
    pub fn choice_value(&self) -> String {
        format!("{} {}", self.target, self.role.role_arn)
    }

    /// The role's name, for people (`StudioUser` of `arn:aws:iam::1:role/path/StudioUser`).
    pub fn role_name(&self) -> &str {
        role_name(&self.role.role_arn)
    }

    /// The role's account ID.
    pub fn account(&self) -> &str {
        self.role.role_arn.split(':').nth(4).unwrap_or_default()
    }
}

/// The last path segment of a role ARN.
pub fn role_name(role_arn: &str) -> &str {
    role_arn.rsplit('/').next().unwrap_or(role_arn)
}

/// A parsed `choice` field: the target key and role ARN the user picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Target key.
    pub target: String,
    /// Role ARN.
    pub role_arn: String,
}

/// Reads the chooser's `choice` field from a form body, if present.
pub fn parse_choice(body: &[u8]) -> Result<Option<Choice>, LoginError> {
    let mut found = None;
    for (key, value) in form_urlencoded::parse(body) {
        if key != "choice" {
            continue;
        }
        if found.is_some() {
            return Err(LoginError::MalformedChoice("sent more than once"));
        }
        let (target, role_arn) = value
            .split_once(' ')
            .ok_or(LoginError::MalformedChoice("not TARGET ROLE_ARN"))?;
        if target.is_empty() || role_arn.is_empty() || role_arn.contains(' ') {
            return Err(LoginError::MalformedChoice("not TARGET ROLE_ARN"));
        }
        found = Some(Choice {
            target: target.to_owned(),
            role_arn: role_arn.to_owned(),
        });
    }
    Ok(found)
}

/// An unknown RelayState as the log may show it: a value shaped like a target key as it is (an
/// administrator needs it to fix the tile); anything else (a URL, a script, a long blob) only by
/// its length and a digest prefix, so attacker-chosen text never lands in the log.
pub fn relay_state_for_log(relay_state: &str) -> String {
    let key_shaped = relay_state.len() <= 64
        && relay_state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if key_shaped {
        relay_state.to_owned()
    } else {
        let digest = studiogate_kernel::digest::sha256_hex(relay_state.as_bytes());
        format!(
            "<not a target key: {} bytes, sha256 {}>",
            relay_state.len(),
            &digest[..12]
        )
    }
}

/// The options for this login, in configuration order of targets and assertion order of roles.
/// `relay_state` must name a target (else [`LoginError::UnknownTarget`]); without it the default
/// target, or every target, is a candidate. No option at all is [`LoginError::NoAllowedRole`].
pub fn login_options(
    roles: &[RolePair],
    login: &LoginConfig,
    targets: &BTreeMap<String, Target>,
    relay_state: Option<&str>,
) -> Result<Vec<LoginOption>, LoginError> {
    let candidates: Vec<&String> = match relay_state.or(login.default_target.as_deref()) {
        Some(key) => match targets.get_key_value(key) {
            Some((key, _)) => vec![key],
            None => return Err(LoginError::UnknownTarget(relay_state_for_log(key))),
        },
        None => targets.keys().collect(),
    };
    let mut options = Vec::new();
    for key in &candidates {
        let Target {
            display_name,
            allowed_roles: target_roles,
            ..
        } = &targets[*key];
        let mut seen: Vec<&str> = Vec::new();
        for pair in roles {
            let allowed = login.allowed_roles.contains(&pair.role_arn)
                && (target_roles.is_empty() || target_roles.contains(&pair.role_arn));
            // The same role twice (under two providers) is one choice: the first pair wins.
            if allowed && !seen.contains(&pair.role_arn.as_str()) {
                seen.push(&pair.role_arn);
                options.push(LoginOption {
                    target: (*key).clone(),
                    display_name: display_name.clone(),
                    role: pair.clone(),
                });
            }
        }
    }
    if options.is_empty() {
        return Err(LoginError::NoAllowedRole {
            offered: roles.len(),
            targets: candidates
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/Idp";
    const USER: &str = "arn:aws:iam::123456789012:role/StudioUser";
    const ADMIN: &str = "arn:aws:iam::123456789012:role/StudioAdmin";
    const OTHER: &str = "arn:aws:iam::123456789012:role/Billing";

    fn pair(role: &str) -> RolePair {
        RolePair {
            role_arn: role.into(),
            provider_arn: PROVIDER.into(),
        }
    }

    fn config(default_target: Option<&str>) -> (LoginConfig, BTreeMap<String, Target>) {
        let default = default_target
            .map(|t| format!("default_target = \"{t}\""))
            .unwrap_or_default();
        let text = studiogate_saml::testkit::broker_toml(&format!(
            r#"
[login]
presign_function = "presign"
replay_in_memory = true
allowed_roles = ["{USER}", "{ADMIN}"]
{default}
[targets.ml]
kind = "sagemaker"
display_name = "ML"
domain_id = "d-1"
default = {{ execution_role = "arn:aws:iam::123456789012:role/Exec" }}
[targets.emr]
kind = "emr"
display_name = "EMR"
studio_id = "es-1"
region = "us-east-1"
allowed_roles = ["{ADMIN}"]
"#
        ));
        let config = crate::config::BrokerConfig::from_toml(&text, None).expect("valid");
        (config.login.expect("login"), config.targets)
    }

    fn summary(options: &[LoginOption]) -> Vec<String> {
        options.iter().map(LoginOption::choice_value).collect()
    }

    #[test]
    fn relay_state_selects_one_target_and_its_allowed_roles() {
        let (login, targets) = config(None);
        let roles = [pair(USER), pair(ADMIN)];
        let options = login_options(&roles, &login, &targets, Some("emr")).unwrap();
        assert_eq!(summary(&options), vec![format!("emr {ADMIN}")]);
        assert_eq!(options[0].display_name, "EMR");
        assert_eq!(options[0].role_name(), "StudioAdmin");
        assert_eq!(options[0].account(), "123456789012");
    }

    #[test]
    fn roles_outside_the_allow_list_are_never_offered() {
        let (login, targets) = config(None);
        let options = login_options(&[pair(OTHER), pair(USER)], &login, &targets, Some("ml"));
        assert_eq!(summary(&options.unwrap()), vec![format!("ml {USER}")]);
        let none = login_options(&[pair(OTHER)], &login, &targets, Some("ml")).unwrap_err();
        assert_eq!(none.reason_code(), "no-allowed-role");
        let emr_user = login_options(&[pair(USER)], &login, &targets, Some("emr")).unwrap_err();
        assert_eq!(emr_user.reason_code(), "no-allowed-role");
    }

    #[test]
    fn an_unknown_relay_state_is_an_error_not_a_destination() {
        let (login, targets) = config(None);
        let err = login_options(
            &[pair(USER)],
            &login,
            &targets,
            Some("https://evil.example"),
        )
        .unwrap_err();
        let LoginError::UnknownTarget(logged) = err else {
            panic!("{err:?}")
        };
        assert!(
            logged.starts_with("<not a target key: 20 bytes, sha256 "),
            "{logged}"
        );
    }

    #[test]
    fn an_unknown_relay_state_reaches_the_log_only_if_it_is_shaped_like_a_key() {
        assert_eq!(relay_state_for_log("sagemaker-ml2"), "sagemaker-ml2");
        assert_eq!(relay_state_for_log("emr_iam.v2"), "emr_iam.v2");
        for hostile in [
            "https://evil.example/phish",
            "<script>alert(1)</script>",
            "a b",
            &"k".repeat(65),
        ] {
            let logged = relay_state_for_log(hostile);
            assert!(logged.starts_with("<not a target key: "), "{logged}");
            assert!(!logged.contains("evil") && !logged.contains("script"));
        }
        assert_ne!(
            relay_state_for_log("https://a"),
            relay_state_for_log("https://b")
        );
    }

    #[test]
    fn without_relay_state_the_default_target_or_every_allowed_target_is_offered() {
        let (login, targets) = config(Some("ml"));
        let roles = [pair(USER), pair(ADMIN)];
        let options = login_options(&roles, &login, &targets, None).unwrap();
        assert_eq!(
            summary(&options),
            vec![format!("ml {USER}"), format!("ml {ADMIN}")]
        );
        let (login, targets) = config(None);
        let options = login_options(&roles, &login, &targets, None).unwrap();
        assert_eq!(
            summary(&options),
            vec![
                format!("emr {ADMIN}"),
                format!("ml {USER}"),
                format!("ml {ADMIN}")
            ]
        );
    }

    #[test]
    fn a_role_sent_twice_is_offered_once() {
        let (login, targets) = config(None);
        let mut second = pair(USER);
        second.provider_arn = "arn:aws:iam::123456789012:saml-provider/Other".into();
        let options = login_options(&[pair(USER), second], &login, &targets, Some("ml")).unwrap();
        assert_eq!(options.len(), 1);
        assert_eq!(options[0].role.provider_arn, PROVIDER);
    }

    #[test]
    fn parses_the_choice_field_strictly() {
        assert_eq!(parse_choice(b"SAMLResponse=x").unwrap(), None);
        let choice = parse_choice(format!("SAMLResponse=x&choice=ml+{USER}").as_bytes()).unwrap();
        assert_eq!(
            choice,
            Some(Choice {
                target: "ml".into(),
                role_arn: USER.into()
            })
        );
        for bad in [
            "choice=ml",
            "choice=+x",
            "choice=a+b&choice=a+b",
            "choice=a+b+c",
        ] {
            assert_eq!(
                parse_choice(bad.as_bytes()).unwrap_err().reason_code(),
                "malformed-choice",
                "{bad}"
            );
        }
    }
}
