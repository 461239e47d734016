//! The login flow step by step, on fakes of its ports and a pinned clock.

use super::ports::{InvokeError, StsAnswer};
use super::replay::{InMemoryReplayCache, ReplayCache};
use super::*;
use crate::config::BrokerConfig;
use crate::testkit::saml::{self as testkit, ResponseSpec, Signing};
use crate::testkit::{
    FakeLoginPorts, HangingReplay, RecordingPresign, ScriptedSts, TestMac, UnreachableReplay,
};
use studiogate_kernel::clock::{parse_instant, FixedClock};
use studiogate_kernel::wire::{Action, ErrorCode, PresignError, PresignResponse};
use studiogate_kernel::{AwsError, ErrorKind};
use time::OffsetDateTime;

pub(crate) const ACCOUNT: &str = "111122223333";
pub(crate) const PROVIDER: &str = "arn:aws:iam::111122223333:saml-provider/TestIdP";
pub(crate) const USER: &str = "arn:aws:iam::111122223333:role/StudioUser";
pub(crate) const ADMIN: &str = "arn:aws:iam::111122223333:role/StudioAdmin";
pub(crate) const URL: &str = "https://d-1.studio.us-east-1.sagemaker.aws/auth?token=one-time";

pub(crate) fn now() -> OffsetDateTime {
    parse_instant("2026-12-01T12:00:00Z").unwrap()
}

pub(crate) fn config() -> BrokerConfig {
    let text = testkit::broker_toml(&format!(
        r#"
[login]
presign_function = "studiogate-presign"
replay_in_memory = true
allowed_roles = ["{USER}", "{ADMIN}"]
groups_attribute = "groups"
max_session_seconds = 7200
budget_seconds = 3
[presign]
seal_key = "alias/test-seal"
[targets.ml]
kind = "sagemaker"
display_name = "ML platform"
domain_id = "d-1"
default = {{ execution_role = "arn:aws:iam::111122223333:role/Exec" }}
[targets.emr]
kind = "emr"
display_name = "EMR Studio"
studio_id = "es-1"
region = "us-east-1"
allowed_roles = ["{ADMIN}"]
"#
    ));
    BrokerConfig::from_toml(&text, None).expect("test configuration is valid")
}

/// The IdP's SSO URL in [`sp_config`].
pub(crate) const SSO: &str = "https://idp.example.test/sso";

/// [`config`] with SP-initiated sign-in: the IdP's SSO URL, and the SP key and certificate, so
/// requests are signed.
pub(crate) fn sp_config(idp_initiated: Option<bool>) -> BrokerConfig {
    let mut config = config();
    config.idp.sso_url = Some(SSO.into());
    config.idp.idp_initiated = idp_initiated;
    config.sp.decryption_key_pem = Some(testkit::SP_ENCRYPTION.key_pem.to_owned().into());
    config.sp.certificate = Some(testkit::SP_ENCRYPTION.cert_pem.into());
    config.validate().expect("SP-initiated test configuration");
    config
}

/// A signed response for `roles` (role ARNs, all under [`PROVIDER`]).
pub(crate) fn spec(roles: &[&str]) -> ResponseSpec {
    let mut spec = ResponseSpec::aws(now());
    spec.attributes[0].1 = roles.iter().map(|r| format!("{r},{PROVIDER}")).collect();
    spec
}

pub(crate) fn body(spec: &ResponseSpec, relay_state: Option<&str>) -> Vec<u8> {
    testkit::post_body(
        &testkit::signed_response(spec, Signing::Assertion, &testkit::IDP),
        relay_state,
    )
}

pub(crate) type TestFlow<R = InMemoryReplayCache> = LoginFlow<FakeLoginPorts<R>>;

pub(crate) fn alice_sts() -> ScriptedSts {
    ScriptedSts::alice(ACCOUNT)
}

