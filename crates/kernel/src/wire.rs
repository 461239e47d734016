//! The presign function's contract: what saml-validator sends and what it gets back. JSON, with
//! stable error codes and messages that are safe to show the user. On the wire it travels inside a
//! [`crate::seal::SealedRequest`].

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The verified identity, as saml-validator read it from the assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Subject NameID.
    pub name_id: String,
    /// RoleSessionName (also the session name of the assumed-role ARN).
    pub role_session_name: String,
    /// SourceIdentity, if the IdP sent one.
    #[serde(default)]
    pub source_identity: Option<String>,
    /// The user's groups (from the attribute the config names).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Every SAML attribute (name → values), for tag and naming rules.
    #[serde(default)]
    pub attributes: BTreeMap<String, Vec<String>>,
    /// PrincipalTag:* values.
    #[serde(default)]
    pub principal_tags: BTreeMap<String, String>,
    /// SessionDuration from the assertion, seconds.
    #[serde(default)]
    pub session_duration: Option<u32>,
}

#[cfg(any(test, feature = "testkit"))]
impl Identity {
    /// alice, in `groups`, with nothing else set (the tests' user).
    pub fn alice(groups: &[&str]) -> Self {
        Identity {
            name_id: "alice@example.com".into(),
            role_session_name: "alice".into(),
            source_identity: None,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            attributes: Default::default(),
            principal_tags: Default::default(),
            session_duration: None,
        }
    }
}

/// Temporary credentials from AssumeRoleWithSAML. `Debug` never shows the secrets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FederatedCredentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key. Never log it.
    pub secret_access_key: String,
    /// Session token. Never log it.
    pub session_token: String,
    /// Expiry, RFC 3339.
    pub expiration: String,
}

impl std::fmt::Debug for FederatedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FederatedCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// The presign function's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresignRequest {
    /// The login's request ID (for the audit trail).
    pub request_id: String,
    /// A key into the configured targets; never a URL.
    pub target: String,
    /// Who is signing in.
    pub identity: Identity,
    /// Their federated credentials.
    pub credentials: FederatedCredentials,
}

/// What provisioning did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Made it.
    Created,
    /// Changed it to match the rules.
    Updated,
    /// Left it as it was.
    Unchanged,
}

/// What kind of thing presign opened. Each target kind names its own (`sagemaker-profile`,
/// `emr-federation`, `emr-session-mapping`), so a new kind adds a name, not a variant here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ActionKind(Cow<'static, str>);

impl ActionKind {
    /// The kind called `name` (kebab-case).
    pub const fn named(name: &'static str) -> Self {
        ActionKind(Cow::Borrowed(name))
    }

    /// Its name, as the audit record and the wire carry it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// What kind of thing was opened.
    pub kind: ActionKind,
    /// The profile or mapping name (absent for console federation).
    pub name: Option<String>,
    /// Created, updated or unchanged.
    pub change: Change,
}

/// Stable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The request is malformed (a bug in the caller).
    BadRequest,
    /// The target key is not configured.
    UnknownTarget,
    /// The credentials do not belong to this identity.
    IdentityMismatch,
    /// A profile of that name belongs to someone else.
    ProfileOwnedByAnother,
    /// The profile is Failed, Deleting, Update_Failed or Delete_Failed.
    ProfileUnusable,
    /// AWS refused (permissions, validation).
    Refused,
    /// AWS was throttling or failing past the time budget.
    TryAgain,
    /// Still being prepared past the time budget.
    StillPreparing,
}

/// A typed failure with a message that is safe to show the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct PresignError {
    /// Stable code.
    pub code: ErrorCode,
    /// For the user: what happened and what to do; no internal detail.
    pub message: String,
}

/// The presign function's output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum PresignResponse {
    /// Send the browser here.
    Redirect {
        /// A one-time bearer URL. Never log it.
        url: String,
        /// What was done.
        action: Action,
    },
    /// Show an error page.
    Error {
        /// Why.
        error: PresignError,
    },
}

impl std::fmt::Debug for PresignResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PresignResponse::Redirect { action, .. } => f
                .debug_struct("Redirect")
                .field("url", &"<redacted>")
                .field("action", action)
                .finish(),
            PresignResponse::Error { error } => {
                f.debug_struct("Error").field("error", error).finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trips_and_debug_hides_secrets() {
        let text = include_str!("../../../events/presign-sagemaker.json");
        let sealed: crate::seal::SealedRequest =
            serde_json::from_str(text).expect("the sample event is a sealed request");
        let request: PresignRequest =
            serde_json::from_str(&sealed.request).expect("its request parses");
        assert_eq!(request.target, "sagemaker-ml");
        let printed = format!("{request:?}");
        assert!(!printed.contains(&request.credentials.secret_access_key));
        assert!(!printed.contains(&request.credentials.session_token));
    }

    #[test]
    fn responses_serialize_with_an_outcome_tag_and_hide_the_url_in_debug() {
        let redirect = PresignResponse::Redirect {
            url: "https://d-1.studio.us-east-1.sagemaker.aws/auth?token=secret".into(),
            action: Action {
                kind: ActionKind::named("sagemaker-profile"),
                name: Some("alice".into()),
                change: Change::Created,
            },
        };
        let json = serde_json::to_value(&redirect).unwrap();
        assert_eq!(json["outcome"], "redirect");
        assert_eq!(json["action"]["kind"], "sagemaker-profile");
        assert_eq!(json["action"]["change"], "created");
        assert!(!format!("{redirect:?}").contains("token=secret"));
        let error = PresignResponse::Error {
            error: PresignError {
                code: ErrorCode::ProfileOwnedByAnother,
                message: "x".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&error).unwrap()["error"]["code"],
            "profile-owned-by-another"
        );
    }
}
