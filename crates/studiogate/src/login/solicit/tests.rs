//! SP-initiated sign-in, from `start` to the ACS, on the login flow's fakes and a pinned clock.

use super::super::tests::{
    body, config, now, post, post_with_cookie, sp_config, spec, TestFlow, ADMIN, SSO, URL, USER,
};
use super::super::*;
use crate::testkit::saml as testkit;
use crate::testkit::{FakeLoginPorts, RecordingPresign, ScriptedSts, TestMac, UnreachableReplay};
use base64::Engine as _;
use replay::{InMemoryReplayCache, ReplayCache};
use studiogate_kernel::clock::FixedClock;

fn flow_for<R: ReplayCache>(config: &BrokerConfig, replay: R) -> TestFlow<R> {
    let ports = FakeLoginPorts {
        replay,
        sts: ScriptedSts::alice(super::super::tests::ACCOUNT),
        sealer: TestMac::SHARED,
        presign: RecordingPresign::redirecting_to(URL),
        clock: FixedClock(now()),
    };
    LoginFlow::new(config, ports).expect("the test configuration runs the ACS")
}

fn sp_flow() -> TestFlow {
    flow_for(&sp_config(None), InMemoryReplayCache::default())
}

/// The Cookie header the browser that started `started` sends back.
fn cookie_of(started: &Started) -> String {
    format!("other=1; {}={}", started.cookie_name, started.nonce)
}

/// What the IdP reads from the redirect: the query's parameter names, the request's ID and the
/// RelayState.
fn requested(url: &str) -> (Vec<String>, String, Option<String>) {
    let query = url
        .strip_prefix(&format!("{SSO}?"))
        .expect("sent to the IdP's SSO URL");
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(value("SAMLRequest").unwrap())
        .unwrap();
    let xml =
        String::from_utf8(miniz_oxide::inflate::decompress_to_vec(&deflated).unwrap()).unwrap();
    let id = xml
        .split("ID=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        xml.contains(&format!(
            "AssertionConsumerServiceURL=\"{}\"",
            testkit::ACS_URL
        )),
        "{xml}"
    );
    (
        pairs.iter().map(|(n, _)| n.clone()).collect(),
        id,
        value("RelayState"),
    )
}

fn answer(
    roles: &[&str],
    request_id: &str,
    assertion_id: &str,
    relay_state: Option<&str>,
) -> Vec<u8> {
    let mut spec = spec(roles);
    spec.in_response_to = Some(request_id.into());
    spec.assertion_id = assertion_id.into();
    body(&spec, relay_state)
}

#[tokio::test]
async fn a_bookmarked_login_sends_a_signed_request_whose_answer_opens_the_target_once() {
    let flow = sp_flow();
    let started = flow.start(Some("ml")).await.unwrap();
    let (names, id, relay_state) = requested(&started.url);
    assert_eq!(names, ["SAMLRequest", "RelayState", "SigAlg", "Signature"]);
    assert_eq!(relay_state.as_deref(), Some("ml"));
    let cookie = cookie_of(&started);

    let (result, audit) = post_with_cookie(
        &flow,
        &answer(&[USER], &id, "_a1", Some("ml")),
        Some(&cookie),
    )
    .await;
    assert_eq!(result, Ok(LoginOutcome::Redirect { url: URL.into() }));
    assert_eq!(audit.target.as_deref(), Some("ml"));

    // Another assertion for the same request: the request was answered.
    let (again, audit) = post_with_cookie(
        &flow,
        &answer(&[USER], &id, "_a2", Some("ml")),
        Some(&cookie),
    )
    .await;
    assert_eq!(again, Err(LoginError::UnknownRequest));
    assert_eq!(audit.outcome, "unknown-request");
    assert_eq!(
        flow.ports.sts.calls.lock().unwrap().len(),
        1,
        "the refusal made no STS call"
    );
}

