//! The login, from a posted SAMLResponse to a one-time Studio URL: validate, choose the target and
//! role, consume the assertion once, AssumeRoleWithSAML, check STS read what we read, then invoke
//! presign. It never writes HTTP: `crate::web` turns the outcome into a page or a redirect.

pub mod audit;
mod error;
pub mod ports;
mod redirect;
pub mod replay;
pub mod select;
mod solicit;

pub use audit::LoginAudit;
pub use error::{FailureKind, LoginError};
pub use ports::LoginPorts;
pub use select::LoginOption;
pub use solicit::Started;

use crate::config::{BrokerConfig, ConfigError, LoginConfig, SpInitiated, PRESIGN_MARGIN_SECONDS};
use crate::targets::sagemaker;
use crate::targets::Target;
use ports::{AssumeRoleWithSaml, InvokeError, PresignInvoker, SamlFederation, StsAnswer};
use redirect::is_redirect_url;
use replay::{Consumed, ReplayCache};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use studiogate_kernel::clock::Clock;
use studiogate_kernel::digest::sha256_hex;
use studiogate_kernel::retry::{with_retry, with_retry_by_deadline, Budget, Retryable};
use studiogate_kernel::seal;
use studiogate_kernel::wire::{Change, Identity, PresignRequest, PresignResponse};
use studiogate_kernel::{AwsError, ErrorKind};
use studiogate_saml::{SamlValidator, VerifiedAssertion};

/// The login flow over its ports. Built once at cold start.
pub struct LoginFlow<P> {
    /// The strict SAML validator.
    pub validator: SamlValidator,
    /// `[login]`.
    pub login: LoginConfig,
    /// `[targets]`.
    pub targets: BTreeMap<String, Target>,
    /// How long sealing and presign's answer may take together: presign's budget plus a margin.
    pub presign_wait: Duration,
    /// SP-initiated sign-in, when the IdP's SSO URL is configured.
    pub sp_initiated: Option<SpInitiated>,
    /// Whether a Response that answers no AuthnRequest is accepted (`idp.idp_initiated`).
    pub accepts_idp_initiated: bool,
    /// AWS (and the clock).
    pub ports: P,
}

/// One POST to the ACS endpoint. `Debug` never shows the body (it holds the assertion).
#[derive(Clone, Copy)]
pub struct AcsRequest<'a> {
    /// The form body (already base64-decoded if the front door encoded it).
    pub body: &'a [u8],
    /// The Lambda request ID.
    pub request_id: &'a str,
    /// The client address, if the front door says.
    pub source_ip: Option<&'a str>,
    /// The Cookie header (an SP-initiated sign-in's answer carries its request's cookie).
    pub cookie: Option<&'a str>,
}

impl std::fmt::Debug for AcsRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcsRequest")
            .field("body_bytes", &self.body.len())
            .field("request_id", &self.request_id)
            .field("source_ip", &self.source_ip)
            .finish()
    }
}

/// What the user is shown next.
#[derive(Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Send the browser into Studio. The URL is a bearer token: never log it.
    Redirect {
        /// The one-time URL.
        url: String,
    },
    /// Several places or roles: let the user choose (nothing is consumed yet).
    Chooser(ChooserPage),
}

impl std::fmt::Debug for LoginOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginOutcome::Redirect { .. } => f.write_str("Redirect { url: <redacted> }"),
            LoginOutcome::Chooser(page) => f
                .debug_struct("Chooser")
                .field("options", &page.options)
                .finish_non_exhaustive(),
        }
    }
}

/// What the chooser page needs: the same SAMLResponse to post back, and the options.
#[derive(Clone, PartialEq, Eq)]
pub struct ChooserPage {
    /// The SAMLResponse as posted (base64). It goes back into the form, never into a log.
    pub saml_response: String,
    /// The RelayState as posted (a target key), carried back unchanged.
    pub relay_state: Option<String>,
    /// Who is signing in (their RoleSessionName).
    pub user: String,
    /// The choices.
    pub options: Vec<LoginOption>,
}

/// Why sealing and invoking presign gave no answer.
enum PresignCallError {
    Seal(AwsError),
    Invoke(InvokeError),
}

impl Retryable for PresignCallError {
    fn is_retryable(&self) -> bool {
        match self {
            PresignCallError::Seal(e) => e.is_retryable(),
            PresignCallError::Invoke(e) => e.is_retryable(),
        }
    }
}

impl<P: LoginPorts> LoginFlow<P> {
    /// The flow for `config` (it needs `[login]` and the SAML settings) over `ports`.
    pub fn new(config: &BrokerConfig, ports: P) -> Result<Self, ConfigError> {
        Ok(LoginFlow {
            validator: config.saml_validator()?,
            login: config.login()?.clone(),
            targets: config.targets.clone(),
            presign_wait: Duration::from_secs(
                config.presign.budget_seconds + PRESIGN_MARGIN_SECONDS,
            ),
            sp_initiated: config.sp_initiated()?,
            accepts_idp_initiated: config.accepts_idp_initiated(),
            ports,
        })
    }

