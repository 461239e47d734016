//! The broker's HTTP surface, independent of the Lambda front door: routes, the security headers
//! every answer carries, and the one place where a login's outcome becomes a status and a page.
//!
//! | route | answer |
//! |---|---|
//! | `POST /saml/acs` | 302 into Studio, the chooser (200), or an error page (400/403/503; 502 when presign knows no such target) |
//! | `GET /login?target=KEY` | 302 to the IdP with an AuthnRequest (SP-initiated), or an error page (400/404/503) |
//! | `GET /saml/metadata` | the SP metadata for the IdP administrator (`HEAD`: its headers) |
//! | `GET /healthz` | `ok` (`HEAD`: its headers) |

pub mod metadata;
pub mod pages;

use crate::config::BrokerConfig;
use crate::copy::{self, ErrorPage};
use crate::login::{
    AcsRequest, LoginAudit, LoginError, LoginFlow, LoginOutcome, LoginPorts, Started,
};
use base64::Engine as _;
use std::sync::OnceLock;
use studiogate_kernel::wire::ErrorCode;

/// The ACS path.
pub const ACS_PATH: &str = "/saml/acs";
/// The SP metadata path.
pub const METADATA_PATH: &str = "/saml/metadata";
/// The health probe path.
pub const HEALTH_PATH: &str = "/healthz";
/// The SP-initiated sign-in path (bookmarkable: `?target=KEY`).
pub const LOGIN_PATH: &str = "/login";

/// An HTTP request, as the front door (function URL or HTTP API) delivered it. `Debug` never
/// shows the body (an ACS body holds the assertion).
#[derive(Clone, Copy)]
pub struct WebRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The path without any API Gateway stage.
    pub path: &'a str,
    /// The raw query string (without `?`), empty when there is none.
    pub query: &'a str,
    /// The body, base64-decoded if the front door encoded it.
    pub body: &'a [u8],
    /// The Lambda request ID.
    pub request_id: &'a str,
    /// The client address.
    pub source_ip: Option<&'a str>,
    /// The Cookie header. Never logged (it binds a sign-in to the browser).
    pub cookie: Option<&'a str>,
}

impl std::fmt::Debug for WebRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_bytes", &self.query.len())
            .field("body_bytes", &self.body.len())
            .field("request_id", &self.request_id)
            .field("source_ip", &self.source_ip)
            .field("cookie", &self.cookie.map(|_| "<redacted>"))
            .finish()
    }
}

/// An HTTP answer. `Debug` never shows a `Location`, which may be a bearer URL.
#[derive(Clone, PartialEq, Eq)]
pub struct WebResponse {
    /// Status code.
    pub status: u16,
    /// Headers (lower-case names), the security headers included.
    pub headers: Vec<(&'static str, String)>,
    /// Body.
    pub body: String,
}

impl std::fmt::Debug for WebResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("WebResponse")
            .field("status", &self.status)
            .field("headers", &names)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl WebResponse {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn new(status: u16, content_type: &str, body: String) -> Self {
        let mut headers = security_headers();
        headers.push(("content-type", content_type.to_owned()));
        WebResponse {
            status,
            headers,
            body,
        }
    }

    fn html(status: u16, body: String) -> Self {
        Self::new(status, "text/html; charset=utf-8", body)
    }
}

/// The Content-Security-Policy: nothing but the one stylesheet, no framing, no base URL. No
/// `form-action`: browsers apply it to the redirect that follows the chooser's POST, whose
/// destination (Studio, the console) is not this origin.
pub fn content_security_policy() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let hash = base64::engine::general_purpose::STANDARD
            .encode(studiogate_kernel::digest::sha256(pages::STYLE.as_bytes()));
        format!("default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; frame-ancestors 'none'")
    })
}

fn security_headers() -> Vec<(&'static str, String)> {
    vec![
        ("cache-control", "no-store".into()),
        ("referrer-policy", "no-referrer".into()),
        ("content-security-policy", content_security_policy().into()),
        ("x-content-type-options", "nosniff".into()),
        ("x-frame-options", "DENY".into()),
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains".into(),
        ),
    ]
}

/// The broker behind the front door: the login flow and the metadata it publishes.
pub struct Broker<P> {
    /// The login flow.
    pub flow: LoginFlow<P>,
    metadata: String,
}

