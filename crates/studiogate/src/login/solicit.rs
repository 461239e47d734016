//! SP-initiated sign-in: `GET /login?target=KEY` remembers a new AuthnRequest and sends the browser
//! to the IdP with it, with a cookie holding a random nonce; the ACS then accepts a Response that
//! names the request in InResponseTo once, within its lifetime, with the RelayState it was sent with
//! and from the browser that holds the nonce (so nobody can have a victim's browser post their own
//! answer: login CSRF). A Response that answers no request (IdP-initiated) is accepted while
//! `idp.idp_initiated` allows it.

use super::replay::{OutstandingRequest, ReplayCache, RequestId};
use super::select::relay_state_for_log;
use super::{LoginError, LoginFlow, LoginPorts};
use studiogate_kernel::clock::Clock;
use studiogate_kernel::digest::sha256_hex;
use studiogate_saml::authn_request::{random_hex, AuthnRequest};
use studiogate_saml::VerifiedAssertion;
use time::OffsetDateTime;

/// A started sign-in: where to send the browser, and the cookie it must carry back to the ACS.
#[derive(Clone, PartialEq, Eq)]
pub struct Started {
    /// The IdP URL with the request (it carries no credential).
    pub url: String,
    /// The cookie's name: one per request, so sign-ins in two tabs do not overwrite each other.
    pub cookie_name: String,
    /// The cookie's value, a random nonce. Never log it.
    pub nonce: String,
    /// The cookie's `Max-Age`: the request's lifetime.
    pub max_age_seconds: i64,
    /// `__Host-` name, `Secure`, `SameSite=None` (the IdP's POST is cross-site), unless the ACS is
    /// plain http (local runs: `SameSite=Lax`, which browsers send on a same-site POST).
    pub secure: bool,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started")
            .field("cookie_name", &self.cookie_name)
            .finish_non_exhaustive()
    }
}

/// The name of the cookie that binds request `id` to its browser.
pub fn cookie_name(id: &RequestId, secure: bool) -> String {
    let tag = &sha256_hex(id.as_str().as_bytes())[..16];
    if secure {
        format!("__Host-studiogate-{tag}")
    } else {
        format!("studiogate-{tag}")
    }
}

/// The value of cookie `name` in a Cookie header (`a=1; b=2`), if it is there once.
fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    let mut found = header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| *key == name)
        .map(|(_, value)| value);
    match (found.next(), found.next()) {
        (Some(value), None) => Some(value),
        _ => None,
    }
}

impl<P: LoginPorts> LoginFlow<P> {
    /// Starts an SP-initiated sign-in for `target` (a key of `[targets]`, or none: the ACS then
    /// applies `login.default_target` or offers a chooser): where to send the browser (a signed
    /// request, no credential) and the cookie that binds the request to it.
    pub async fn start(&self, target: Option<&str>) -> Result<Started, LoginError> {
        let sign_in = self
            .sp_initiated
            .as_ref()
            .ok_or(LoginError::SpInitiatedOff)?;
        if let Some(key) = target {
            if !self.targets.contains_key(key) {
                return Err(LoginError::UnknownTarget(relay_state_for_log(key)));
            }
        }
        let now = self.ports.clock().now();
        let request = AuthnRequest {
            id: RequestId::random().map_err(LoginError::SignInUnavailable)?,
            issue_instant: now,
            destination: sign_in.sso_url.clone(),
            acs_url: sign_in.acs_url.clone(),
            issuer: sign_in.issuer.clone(),
        };
        let nonce = random_hex().map_err(LoginError::SignInUnavailable)?;
        let outstanding = OutstandingRequest {
            target: target.map(str::to_owned),
            browser: sha256_hex(nonce.as_bytes()),
        };
        let remembered = tokio::time::timeout(
            std::time::Duration::from_secs(self.login.budget_seconds),
            self.ports.replay().remember_request(
                &request.id,
                &outstanding,
                now + sign_in.lifetime,
                now,
            ),
        )
        .await;
        match remembered {
            Ok(Ok(())) => {}
            Ok(Err(unavailable)) => return Err(LoginError::ReplayUnavailable(unavailable.0)),
            Err(_) => {
                return Err(LoginError::ReplayUnavailable(
                    "no answer within login.budget_seconds".into(),
                ))
            }
        }
        tracing::info!(target = ?target, signed = sign_in.signer.is_some(), "AuthnRequest sent");
        let url = request
            .redirect_url(target, sign_in.signer.as_deref())
            .map_err(LoginError::SignInUnavailable)?;
        let secure = sign_in.secure_cookie();
        Ok(Started {
            url,
            cookie_name: cookie_name(&request.id, secure),
            nonce,
            max_age_seconds: sign_in.lifetime.whole_seconds(),
            secure,
        })
    }

    /// The request a verified Response answers, checked before anything is consumed: `None` for
    /// IdP-initiated, refused when `idp.idp_initiated` is false.
    pub(super) fn answered_request(
        &self,
        assertion: &VerifiedAssertion,
    ) -> Result<Option<RequestId>, LoginError> {
        match &assertion.in_response_to {
            None if self.accepts_idp_initiated => Ok(None),
            None => Err(LoginError::Unsolicited),
            // saml.allow_in_response_to without SP-initiated sign-in: tolerated, as it always was.
            Some(_) if self.sp_initiated.is_none() => Ok(None),
            // Not the shape of our IDs: no request of this broker, whatever the store holds.
            Some(id) => RequestId::parse(id)
                .map(Some)
                .ok_or(LoginError::UnknownRequest),
        }
    }

    /// Takes the answered request (once), and checks the Response came back with the RelayState
    /// it was sent with, from the browser that asked (`cookies`: the request's Cookie header).
    pub(super) async fn take_answered(
        &self,
        id: &RequestId,
        relay_state: Option<&str>,
        cookies: Option<&str>,
        now: OffsetDateTime,
        remaining: std::time::Duration,
    ) -> Result<(), LoginError> {
        let taken =
            tokio::time::timeout(remaining, self.ports.replay().take_request(id, now)).await;
        let request = match taken {
            Ok(Ok(Some(request))) => request,
            Ok(Ok(None)) => return Err(LoginError::UnknownRequest),
            Ok(Err(unavailable)) => return Err(LoginError::ReplayUnavailable(unavailable.0)),
            Err(_) => {
                return Err(LoginError::ReplayUnavailable(
                    "no answer within the table's half of login.budget_seconds".into(),
                ))
            }
        };
        if request.target.as_deref() != relay_state {
            return Err(LoginError::RequestMismatch {
                sent: request.target,
                returned: relay_state.map(relay_state_for_log),
            });
        }
        let secure = self
            .sp_initiated
            .as_ref()
            .is_some_and(|sign_in| sign_in.secure_cookie());
        let nonce = cookie(cookies, &cookie_name(id, secure));
        if nonce.map(|n| sha256_hex(n.as_bytes())).as_deref() != Some(request.browser.as_str()) {
            return Err(LoginError::OtherBrowser {
                cookie_present: nonce.is_some(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