    /// Handles one ACS POST. Returns the outcome and the audit record (also logged by the caller).
    pub async fn acs(
        &self,
        request: &AcsRequest<'_>,
    ) -> (Result<LoginOutcome, LoginError>, LoginAudit) {
        let started = Instant::now();
        let mut audit = LoginAudit {
            request_id: request.request_id.to_owned(),
            source_ip: request.source_ip.map(str::to_owned),
            ..LoginAudit::default()
        };
        let result = self.run(request, &mut audit).await;
        audit.outcome = match &result {
            Ok(LoginOutcome::Redirect { .. }) => "redirect".into(),
            Ok(LoginOutcome::Chooser(_)) => "chooser".into(),
            Err(error) => {
                tracing::warn!(reason = error.reason_code(), detail = %error, "login refused");
                audit.failure = Some(error.kind());
                error.reason_code().into()
            }
        };
        audit.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        (result, audit)
    }

    async fn run(
        &self,
        request: &AcsRequest<'_>,
        audit: &mut LoginAudit,
    ) -> Result<LoginOutcome, LoginError> {
        let now = self.ports.clock().now();
        let posted = self
            .validator
            .validate_post(request.body, now)
            .map_err(LoginError::Rejected)?;
        let assertion = &posted.assertion;
        audit.issuer = Some(assertion.issuer.clone());
        audit.name_id_hash = Some(audit::hash_name_id(&assertion.issuer, &assertion.name_id));
        let session_name = assertion
            .aws
            .role_session_name
            .clone()
            .ok_or(LoginError::MissingSessionName)?;
        let answered = self.answered_request(assertion)?;

        let choice = select::parse_choice(request.body)?;
        let options = select::login_options(
            &assertion.aws.roles,
            &self.login,
            &self.targets,
            posted.relay_state.as_deref(),
        )?;
        let picked = match choice {
            Some(choice) => options
                .iter()
                .find(|o| o.target == choice.target && o.role.role_arn == choice.role_arn)
                .ok_or(LoginError::ChoiceNotOffered)?,
            None if options.len() == 1 => &options[0],
            None => {
                return Ok(LoginOutcome::Chooser(ChooserPage {
                    saml_response: posted.saml_response.clone(),
                    relay_state: posted.relay_state.clone(),
                    user: session_name,
                    options,
                }))
            }
        };
        audit.target = Some(picked.target.clone());
        audit.role = Some(picked.role.role_arn.clone());

        // One deadline for the replay write and STS, each attempt cut off at it, so both are over
        // by then however slow an answer; it also decides whether a failed seal or invocation is
        // tried again, each try waiting at most presign's budget and the margin (`presign_wait`).
        let budget = Budget::new(Duration::from_secs(self.login.budget_seconds));
        // The table's writes get the first half of it: a throttled table cannot leave STS no time
        // after the assertion is spent (the user's retry would then be a replay).
        let writes = Budget::new(budget.remaining() / 2);
        // Consumed only now that the login goes ahead (a chooser does not use it up).
        if let Some(id) = &answered {
            self.take_answered(
                id,
                posted.relay_state.as_deref(),
                request.cookie,
                now,
                writes.remaining(),
            )
            .await?;
        }
        let skew = time::Duration::seconds(self.validator.settings().policy.clock_skew_seconds);
        let consumed = tokio::time::timeout(
            writes.remaining(),
            self.ports.replay().consume(
                &assertion.issuer,
                &assertion.assertion_id,
                assertion.not_on_or_after + skew,
                now,
            ),
        )
        .await;
        match consumed {
            Ok(Ok(Consumed::First)) => {}
            Ok(Ok(Consumed::Replayed)) => return Err(LoginError::Replayed),
            Ok(Err(unavailable)) => return Err(LoginError::ReplayUnavailable(unavailable.0)),
            Err(_) => {
                return Err(LoginError::ReplayUnavailable(
                    "no answer within the table's half of login.budget_seconds".into(),
                ))
            }
        }

        let duration_seconds = self.login.session_seconds(assertion.aws.session_duration);
        let params = AssumeRoleWithSaml {
            role_arn: &picked.role.role_arn,
            provider_arn: &picked.role.provider_arn,
            saml_response: &posted.saml_response,
            duration_seconds,
        };
        let (answer, attempts) = with_retry_by_deadline(&budget, "sts:AssumeRoleWithSAML", || {
            self.ports.sts().assume_role_with_saml(&params)
        })
        .await;
        let answer = answer.map_err(|error| {
            tracing::warn!(operation = error.operation, code = %error.code, attempts, "AssumeRoleWithSAML failed");
            if error.is_retryable() {
                LoginError::StsUnavailable(error)
            } else if error.kind == ErrorKind::Expired {
                LoginError::StsExpired(error)
            } else {
                LoginError::StsRejected(error)
            }
        })?;
        cross_check(&answer, assertion, picked, &session_name)?;

        let presign_request = PresignRequest {
            request_id: request.request_id.to_owned(),
            target: picked.target.clone(),
            identity: self.identity(assertion, session_name, duration_seconds),
            credentials: answer.credentials,
        };
        let (response, _) = with_retry(&budget, || self.seal_and_invoke(&presign_request)).await;
        let response = response.map_err(|error| match error {
            PresignCallError::Seal(e) => LoginError::SealUnavailable(e),
            PresignCallError::Invoke(InvokeError::Aws(e)) => LoginError::PresignUnavailable(e),
            PresignCallError::Invoke(InvokeError::MalformedAnswer(what)) => {
                LoginError::PresignAnswerMalformed(what)
            }
        })?;
        match response {
            PresignResponse::Redirect { url, action } => {
                if !is_redirect_url(&url) {
                    return Err(LoginError::PresignAnswerMalformed(
                        "a URL that is not an https URL (or http to this machine) fit for a Location header".into(),
                    ));
                }
                audit.change = serde_json::to_value(action.change)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned));
                audit.profile_created =
                    action.kind == sagemaker::PROFILE && action.change == Change::Created;
                Ok(LoginOutcome::Redirect { url })
            }
            PresignResponse::Error { error } => Err(LoginError::Presign(error)),
        }
    }

    /// Seals the request (KMS) and invokes presign, both within [`LoginFlow::presign_wait`]; past
    /// it the call fails as a lost answer, so the ACS still answers with a page in time.
    async fn seal_and_invoke(
        &self,
        request: &PresignRequest,
    ) -> Result<PresignResponse, PresignCallError> {
        let call = async {
            let sealed = seal::seal(self.ports.sealer(), request, self.ports.clock().now())
                .await
                .map_err(PresignCallError::Seal)?;
            self.ports
                .presign()
                .invoke(&sealed)
                .await
                .map_err(PresignCallError::Invoke)
        };
        tokio::time::timeout(self.presign_wait, call)
            .await
            .unwrap_or_else(|_| {
                Err(PresignCallError::Invoke(InvokeError::Aws(
                    AwsError::timed_out("lambda:InvokeFunction", self.presign_wait),
                )))
            })
    }

    fn identity(
        &self,
        assertion: &VerifiedAssertion,
        role_session_name: String,
        session_duration: u32,
    ) -> Identity {
        let groups = self
            .login
            .groups_attribute
            .as_ref()
            .and_then(|name| assertion.attributes.get(name))
            .cloned()
            .unwrap_or_default();
        Identity {
            name_id: assertion.name_id.clone(),
            role_session_name,
            source_identity: assertion.aws.source_identity.clone(),
            groups,
            attributes: assertion.attributes.clone(),
            principal_tags: assertion.aws.principal_tags.clone(),
            session_duration: Some(session_duration),
        }
    }
}