impl<P: LoginPorts> Broker<P> {
    /// The broker for `config` (whose metadata it publishes) over `flow`.
    pub fn new(flow: LoginFlow<P>, config: &BrokerConfig) -> Self {
        Broker {
            flow,
            metadata: metadata::sp_metadata(config),
        }
    }

    /// Answers one request; for an ACS POST also returns the login's audit record.
    pub async fn handle(&self, request: &WebRequest<'_>) -> (WebResponse, Option<LoginAudit>) {
        // A HEAD of a read-only page is its GET without the body (RFC 9110, 9.3.2), so uptime
        // checkers that send HEAD see what a GET would. Not for `/login`, which starts a sign-in.
        let read_only = matches!(request.path, METADATA_PATH | HEALTH_PATH);
        if request.method == "HEAD" && read_only {
            let (mut response, audit) = self.route("GET", request).await;
            response.body.clear();
            return (response, audit);
        }
        self.route(request.method, request).await
    }

    async fn route(
        &self,
        method: &str,
        request: &WebRequest<'_>,
    ) -> (WebResponse, Option<LoginAudit>) {
        match (method, request.path) {
            ("POST", ACS_PATH) => {
                let acs = AcsRequest {
                    body: request.body,
                    request_id: request.request_id,
                    source_ip: request.source_ip,
                    cookie: request.cookie,
                };
                let (result, audit) = self.flow.acs(&acs).await;
                (login_response(result, request.request_id), Some(audit))
            }
            ("GET", LOGIN_PATH) => self.start(request).await,
            ("GET", METADATA_PATH) => (
                WebResponse::new(200, "application/samlmetadata+xml", self.metadata.clone()),
                None,
            ),
            ("GET", HEALTH_PATH) => (
                WebResponse::new(200, "text/plain; charset=utf-8", "ok".into()),
                None,
            ),
            (_, ACS_PATH) => (method_not_allowed("POST", request.request_id), None),
            (_, LOGIN_PATH) => (method_not_allowed("GET", request.request_id), None),
            _ => (
                WebResponse::html(
                    404,
                    pages::error_page(ErrorPage::NotFound, None, request.request_id),
                ),
                None,
            ),
        }
    }
}

impl<P: LoginPorts> Broker<P> {
    /// `GET /login?target=KEY`: an SP-initiated sign-in, or the page that says why not. A refusal
    /// has an audit record (and so its metrics: an unreachable table raises the same alarm as at
    /// the ACS); a request sent has none, its answer at the ACS has.
    async fn start(&self, request: &WebRequest<'_>) -> (WebResponse, Option<LoginAudit>) {
        let started = std::time::Instant::now();
        let mut targets = form_urlencoded::parse(request.query.as_bytes())
            .filter(|(name, _)| name == "target")
            .map(|(_, value)| value.into_owned());
        let target = targets.next();
        let result = match targets.next() {
            Some(_) => Err(LoginError::MalformedChoice("target is given twice")),
            None => self.flow.start(target.as_deref()).await,
        };
        let audit = result.as_ref().err().map(|error| {
            tracing::warn!(reason = error.reason_code(), detail = %error, "sign-in not started");
            LoginAudit {
                request_id: request.request_id.to_owned(),
                outcome: error.reason_code().into(),
                failure: Some(error.kind()),
                target: target
                    .as_deref()
                    .map(crate::login::select::relay_state_for_log),
                source_ip: request.source_ip.map(str::to_owned),
                latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                ..LoginAudit::default()
            }
        });
        let cookie = result.as_ref().ok().map(set_cookie);
        let mut response = login_response(
            result.map(|started| LoginOutcome::Redirect { url: started.url }),
            request.request_id,
        );
        if let Some(cookie) = cookie {
            response.headers.push(("set-cookie", cookie));
        }
        (response, audit)
    }
}

/// The `Set-Cookie` that binds a started sign-in to the browser: HttpOnly, for the request's
/// lifetime, `__Host-`/`Secure`/`SameSite=None` over https (the IdP posts cross-site).
fn set_cookie(started: &Started) -> String {
    let same_site = if started.secure {
        "; Secure; SameSite=None"
    } else {
        "; SameSite=Lax"
    };
    format!(
        "{}={}; Path=/; Max-Age={}; HttpOnly{same_site}",
        started.cookie_name, started.nonce, started.max_age_seconds
    )
}

