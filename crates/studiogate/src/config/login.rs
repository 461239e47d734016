//! `[login]`: what the ACS endpoint (saml-validator) does after an assertion verifies: which roles
//! it lets users take, where it keeps the replay cache, how long the AWS session lasts, and which
//! function provisions the Studio identity.
//!
//! ```toml
//! [login]
//! presign_function = "studiogate-presign"          # Lambda function name or ARN
//! replay_table = "studiogate-replay"               # DynamoDB: key `pk` (S), TTL on `expires_at`
//! allowed_roles = ["arn:aws:iam::123456789012:role/StudioUser"]
//! # default_target = "sagemaker-ml"                # when the IdP sends no RelayState
//! # groups_attribute = "https://idp.example.com/claims/groups"
//! # default_session_seconds = 3600, max_session_seconds = 3600, budget_seconds = 4
//! # request_lifetime_seconds = 600                # SP-initiated: an AuthnRequest's lifetime
//! ```

use super::PresignConfig;
use crate::targets::Target;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `[login]`, the ACS flow's settings. Required by saml-validator, ignored by presign.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    /// The presign function to invoke (name, partial or full ARN). A deployment sets it through
    /// `STUDIOGATE_PRESIGN_FUNCTION`.
    #[serde(default)]
    pub presign_function: String,
    /// The DynamoDB replay table.
    #[serde(default)]
    pub replay_table: Option<String>,
    /// A process-local replay cache instead of DynamoDB: only for `cargo lambda watch` and tests.
    #[serde(default)]
    pub replay_in_memory: bool,
    /// The IAM roles (ARNs) users may take; Role attribute pairs naming other roles are ignored.
    pub allowed_roles: Vec<String>,
    /// The target for a login without RelayState; without it such a login gets a chooser.
    #[serde(default)]
    pub default_target: Option<String>,
    /// The SAML attribute that lists the user's groups (for the mapping rules).
    #[serde(default)]
    pub groups_attribute: Option<String>,
    /// DurationSeconds when the assertion carries no SessionDuration.
    #[serde(default = "default_session_seconds")]
    pub default_session_seconds: u32,
    /// Never ask STS for a longer session (keep it at or below the roles' MaxSessionDuration).
    #[serde(default = "default_session_seconds")]
    pub max_session_seconds: u32,
    /// Total time for the replay write and AssumeRoleWithSAML, retries included.
    #[serde(default = "default_budget_seconds")]
    pub budget_seconds: u64,
    /// How long an SP-initiated AuthnRequest waits for its Response (the user may have to sign in
    /// at the IdP first), in seconds.
    #[serde(default = "default_request_lifetime_seconds")]
    pub request_lifetime_seconds: u64,
}

/// `login.request_lifetime_seconds` by default: ten minutes to sign in at the IdP.
pub const DEFAULT_REQUEST_LIFETIME_SECONDS: u64 = 600;

fn default_request_lifetime_seconds() -> u64 {
    DEFAULT_REQUEST_LIFETIME_SECONDS
}

fn default_session_seconds() -> u32 {
    3600
}

fn default_budget_seconds() -> u64 {
    4
}

/// What the ACS may take at most: API Gateway's HTTP API answers 503 at 30 s.
pub const ACS_DEADLINE_SECONDS: u64 = 29;

/// Seconds beyond `presign.budget_seconds` that saml-validator waits for presign's answer: sealing,
/// the invocation itself and a cold start.
pub const PRESIGN_MARGIN_SECONDS: u64 = 5;

impl LoginConfig {
    /// The DurationSeconds to ask STS for: the assertion's SessionDuration (or the default),
    /// clamped to 900..=`max_session_seconds`.
    pub fn session_seconds(&self, from_assertion: Option<u32>) -> u32 {
        from_assertion
            .unwrap_or(self.default_session_seconds)
            .clamp(900, self.max_session_seconds)
    }
}

/// True for `arn:PARTITION:iam::ACCOUNT:role/NAME`.
fn is_role_arn(arn: &str) -> bool {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(fields.as_slice(), ["arn", partition, "iam", "", account, resource]
        if partition.starts_with("aws")
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty()))
}

