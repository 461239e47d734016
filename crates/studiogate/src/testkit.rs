//! Test doubles for the domain's ports and sample values, in one place: this crate's unit tests and
//! the integration tests (feature `testkit`) use the same ones. Never compiled into a function.

pub use studiogate_saml::testkit as saml;

pub mod emr;

use crate::config::BrokerConfig;
use crate::login::ports::{
    AssumeRoleWithSaml, InvokeError, LoginPorts, PresignInvoker, SamlFederation, StsAnswer,
};
use crate::login::replay::{
    Consumed, InMemoryReplayCache, OutstandingRequest, ReplayCache, ReplayUnavailable,
};
use crate::login::LoginFlow;
use crate::web::Broker;
use std::sync::Mutex;
use studiogate_kernel::clock::FixedClock;
use studiogate_kernel::seal::{self, MacGenerator, MacVerifier, SealedRequest};
use studiogate_kernel::wire::{
    Action, Change, FederatedCredentials, PresignRequest, PresignResponse,
};
use studiogate_kernel::AwsError;
use studiogate_saml::authn_request::RequestId;
use time::OffsetDateTime;

/// The credentials every double hands out; leak tests search logs for the secret and token.
pub fn credentials() -> FederatedCredentials {
    FederatedCredentials {
        access_key_id: "ASIATESTDOUBLE".into(),
        secret_access_key: "test-double-secret".into(),
        session_token: "test-double-token".into(),
        expiration: "2099-01-01T00:00:00Z".into(),
    }
}

/// A keyed SHA-256 standing in for the KMS HMAC key: what matters is who holds which key.
#[derive(Debug, Clone)]
pub struct TestMac {
    /// The key.
    pub key: &'static str,
    /// Answer every call with AccessDenied, as KMS does for a principal the key policy leaves out.
    pub refuses: bool,
}

impl TestMac {
    /// The key saml-validator's and presign's doubles share.
    pub const SHARED: TestMac = TestMac {
        key: "seal-key",
        refuses: false,
    };
    /// A key KMS will not use for this caller.
    pub const REFUSING: TestMac = TestMac {
        key: "seal-key",
        refuses: true,
    };

    fn refusal(&self, operation: &'static str) -> Result<(), AwsError> {
        if self.refuses {
            return Err(AwsError::new(
                operation,
                studiogate_kernel::ErrorKind::AccessDenied,
                "AccessDeniedException",
                "the key policy does not allow this caller",
            ));
        }
        Ok(())
    }

    fn mac(&self, message: &[u8]) -> Vec<u8> {
        studiogate_kernel::digest::sha256(&[self.key.as_bytes(), b"\n", message].concat())
    }
}

impl MacGenerator for TestMac {
    async fn generate_mac(&self, message: &[u8]) -> Result<Vec<u8>, AwsError> {
        self.refusal("kms:GenerateMac")?;
        Ok(self.mac(message))
    }
}

impl MacVerifier for TestMac {
    async fn verify_mac(&self, message: &[u8], mac: &[u8]) -> Result<bool, AwsError> {
        self.refusal("kms:VerifyMac")?;
        Ok(self.mac(message) == mac)
    }
}

/// What STS was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsCall {
    /// RoleArn.
    pub role_arn: String,
    /// PrincipalArn.
    pub provider_arn: String,
    /// SAMLAssertion, as sent.
    pub saml_response: String,
    /// DurationSeconds.
    pub duration_seconds: u32,
}

/// STS that answers what a correct STS reads from an assertion (the identity it is built with), or
/// the errors scripted in `errors` (last first), recording every call.
pub struct ScriptedSts {
    /// The account of the assumed-role ARN.
    pub account: String,
    /// The Issuer it reports.
    pub issuer: String,
    /// The Audience (Recipient) it reports.
    pub audience: String,
    /// The Subject (NameID) it reports.
    pub subject: String,
    /// The session name of the assumed-role ARN.
    pub session_name: String,
    /// Errors to answer, popped one per call.
    pub errors: Mutex<Vec<AwsError>>,
    /// Every call.
    pub calls: Mutex<Vec<StsCall>>,
    /// Changes each answer (a parser that read something else than STS).
    pub tamper: Option<fn(&mut StsAnswer)>,
    /// Never answers (and has no timeout of its own, unlike the SDK client).
    pub hang: bool,
}

impl ScriptedSts {
    /// STS reading alice's assertion from the SAML test kit's IdP, in `account`.
    pub fn alice(account: &str) -> Self {
        ScriptedSts {
            account: account.into(),
            issuer: saml::IDP_ENTITY_ID.into(),
            audience: saml::RECIPIENT.into(),
            subject: "alice@example.com".into(),
            session_name: "alice".into(),
            errors: Mutex::default(),
            calls: Mutex::default(),
            tamper: None,
            hang: false,
        }
    }
}

impl SamlFederation for ScriptedSts {
    async fn assume_role_with_saml(
        &self,
        params: &AssumeRoleWithSaml<'_>,
    ) -> Result<StsAnswer, AwsError> {
        self.calls.lock().unwrap().push(StsCall {
            role_arn: params.role_arn.into(),
            provider_arn: params.provider_arn.into(),
            saml_response: params.saml_response.into(),
            duration_seconds: params.duration_seconds,
        });
        if self.hang {
            std::future::pending::<()>().await;
        }
        if let Some(error) = self.errors.lock().unwrap().pop() {
            return Err(error);
        }
        let role = params.role_arn.rsplit('/').next().unwrap_or_default();
        let mut answer = StsAnswer {
            credentials: credentials(),
            assumed_role_arn: Some(format!(
                "arn:aws:sts::{}:assumed-role/{role}/{}",
                self.account, self.session_name
            )),
            issuer: Some(self.issuer.clone()),
            audience: Some(self.audience.clone()),
            subject: Some(self.subject.clone()),
        };
        if let Some(tamper) = self.tamper {
            tamper(&mut answer);
        }
        Ok(answer)
    }
}