#[tokio::test]
async fn an_answer_to_a_request_the_broker_never_sent_is_refused_before_sts() {
    let flow = sp_flow();
    for id in [
        "_0123456789abcdef0123456789abcdef",
        "_req1",
        "id-from-elsewhere",
    ] {
        let (result, _) = post(&flow, &answer(&[USER], id, "_a1", Some("ml"))).await;
        assert_eq!(result, Err(LoginError::UnknownRequest), "{id}");
    }
    assert!(flow.ports.sts.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_answer_must_come_back_with_the_relay_state_the_request_was_sent_with() {
    let flow = sp_flow();
    let started = flow.start(Some("ml")).await.unwrap();
    let (_, id, _) = requested(&started.url);
    let (result, _) = post_with_cookie(
        &flow,
        &answer(&[USER, ADMIN], &id, "_a1", Some("emr")),
        Some(&cookie_of(&started)),
    )
    .await;
    assert_eq!(
        result,
        Err(LoginError::RequestMismatch {
            sent: Some("ml".into()),
            returned: Some("emr".into())
        })
    );
    assert!(flow.ports.sts.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_request_without_a_target_lets_the_acs_choose_as_for_a_tile_without_relay_state() {
    let flow = sp_flow();
    let started = flow.start(None).await.unwrap();
    let (names, id, relay_state) = requested(&started.url);
    assert_eq!(names, ["SAMLRequest", "SigAlg", "Signature"]);
    assert_eq!(relay_state, None);
    let (result, _) = post_with_cookie(
        &flow,
        &answer(&[USER, ADMIN], &id, "_a1", None),
        Some(&cookie_of(&started)),
    )
    .await;
    assert!(matches!(result, Ok(LoginOutcome::Chooser(_))), "{result:?}");
}

#[tokio::test]
async fn idp_initiated_responses_are_accepted_by_default_and_refused_when_turned_off() {
    let (result, _) = post(&sp_flow(), &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(result, Ok(LoginOutcome::Redirect { url: URL.into() }));

    let only_ours = flow_for(&sp_config(Some(false)), InMemoryReplayCache::default());
    let (result, audit) = post(&only_ours, &body(&spec(&[USER]), Some("ml"))).await;
    assert_eq!(result, Err(LoginError::Unsolicited));
    assert_eq!(audit.outcome, "unsolicited-response");
}

#[tokio::test]
async fn start_needs_an_sso_url_a_known_target_and_a_reachable_table() {
    let plain = flow_for(&config(), InMemoryReplayCache::default());
    assert_eq!(
        plain.start(Some("ml")).await,
        Err(LoginError::SpInitiatedOff)
    );
    assert_eq!(
        sp_flow().start(Some("nope")).await,
        Err(LoginError::UnknownTarget("nope".into()))
    );
    // Attacker text never reaches the log: what is not shaped like a key, only by length and digest.
    let Err(LoginError::UnknownTarget(logged)) =
        sp_flow().start(Some("https://evil.example/<script>")).await
    else {
        panic!("an unknown target");
    };
    assert!(
        logged.starts_with("<not a target key: 29 bytes"),
        "{logged}"
    );
    let unreachable = flow_for(&sp_config(None), UnreachableReplay);
    assert!(matches!(
        unreachable.start(Some("ml")).await,
        Err(LoginError::ReplayUnavailable(_))
    ));
}

#[tokio::test]
async fn without_the_sp_certificate_requests_go_unsigned() {
    let mut config = sp_config(None);
    config.sp.certificate = None;
    let flow = flow_for(&config, InMemoryReplayCache::default());
    let (names, _, _) = requested(&flow.start(Some("ml")).await.unwrap().url);
    assert_eq!(names, ["SAMLRequest", "RelayState"]);
}

#[tokio::test]
async fn an_answer_posted_from_another_browser_is_refused_before_sts() {
    // Login CSRF: someone signs in at the IdP for their own request and has a victim's browser post
    // the answer. The victim's browser lacks the request's cookie (or holds another nonce).
    let flow = sp_flow();
    let started = flow.start(Some("ml")).await.unwrap();
    let (_, id, _) = requested(&started.url);
    let wrong = format!("{}={}", started.cookie_name, "0".repeat(32));
    for (cookie, present) in [(None, false), (Some(wrong.as_str()), true)] {
        let fresh = flow.start(Some("ml")).await.unwrap();
        let (_, fresh_id, _) = requested(&fresh.url);
        let cookie = cookie.map(|c| c.replace(&started.cookie_name, &fresh.cookie_name));
        let (result, audit) = post_with_cookie(
            &flow,
            &answer(&[USER], &fresh_id, "_a9", Some("ml")),
            cookie.as_deref(),
        )
        .await;
        assert_eq!(
            result,
            Err(LoginError::OtherBrowser {
                cookie_present: present
            })
        );
        assert_eq!(audit.outcome, "request-from-another-browser");
    }
    assert!(
        flow.ports.sts.calls.lock().unwrap().is_empty(),
        "refused before STS"
    );
    // The right browser still signs in with its own request.
    let (result, _) = post_with_cookie(
        &flow,
        &answer(&[USER], &id, "_a1", Some("ml")),
        Some(&cookie_of(&started)),
    )
    .await;
    assert_eq!(result, Ok(LoginOutcome::Redirect { url: URL.into() }));
}

#[tokio::test]
async fn without_sp_initiated_sign_in_allow_in_response_to_tolerates_it_as_before() {
    let mut tolerant = config();
    tolerant.saml.allow_in_response_to = true;
    let flow = flow_for(&tolerant, InMemoryReplayCache::default());
    let (result, _) = post(
        &flow,
        &answer(
            &[USER],
            "_0123456789abcdef0123456789abcdef",
            "_a1",
            Some("ml"),
        ),
    )
    .await;
    assert_eq!(result, Ok(LoginOutcome::Redirect { url: URL.into() }));
}
