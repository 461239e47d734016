//! The AWS console federation endpoint over HTTPS (or the emulator's HTTP).

use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::{AwsError, ErrorKind};

/// The federation endpoint at a configured URL.
#[derive(Clone, Debug)]
pub struct HttpFederation {
    http: reqwest::Client,
    url: String,
}

impl HttpFederation {
    /// `url`: `https://signin.aws.amazon.com/federation`, a partition's equivalent, or the emulator's.
    pub fn new(url: impl Into<String>) -> Self {
        HttpFederation {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            url: url.into(),
        }
    }
}

const OPERATION: &str = "signin:GetSigninToken";

impl HttpFederation {
    /// `Action=getSigninToken` with the user's credentials.
    pub async fn signin_token(
        &self,
        credentials: &FederatedCredentials,
        session_seconds: u32,
    ) -> Result<String, AwsError> {
        let session = serde_json::json!({
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        })
        .to_string();
        let response = self
            .http
            .get(&self.url)
            .query(&[
                ("Action", "getSigninToken"),
                ("SessionDuration", &session_seconds.to_string()),
                ("Session", &session),
            ])
            .send()
            .await
            .map_err(|e| {
                AwsError::new(
                    OPERATION,
                    ErrorKind::Network,
                    "NetworkError",
                    e.without_url().to_string(),
                )
            })?;
        let status = response.status().as_u16();
        if status >= 500 {
            return Err(AwsError::new(
                OPERATION,
                ErrorKind::ServerError,
                "ServerError",
                format!("HTTP {status}"),
            ));
        }
        // 429 is throttling, not a refusal: retried within the budget like any other.
        if status == 429 {
            return Err(AwsError::new(
                OPERATION,
                ErrorKind::Throttled,
                "TooManyRequests",
                format!("HTTP {status}"),
            ));
        }
        if status != 200 {
            return Err(AwsError::new(
                OPERATION,
                ErrorKind::AccessDenied,
                "SigninRefused",
                format!("HTTP {status}"),
            ));
        }
        let body: serde_json::Value = response.json().await.map_err(|_| {
            AwsError::new(
                OPERATION,
                ErrorKind::Other,
                "BadAnswer",
                "the answer is not JSON",
            )
        })?;
        body["SigninToken"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                AwsError::new(
                    OPERATION,
                    ErrorKind::Other,
                    "BadAnswer",
                    "no SigninToken in the answer",
                )
            })
    }

    /// The `Action=login` URL. A bearer URL: never log it.
    pub fn login_url(&self, issuer: &str, destination: &str, signin_token: &str) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("Action", "login")
            .append_pair("Issuer", issuer)
            .append_pair("Destination", destination)
            .append_pair("SigninToken", signin_token)
            .finish();
        format!("{}?{query}", self.url)
    }
}