/// presign that opens each sealed request with its key (so a bad seal fails the test), records it,
/// and answers a redirect to `url` for the user's profile, or the scripted `answer`.
pub struct RecordingPresign {
    /// The key it checks seals with.
    pub key: TestMac,
    /// Where it redirects.
    pub url: String,
    /// An answer replacing the redirect.
    pub answer: Mutex<Option<Result<PresignResponse, InvokeError>>>,
    /// Every request it opened.
    pub requests: Mutex<Vec<PresignRequest>>,
}

impl RecordingPresign {
    /// presign redirecting to `url`, checking seals with [`TestMac::SHARED`].
    pub fn redirecting_to(url: &str) -> Self {
        RecordingPresign {
            key: TestMac::SHARED,
            url: url.into(),
            answer: Mutex::default(),
            requests: Mutex::default(),
        }
    }
}

impl PresignInvoker for RecordingPresign {
    async fn invoke(&self, sealed: &SealedRequest) -> Result<PresignResponse, InvokeError> {
        let event = serde_json::to_value(sealed).expect("a sealed request is JSON");
        // The double checks seals as presign does, at the time they were made.
        let at = OffsetDateTime::from_unix_timestamp(sealed.sealed_at).expect("a valid instant");
        // Each request is opened once, as presign spends its seal once.
        let request = seal::open(&self.key, &seal::InMemorySealLedger::default(), event, at)
            .await
            .expect("saml-validator seals every request");
        self.requests.lock().unwrap().push(request.clone());
        if let Some(answer) = self.answer.lock().unwrap().clone() {
            return answer;
        }
        Ok(PresignResponse::Redirect {
            url: self.url.clone(),
            action: Action {
                kind: crate::targets::sagemaker::PROFILE,
                name: Some(request.identity.role_session_name.clone()),
                change: Change::Created,
            },
        })
    }
}

/// A replay cache that cannot be reached.
pub struct UnreachableReplay;

impl ReplayCache for UnreachableReplay {
    async fn consume(
        &self,
        _: &str,
        _: &str,
        _: OffsetDateTime,
        _: OffsetDateTime,
    ) -> Result<Consumed, ReplayUnavailable> {
        Err(ReplayUnavailable("DynamoDB is not answering".into()))
    }
    async fn remember_request(
        &self,
        _: &RequestId,
        _: &OutstandingRequest,
        _: OffsetDateTime,
        _: OffsetDateTime,
    ) -> Result<(), ReplayUnavailable> {
        Err(ReplayUnavailable("DynamoDB is not answering".into()))
    }

    async fn take_request(
        &self,
        _: &RequestId,
        _: OffsetDateTime,
    ) -> Result<Option<OutstandingRequest>, ReplayUnavailable> {
        Err(ReplayUnavailable("DynamoDB is not answering".into()))
    }
}

/// A replay cache that never answers.
pub struct HangingReplay;

impl ReplayCache for HangingReplay {
    async fn consume(
        &self,
        _: &str,
        _: &str,
        _: OffsetDateTime,
        _: OffsetDateTime,
    ) -> Result<Consumed, ReplayUnavailable> {
        std::future::pending().await
    }
    async fn remember_request(
        &self,
        _: &RequestId,
        _: &OutstandingRequest,
        _: OffsetDateTime,
        _: OffsetDateTime,
    ) -> Result<(), ReplayUnavailable> {
        std::future::pending().await
    }

    async fn take_request(
        &self,
        _: &RequestId,
        _: OffsetDateTime,
    ) -> Result<Option<OutstandingRequest>, ReplayUnavailable> {
        std::future::pending().await
    }
}

/// The login flow's ports on the doubles above and a pinned clock.
pub struct FakeLoginPorts<R = InMemoryReplayCache> {
    /// The replay cache.
    pub replay: R,
    /// STS.
    pub sts: ScriptedSts,
    /// The sealing key.
    pub sealer: TestMac,
    /// presign.
    pub presign: RecordingPresign,
    /// The pinned clock.
    pub clock: FixedClock,
}

impl<R: ReplayCache> LoginPorts for FakeLoginPorts<R> {
    type Replay = R;
    type Sts = ScriptedSts;
    type Sealer = TestMac;
    type Presign = RecordingPresign;
    type Clock = FixedClock;
    fn replay(&self) -> &R {
        &self.replay
    }
    fn sts(&self) -> &ScriptedSts {
        &self.sts
    }
    fn sealer(&self) -> &TestMac {
        &self.sealer
    }
    fn presign(&self) -> &RecordingPresign {
        &self.presign
    }
    fn clock(&self) -> &FixedClock {
        &self.clock
    }
}

/// A broker for `config` on the doubles: `sts` reads assertions, presign redirects to `url`, the
/// clock is pinned at `now`.
pub fn fake_broker<R: ReplayCache>(
    config: &BrokerConfig,
    replay: R,
    sts: ScriptedSts,
    url: &str,
    now: OffsetDateTime,
) -> Broker<FakeLoginPorts<R>> {
    let ports = FakeLoginPorts {
        replay,
        sts,
        sealer: TestMac::SHARED,
        presign: RecordingPresign::redirecting_to(url),
        clock: FixedClock(now),
    };
    let flow = LoginFlow::new(config, ports).expect("a configuration the ACS can run");
    Broker::new(flow, config)
}