/// STS verified the signature itself; if it read a different Issuer, Recipient (its `Audience`),
/// NameID, role or session than the validator, the two parsers disagree and nothing is trusted.
fn cross_check(
    answer: &StsAnswer,
    assertion: &VerifiedAssertion,
    picked: &LoginOption,
    session_name: &str,
) -> Result<(), LoginError> {
    let same = |field: &'static str, sts: &Option<String>, ours: &str| {
        if sts.as_deref() == Some(ours) {
            Ok(())
        } else {
            Err(LoginError::StsMismatch {
                field,
                sts: sts.clone(),
                ours: ours.to_owned(),
            })
        }
    };
    same("Issuer", &answer.issuer, &assertion.issuer)?;
    same(
        "Audience",
        &answer.audience,
        assertion.recipient.as_deref().unwrap_or_default(),
    )?;
    // The NameID and the session name identify a person: the log gets their hashes.
    let hashed = |field: &'static str, sts: Option<&str>, ours: &str| LoginError::StsMismatch {
        field,
        sts: sts.map(|v| format!("sha256:{}", &sha256_hex(v.as_bytes())[..16])),
        ours: format!("sha256:{}", &sha256_hex(ours.as_bytes())[..16]),
    };
    if answer.subject.as_deref() != Some(assertion.name_id.as_str()) {
        return Err(hashed(
            "Subject",
            answer.subject.as_deref(),
            &assertion.name_id,
        ));
    }
    let expected = format!("{}/{}", picked.role.role_arn, session_name);
    let picked_role = studiogate_kernel::arn::role(&picked.role.role_arn);
    let assumed_ok = answer
        .assumed_role_arn
        .as_deref()
        .and_then(studiogate_kernel::arn::assumed_role)
        .is_some_and(|a| {
            picked_role == Some((a.partition, a.account, a.role)) && a.session == session_name
        });
    if !assumed_ok {
        return Err(hashed(
            "AssumedRoleUser",
            answer.assumed_role_arn.as_deref(),
            &expected,
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