fn method_not_allowed(allow: &str, request_id: &str) -> WebResponse {
    let mut response = WebResponse::html(
        405,
        pages::error_page(ErrorPage::MethodNotAllowed, None, request_id),
    );
    response.headers.push(("allow", allow.into()));
    response
}

/// The answer when nothing better can be built (the front door's adapter could not encode a
/// response): the "try again" page, with every security header.
pub fn unavailable_response(request_id: &str) -> WebResponse {
    let mut response = WebResponse::html(
        503,
        pages::error_page(ErrorPage::TryAgain, None, request_id),
    );
    response.headers.push(("retry-after", "30".into()));
    response
}

/// The one place a login's outcome becomes HTTP.
pub fn login_response(result: Result<LoginOutcome, LoginError>, request_id: &str) -> WebResponse {
    let error = match result {
        Ok(LoginOutcome::Redirect { url }) => {
            let mut response = WebResponse::new(302, "text/plain; charset=utf-8", String::new());
            response.headers.push(("location", url));
            return response;
        }
        Ok(LoginOutcome::Chooser(page)) => {
            return WebResponse::html(200, pages::chooser_page(&page, request_id))
        }
        Err(error) => error,
    };
    let (status, page, message): (u16, ErrorPage, Option<&str>) = match &error {
        LoginError::Rejected(rejection) if rejection.is_time_related() => {
            (403, ErrorPage::Expired, None)
        }
        LoginError::Rejected(_)
        | LoginError::MissingSessionName
        | LoginError::StsMismatch { .. } => (403, ErrorPage::Rejected, None),
        LoginError::StsExpired(_) => (403, ErrorPage::Expired, None),
        LoginError::StsRejected(_) => (403, ErrorPage::Rejected, Some(copy::STS_REFUSED)),
        LoginError::UnknownTarget(_) | LoginError::MalformedChoice(_) => {
            (400, ErrorPage::BadRequest, None)
        }
        LoginError::NoAllowedRole { .. } | LoginError::ChoiceNotOffered => {
            (403, ErrorPage::NotEntitled, None)
        }
        LoginError::Replayed => (403, ErrorPage::Expired, Some(copy::REPLAYED)),
        LoginError::UnknownRequest => (403, ErrorPage::Expired, Some(copy::REQUEST_LAPSED)),
        LoginError::Unsolicited => (403, ErrorPage::Rejected, Some(copy::UNSOLICITED)),
        LoginError::RequestMismatch { .. } => (403, ErrorPage::Rejected, None),
        LoginError::OtherBrowser { .. } => (403, ErrorPage::Rejected, Some(copy::OTHER_BROWSER)),
        LoginError::SpInitiatedOff => (404, ErrorPage::NotFound, None),
        LoginError::ReplayUnavailable(_)
        | LoginError::SignInUnavailable(_)
        | LoginError::StsUnavailable(_)
        | LoginError::SealUnavailable(_)
        | LoginError::PresignUnavailable(_)
        | LoginError::PresignAnswerMalformed(_) => (503, ErrorPage::TryAgain, None),
        LoginError::Presign(presign) => {
            let message = Some(presign.message.as_str());
            match presign.code {
                ErrorCode::StillPreparing => (503, ErrorPage::Preparing, message),
                ErrorCode::TryAgain => (503, ErrorPage::TryAgain, message),
                // The broker and presign disagree about [targets]: a deployment fault, not the user's.
                ErrorCode::UnknownTarget => (502, ErrorPage::BadRequest, message),
                ErrorCode::BadRequest | ErrorCode::IdentityMismatch => {
                    (403, ErrorPage::Rejected, message)
                }
                ErrorCode::ProfileOwnedByAnother
                | ErrorCode::ProfileUnusable
                | ErrorCode::Refused => (403, ErrorPage::NotEntitled, message),
            }
        }
    };
    let mut response = WebResponse::html(status, pages::error_page(page, message, request_id));
    if status == 503 {
        response.headers.push(("retry-after", "30".into()));
    }
    response
}

#[cfg(test)]
mod tests;