pub(crate) fn flow_with<R: ReplayCache>(replay: R, sts: ScriptedSts) -> TestFlow<R> {
    let ports = FakeLoginPorts {
        replay,
        sts,
        sealer: TestMac::SHARED,
        presign: RecordingPresign::redirecting_to(URL),
        clock: FixedClock(now()),
    };
    LoginFlow::new(&config(), ports).expect("the test configuration runs the ACS")
}

pub(crate) fn flow() -> TestFlow {
    flow_with(InMemoryReplayCache::default(), alice_sts())
}

pub(crate) async fn post<R: ReplayCache>(
    flow: &TestFlow<R>,
    body: &[u8],
) -> (Result<LoginOutcome, LoginError>, LoginAudit) {
    post_with_cookie(flow, body, None).await
}

/// [`post`], from a browser that sends this Cookie header.
pub(crate) async fn post_with_cookie<R: ReplayCache>(
    flow: &TestFlow<R>,
    body: &[u8],
    cookie: Option<&str>,
) -> (Result<LoginOutcome, LoginError>, LoginAudit) {
    flow.acs(&AcsRequest {
        body,
        request_id: "req-1",
        source_ip: Some("198.51.100.7"),
        cookie,
    })
    .await
}

fn throttled() -> AwsError {
    AwsError::new(
        "sts:AssumeRoleWithSAML",
        ErrorKind::Throttled,
        "Throttling",
        "Rate exceeded",
    )
}

#[tokio::test]
async fn a_single_role_login_assumes_it_and_redirects_to_the_presigned_url() {
    let flow = flow();
    let (result, audit) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(result, Ok(LoginOutcome::Redirect { url: URL.into() }));
    assert_eq!(
        flow.ports
            .sts
            .calls
            .lock()
            .unwrap()
            .iter()
            .map(|c| (
                c.role_arn.as_str(),
                c.provider_arn.as_str(),
                c.duration_seconds
            ))
            .collect::<Vec<_>>(),
        vec![(USER, PROVIDER, 3600)]
    );
    let requests = flow.ports.presign.requests.lock().unwrap();
    let request = &requests[0];
    assert_eq!(request.request_id, "req-1");
    assert_eq!(request.target, "ml");
    assert_eq!(request.identity.name_id, "alice@example.com");
    assert_eq!(request.identity.role_session_name, "alice");
    assert_eq!(request.identity.groups, vec!["ml-engineers", "everyone"]);
    assert_eq!(request.identity.principal_tags["studiouserid"], "alice");
    assert_eq!(request.identity.session_duration, Some(3600));
    assert_eq!(request.credentials.access_key_id, "ASIATESTDOUBLE");
    assert_eq!(audit.outcome, "redirect");
    assert_eq!(audit.request_id, "req-1");
    assert_eq!(audit.issuer.as_deref(), Some(testkit::IDP_ENTITY_ID));
    assert_eq!(
        audit.name_id_hash.as_deref(),
        Some(audit::hash_name_id(testkit::IDP_ENTITY_ID, "alice@example.com").as_str())
    );
    assert_eq!(audit.role.as_deref(), Some(USER));
    assert_eq!(audit.target.as_deref(), Some("ml"));
    assert_eq!(audit.source_ip.as_deref(), Some("198.51.100.7"));
    assert_eq!(audit.change.as_deref(), Some("created"));
    assert!(audit.profile_created);
}