/// Checks `[login]` against the targets, naming the first bad field.
pub(crate) fn check(
    login: &LoginConfig,
    presign: &PresignConfig,
    targets: &BTreeMap<String, Target>,
) -> Result<(), (String, String)> {
    let field = |name: &str, message: String| Err((format!("login.{name}"), message));
    if login.presign_function.trim().is_empty() {
        return field(
            "presign_function",
            "name the presign Lambda function (a deployment sets STUDIOGATE_PRESIGN_FUNCTION)"
                .into(),
        );
    }
    match (&login.replay_table, login.replay_in_memory) {
        (Some(_), true) => {
            return field(
                "replay_in_memory",
                "set replay_table or replay_in_memory, not both".into(),
            )
        }
        (None, false) => {
            return field(
                "replay_table",
                "name the DynamoDB replay table (replay_in_memory = true is for local runs only)"
                    .into(),
            )
        }
        (Some(table), false) if table.trim().is_empty() => {
            return field("replay_table", "must not be empty".into())
        }
        _ => {}
    }
    if login.allowed_roles.is_empty() {
        return field(
            "allowed_roles",
            "list the IAM role ARNs users may take (the Role attribute's role ARNs)".into(),
        );
    }
    for (index, role) in login.allowed_roles.iter().enumerate() {
        if !is_role_arn(role) {
            return field(
                &format!("allowed_roles[{index}]"),
                format!("{role:?} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"),
            );
        }
    }
    if !(900..=43_200).contains(&login.max_session_seconds) {
        return field(
            "max_session_seconds",
            "must be between 900 and 43200".into(),
        );
    }
    if !(900..=login.max_session_seconds).contains(&login.default_session_seconds) {
        return field(
            "default_session_seconds",
            "must be between 900 and max_session_seconds".into(),
        );
    }
    let worst_case = login.budget_seconds + presign.budget_seconds + PRESIGN_MARGIN_SECONDS;
    if login.budget_seconds == 0 || worst_case > ACS_DEADLINE_SECONDS {
        return field(
            "budget_seconds",
            format!(
                "login.budget_seconds + presign.budget_seconds + {PRESIGN_MARGIN_SECONDS} s must be at most \
                 {ACS_DEADLINE_SECONDS} s, so the ACS answers before API Gateway's 30 s (now {worst_case} s)"
            ),
        );
    }
    if !(60..=3600).contains(&login.request_lifetime_seconds) {
        return field(
            "request_lifetime_seconds",
            "must be between 60 and 3600".into(),
        );
    }
    if let Some(default) = &login.default_target {
        if !targets.contains_key(default) {
            return field(
                "default_target",
                format!("{default:?} is not a key of [targets]"),
            );
        }
    }
    if targets.is_empty() {
        return Err((
            "targets".into(),
            "configure at least one target for logins to lead to".into(),
        ));
    }
    for (key, target) in targets {
        for (index, role) in target.allowed_roles.iter().enumerate() {
            if !login.allowed_roles.contains(role) {
                return Err((
                    format!("targets.{key}.allowed_roles[{index}]"),
                    format!("{role:?} is not in login.allowed_roles, so no login could use it"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login() -> LoginConfig {
        LoginConfig {
            presign_function: "studiogate-presign".into(),
            replay_table: Some("studiogate-replay".into()),
            replay_in_memory: false,
            allowed_roles: vec!["arn:aws:iam::123456789012:role/StudioUser".into()],
            default_target: None,
            groups_attribute: None,
            default_session_seconds: 3600,
            max_session_seconds: 7200,
            budget_seconds: 4,
            request_lifetime_seconds: DEFAULT_REQUEST_LIFETIME_SECONDS,
        }
    }

    #[test]
    fn session_length_follows_the_assertion_within_the_configured_bounds() {
        let login = login();
        assert_eq!(login.session_seconds(None), 3600);
        assert_eq!(login.session_seconds(Some(1800)), 1800);
        assert_eq!(login.session_seconds(Some(43_200)), 7200);
        assert_eq!(login.session_seconds(Some(60)), 900);
    }

    #[test]
    fn the_acs_deadline_bounds_both_budgets() {
        let targets = BTreeMap::new();
        let mut presign = PresignConfig::default();
        let login = login();
        let error = check(&login, &presign, &targets).unwrap_err();
        assert_eq!(
            error.0, "targets",
            "the defaults fit: only the missing target is reported"
        );
        presign.budget_seconds = 25;
        let (field, message) = check(&login, &presign, &targets).unwrap_err();
        assert_eq!(field, "login.budget_seconds");
        assert!(message.contains("now 34 s"), "{message}");
    }

    #[test]
    fn an_authn_request_lives_between_a_minute_and_an_hour() {
        let target: Target = toml::from_str(
            "kind = \"sagemaker\"\ndisplay_name = \"ML\"\ndomain_id = \"d-1\"\n\
             default = { execution_role = \"arn:aws:iam::123456789012:role/Exec\" }",
        )
        .unwrap();
        let targets = BTreeMap::from([("ml".to_owned(), target)]);
        let presign = PresignConfig::default();
        for (seconds, ok) in [
            (59, false),
            (60, true),
            (600, true),
            (3600, true),
            (3601, false),
        ] {
            let login = LoginConfig {
                request_lifetime_seconds: seconds,
                ..login()
            };
            let result = check(&login, &presign, &targets);
            assert_eq!(result.is_ok(), ok, "{seconds}: {result:?}");
            if !ok {
                assert_eq!(result.unwrap_err().0, "login.request_lifetime_seconds");
            }
        }
    }

    #[test]
    fn recognises_role_arns_only() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/StudioUser"));
        assert!(is_role_arn("arn:aws-us-gov:iam::123456789012:role/path/R"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/alice"));
        assert!(!is_role_arn("arn:aws:iam::1234:role/R"));
        assert!(!is_role_arn("arn:aws:sts::123456789012:role/R"));
        assert!(!is_role_arn("StudioUser"));
    }
}
