//! SP-initiated sign-in: `GET /login?target=KEY` remembers a new AuthnRequest and sends the browser
//! to the IdP with it; the ACS then accepts a Response that names it in InResponseTo once, within
//! its lifetime, and only with the RelayState it was sent with. A Response that answers no request
//! (IdP-initiated) is accepted while `idp.idp_initiated` allows it.

use super::replay::{OutstandingRequest, ReplayCache, RequestId};
use super::{LoginError, LoginFlow, LoginPorts};
use studiogate_kernel::clock::Clock;
use studiogate_saml::authn_request::AuthnRequest;
use studiogate_saml::VerifiedAssertion;
use time::OffsetDateTime;

impl<P: LoginPorts> LoginFlow<P> {
    /// Starts an SP-initiated sign-in for `target` (a key of `[targets]`, or none: the ACS then
    /// applies `login.default_target` or offers a chooser). Answers the IdP URL to send the browser
    /// to; it carries a signed request, but no credential.
    pub async fn start(&self, target: Option<&str>) -> Result<String, LoginError> {
        let sign_in = self
            .sp_initiated
            .as_ref()
            .ok_or(LoginError::SpInitiatedOff)?;
        if let Some(key) = target {
            if !self.targets.contains_key(key) {
                return Err(LoginError::UnknownTarget(studiogate_saml::xml::clip(key)));
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
        let outstanding = OutstandingRequest {
            target: target.map(str::to_owned),
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
        request
            .redirect_url(target, sign_in.signer.as_deref())
            .map_err(LoginError::SignInUnavailable)
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
    /// it was sent with.
    pub(super) async fn take_answered(
        &self,
        id: &RequestId,
        relay_state: Option<&str>,
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
                    "no answer within login.budget_seconds".into(),
                ))
            }
        };
        if request.target.as_deref() != relay_state {
            return Err(LoginError::RequestMismatch {
                sent: request.target,
                returned: relay_state.map(studiogate_saml::xml::clip),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