#[tokio::test]
async fn rejects_assertion_signed_by_untrusted_key_before_any_aws_call() {
    let flow = flow();
    let forged = testkit::post_body(
        &testkit::signed_response(&spec(&[USER]), Signing::Assertion, &testkit::ATTACKER),
        Some("ml"),
    );
    let (result, audit) = post(&flow, &forged).await;
    assert_eq!(result.unwrap_err().reason_code(), "signature-invalid");
    assert_eq!(audit.outcome, "signature-invalid");
    assert!(flow.ports.sts.calls.lock().unwrap().is_empty());
    assert!(flow.ports.presign.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn rejects_an_expired_assertion_with_a_time_reason() {
    let flow = flow();
    let mut old = spec(&[USER]);
    old.issue_instant = now() - time::Duration::minutes(20);
    old.not_before = old.issue_instant;
    old.not_on_or_after = now() - time::Duration::minutes(10);
    let (result, _) = post(&flow, &body(&old, Some("ml"))).await;
    match result {
        Err(LoginError::Rejected(rejection)) => assert!(rejection.is_time_related(), "{rejection}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn several_roles_show_a_chooser_and_the_choice_completes_the_login_once() {
    let flow = flow();
    let response = spec(&[USER, ADMIN]);
    let (result, audit) = post(&flow, &body(&response, Some("ml"))).await;
    let Ok(LoginOutcome::Chooser(page)) = result else {
        panic!("expected a chooser, got {result:?}")
    };
    assert_eq!(audit.outcome, "chooser");
    assert_eq!(page.user, "alice");
    assert_eq!(page.relay_state.as_deref(), Some("ml"));
    let choices: Vec<String> = page.options.iter().map(LoginOption::choice_value).collect();
    assert_eq!(choices, vec![format!("ml {USER}"), format!("ml {ADMIN}")]);
    assert!(
        flow.ports.sts.calls.lock().unwrap().is_empty(),
        "a chooser calls no AWS API"
    );

    let mut chosen = body(&response, Some("ml"));
    chosen.extend_from_slice(
        format!(
            "&choice=ml+{}",
            ADMIN.replace(':', "%3A").replace('/', "%2F")
        )
        .as_bytes(),
    );
    let (result, audit) = post(&flow, &chosen).await;
    assert_eq!(result, Ok(LoginOutcome::Redirect { url: URL.into() }));
    assert_eq!(audit.role.as_deref(), Some(ADMIN));
    assert_eq!(flow.ports.sts.calls.lock().unwrap()[0].role_arn, ADMIN);

    let (again, _) = post(&flow, &chosen).await;
    assert_eq!(again, Err(LoginError::Replayed));
}

#[tokio::test]
async fn a_choice_that_was_not_offered_is_refused() {
    let flow = flow();
    let mut chosen = body(&spec(&[USER, ADMIN]), Some("emr"));
    chosen.extend_from_slice(format!("&choice=emr+{USER}").as_bytes());
    let (result, _) = post(&flow, &chosen).await;
    assert_eq!(result, Err(LoginError::ChoiceNotOffered));
    assert!(flow.ports.sts.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn without_relay_state_the_user_chooses_among_the_targets_their_roles_allow() {
    let flow = flow();
    let (result, _) = post(&flow, &body(&spec(&[ADMIN]), None)).await;
    let Ok(LoginOutcome::Chooser(page)) = result else {
        panic!("expected a chooser, got {result:?}")
    };
    let targets: Vec<&str> = page.options.iter().map(|o| o.target.as_str()).collect();
    assert_eq!(targets, vec!["emr", "ml"]);
    let (single, _) = post(&flow, &body(&spec(&[USER]), None)).await;
    assert!(
        matches!(single, Ok(LoginOutcome::Redirect { .. })),
        "only ml allows StudioUser"
    );
}

#[tokio::test]
async fn an_unknown_relay_state_is_refused_and_never_followed() {
    let flow = flow();
    let (result, audit) = post(&flow, &body(&spec(&[USER]), Some("https://evil.example/"))).await;
    assert!(
        matches!(&result, Err(LoginError::UnknownTarget(logged)) if !logged.contains("evil")),
        "{result:?}"
    );
    assert_eq!(audit.outcome, "unknown-relay-state");
}

#[tokio::test]
async fn a_user_without_an_allowed_role_is_not_entitled() {
    let flow = flow();
    let (result, _) = post(
        &flow,
        &body(
            &spec(&["arn:aws:iam::111122223333:role/Billing"]),
            Some("ml"),
        ),
    )
    .await;
    assert_eq!(result.unwrap_err().reason_code(), "no-allowed-role");
    assert!(flow.ports.sts.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_same_response_posted_twice_is_refused_the_second_time() {
    let flow = flow();
    let once = body(&spec(&[USER]), Some("ml"));
    assert!(post(&flow, &once).await.0.is_ok());
    let (second, audit) = post(&flow, &once).await;
    assert_eq!(second, Err(LoginError::Replayed));
    assert_eq!(audit.outcome, "replayed");
    assert_eq!(flow.ports.sts.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_unreachable_replay_cache_refuses_the_login() {
    let flow = flow_with(UnreachableReplay, alice_sts());
    let (result, _) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(
        result.unwrap_err().reason_code(),
        "replay-cache-unavailable"
    );
    assert!(
        flow.ports.sts.calls.lock().unwrap().is_empty(),
        "fail closed: no STS call"
    );
}

#[tokio::test]
async fn session_duration_is_clamped_by_configuration() {
    let flow = flow();
    let mut long = spec(&[USER]);
    long.attributes[2].1 = vec!["43200".into()];
    post(&flow, &body(&long, Some("ml"))).await.0.unwrap();
    assert_eq!(
        flow.ports.sts.calls.lock().unwrap()[0].duration_seconds,
        7200
    );
    assert_eq!(
        flow.ports.presign.requests.lock().unwrap()[0]
            .identity
            .session_duration,
        Some(7200)
    );
}

#[tokio::test]
async fn a_missing_role_session_name_is_refused_before_sts() {
    let flow = flow();
    let mut nameless = spec(&[USER]);
    nameless.attributes.remove(1);
    let (result, _) = post(&flow, &body(&nameless, Some("ml"))).await;
    assert_eq!(result, Err(LoginError::MissingSessionName));
}

#[tokio::test]
async fn sts_throttling_is_retried_then_reported_as_unavailable() {
    let sts = alice_sts();
    sts.errors.lock().unwrap().push(throttled());
    let flow = flow_with(InMemoryReplayCache::default(), sts);
    let (result, _) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
    assert!(result.is_ok(), "one throttle is retried: {result:?}");
    assert_eq!(flow.ports.sts.calls.lock().unwrap().len(), 2);

    let sts = alice_sts();
    sts.errors
        .lock()
        .unwrap()
        .extend(std::iter::repeat_n(throttled(), 200));
    let mut flow = flow_with(InMemoryReplayCache::default(), sts);
    flow.login.budget_seconds = 1;
    let (result, _) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(result.unwrap_err().reason_code(), "sts-unavailable");
    assert!(flow.ports.presign.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn sts_refusing_the_assertion_is_reported_with_its_reason() {
    let sts = alice_sts();
    sts.errors.lock().unwrap().push(AwsError::new(
        "sts:AssumeRoleWithSAML",
        ErrorKind::Other,
        "InvalidIdentityToken",
        "SubjectConfirmationData Recipient is not an AWS sign-in SAML endpoint",
    ));
    let flow = flow_with(InMemoryReplayCache::default(), sts);
    let (result, audit) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(result.unwrap_err().reason_code(), "sts-rejected");
    assert_eq!(audit.outcome, "sts-rejected");
    assert_eq!(
        flow.ports.sts.calls.lock().unwrap().len(),
        1,
        "a refusal is not retried"
    );
}

#[tokio::test]
async fn refuses_when_sts_read_another_issuer_audience_subject_or_role() {
    type Tamper = fn(&mut StsAnswer);
    let tampers: [(Tamper, &str); 4] = [
        (|a| a.issuer = Some("https://other-idp".into()), "Issuer"),
        (
            |a| a.audience = Some("https://signin.aws.amazon.com/saml".into()),
            "Audience",
        ),
        (|a| a.subject = None, "Subject"),
        (
            |a| {
                a.assumed_role_arn =
                    Some("arn:aws:sts::111122223333:assumed-role/StudioUser/mallory".into())
            },
            "AssumedRoleUser",
        ),
    ];
    for (tamper, expected) in tampers {
        let sts = ScriptedSts {
            tamper: Some(tamper),
            ..alice_sts()
        };
        let flow = flow_with(InMemoryReplayCache::default(), sts);
        let (result, _) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
        match result {
            Err(LoginError::StsMismatch { field, .. }) => assert_eq!(field, expected),
            other => panic!("{expected}: {other:?}"),
        }
        assert!(flow.ports.presign.requests.lock().unwrap().is_empty());
    }
}

#[tokio::test]
async fn presign_errors_and_invoke_failures_are_typed() {
    let flow = flow();
    let still = PresignError {
        code: ErrorCode::StillPreparing,
        message: "Your workspace is still being prepared.".into(),
    };
    *flow.ports.presign.answer.lock().unwrap() = Some(Ok(PresignResponse::Error {
        error: still.clone(),
    }));
    let (result, audit) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(result, Err(LoginError::Presign(still)));
    assert_eq!(audit.outcome, "presign-still-preparing");

    let failing = super::tests::flow();
    *failing.ports.presign.answer.lock().unwrap() = Some(Err(InvokeError::Aws(AwsError::new(
        "lambda:InvokeFunction",
        ErrorKind::Other,
        "FunctionError",
        "the presign function failed (Unhandled)",
    ))));
    let (result, _) = post(&failing, &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(result.unwrap_err().reason_code(), "presign-unavailable");

    let mut unsealable = super::tests::flow();
    unsealable.ports.sealer = TestMac::REFUSING;
    let (result, audit) = post(&unsealable, &body(&spec(&[USER]), Some("ml"))).await;
    assert!(matches!(result, Err(LoginError::SealUnavailable(_))));
    assert!(
        unsealable.ports.presign.requests.lock().unwrap().is_empty(),
        "an unsealed request never reaches presign"
    );
    assert_eq!(
        audit.outcome, "seal-unavailable",
        "a request KMS would not seal is told apart from presign failing"
    );
}

#[tokio::test]
async fn sts_that_does_not_answer_is_cut_off_at_the_login_budget() {
    let sts = ScriptedSts {
        hang: true,
        ..alice_sts()
    };
    let mut flow = flow_with(InMemoryReplayCache::default(), sts);
    flow.login.budget_seconds = 1;
    // Bounded by the budget alone: the fake has no client timeout (the SDK's is the whole budget
    // per attempt, which after a slow replay write would run past the ACS deadline).
    let (result, audit) = tokio::time::timeout(
        Duration::from_secs(20),
        post(&flow, &body(&spec(&[USER]), Some("ml"))),
    )
    .await
    .expect("the login is over by its budget");
    assert_eq!(result.unwrap_err().reason_code(), "sts-unavailable");
    assert_eq!(audit.outcome, "sts-unavailable");
    assert_eq!(flow.ports.sts.calls.lock().unwrap().len(), 1);
    assert!(flow.ports.presign.requests.lock().unwrap().is_empty());
}

/// A replay table that answers `First`, but only after `0`.
struct SlowReplay(Duration);

impl ReplayCache for SlowReplay {
    async fn consume(
        &self,
        _: &str,
        _: &str,
        _: OffsetDateTime,
        _: OffsetDateTime,
    ) -> Result<replay::Consumed, replay::ReplayUnavailable> {
        tokio::time::sleep(self.0).await;
        Ok(replay::Consumed::First)
    }
    async fn remember_request(
        &self,
        _: &replay::RequestId,
        _: &replay::OutstandingRequest,
        _: OffsetDateTime,
        _: OffsetDateTime,
    ) -> Result<(), replay::ReplayUnavailable> {
        unreachable!("IdP-initiated")
    }
    async fn take_request(
        &self,
        _: &replay::RequestId,
        _: OffsetDateTime,
    ) -> Result<Option<replay::OutstandingRequest>, replay::ReplayUnavailable> {
        unreachable!("IdP-initiated")
    }
}

#[tokio::test]
async fn the_replay_write_gets_half_the_budget_so_sts_keeps_the_other_half() {
    // Of a 1 s budget: 700 ms is within it but past the table's half; 200 ms is well inside.
    for (delay_ms, goes_on) in [(700, false), (200, true)] {
        let mut flow = flow_with(SlowReplay(Duration::from_millis(delay_ms)), alice_sts());
        flow.login.budget_seconds = 1;
        let (result, _) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
        let sts_called = !flow.ports.sts.calls.lock().unwrap().is_empty();
        assert_eq!(
            (result.is_ok(), sts_called),
            (goes_on, goes_on),
            "{delay_ms} ms"
        );
        if !goes_on {
            assert_eq!(
                result.unwrap_err().reason_code(),
                "replay-cache-unavailable"
            );
        }
    }
}

#[tokio::test]
async fn a_replay_cache_that_does_not_answer_in_time_refuses_the_login() {
    let mut flow = flow_with(HangingReplay, alice_sts());
    flow.login.budget_seconds = 1;
    let (result, _) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(
        result.unwrap_err().reason_code(),
        "replay-cache-unavailable"
    );
    assert!(flow.ports.sts.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_assumed_role_in_another_account_fails_the_cross_check() {
    let sts = ScriptedSts {
        tamper: Some(|a| {
            a.assumed_role_arn =
                Some("arn:aws:sts::999999999999:assumed-role/StudioUser/alice".into())
        }),
        ..alice_sts()
    };
    let flow = flow_with(InMemoryReplayCache::default(), sts);
    let (result, _) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
    let Err(LoginError::StsMismatch { field, sts, ours }) = result else {
        panic!("{result:?}")
    };
    assert_eq!(field, "AssumedRoleUser");
    assert!(
        ours.starts_with("sha256:") && sts.unwrap().starts_with("sha256:"),
        "no names in the log"
    );
}

#[tokio::test]
async fn a_presign_url_that_cannot_be_a_location_is_refused() {
    let flow = flow();
    *flow.ports.presign.answer.lock().unwrap() = Some(Ok(PresignResponse::Redirect {
        url: "javascript:alert(1)".into(),
        action: Action {
            kind: crate::targets::sagemaker::PROFILE,
            name: None,
            change: Change::Unchanged,
        },
    }));
    let (result, _) = post(&flow, &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(result.unwrap_err().reason_code(), "presign-unavailable");
}

#[test]
fn debug_output_never_shows_the_posted_assertion() {
    let posted = body(&spec(&[USER]), Some("ml"));
    let request = AcsRequest {
        body: &posted,
        request_id: "r",
        source_ip: None,
        cookie: None,
    };
    let printed = format!("{request:?}");
    assert!(
        printed.contains("body_bytes") && !printed.contains("SAMLResponse"),
        "{printed}"
    );
    let verified = config()
        .saml_validator()
        .unwrap()
        .validate_post(&posted, now())
        .unwrap();
    assert!(!format!("{verified:?}").contains(&verified.saml_response));
}

#[test]
fn a_presigned_url_goes_to_the_browser_over_https_or_to_this_machine_only() {
    for sent in [
        "https://d-1.studio.us-east-1.sagemaker.aws/auth?token=t",
        "https://signin.aws.amazon.com/federation?Action=login",
        "http://d-1.studio.us-east-1.sagemaker.localhost:8080/auth?token=t",
        "http://127.0.0.1:9000/federation?Action=login",
        "http://localhost/x",
        "http://[::1]:8080/x",
    ] {
        assert!(is_redirect_url(sent), "{sent}");
    }
    for refused in [
        "http://d-1.studio.us-east-1.sagemaker.aws/auth?token=t",
        "http://localhost@evil.example/auth?token=t",
        "http://localhost.evil.example/x",
        "http://127.0.0.1.evil.example/x",
        "http://[::1]@evil.example/x",
        "http://evil.example\\.localhost/auth?token=t",
        "http://[::2]/x",
        "javascript:alert(1)",
        "https://d-1.studio.example/auth?token=a b",
        "",
    ] {
        assert!(!is_redirect_url(refused), "{refused}");
    }
}
