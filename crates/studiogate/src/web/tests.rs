//! Routes, headers and the outcome-to-page mapping.

use super::*;
use crate::login::tests::{body, config, flow, sp_config, spec, SSO, USER};
use studiogate_kernel::wire::PresignError;
use studiogate_kernel::{AwsError, ErrorKind};
use studiogate_saml::Rejection;

fn broker() -> Broker<crate::testkit::FakeLoginPorts> {
    Broker::new(flow(), &config())
}

fn get(path: &str) -> WebRequest<'_> {
    WebRequest {
        method: "GET",
        path,
        query: "",
        body: b"",
        request_id: "req-9",
        source_ip: None,
        cookie: None,
    }
}

const SECURITY_HEADERS: [&str; 6] = [
    "cache-control",
    "referrer-policy",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "strict-transport-security",
];

fn assert_secured(response: &WebResponse) {
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(response.header("x-frame-options"), Some("DENY"));
    assert!(response
        .header("strict-transport-security")
        .is_some_and(|v| v.starts_with("max-age=")));
    let csp = response.header("content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    for name in SECURITY_HEADERS {
        assert_eq!(
            response.headers.iter().filter(|(n, _)| *n == name).count(),
            1,
            "{name} once"
        );
    }
}

#[tokio::test]
async fn every_route_answers_with_the_security_headers() {
    let broker = broker();
    for (path, status, content_type) in [
        ("/healthz", 200, "text/plain; charset=utf-8"),
        ("/saml/metadata", 200, "application/samlmetadata+xml"),
        ("/saml/acs", 405, "text/html; charset=utf-8"),
        ("/admin", 404, "text/html; charset=utf-8"),
    ] {
        let (response, audit) = broker.handle(&get(path)).await;
        assert_eq!(response.status, status, "{path}");
        assert_eq!(
            response.header("content-type"),
            Some(content_type),
            "{path}"
        );
        assert!(audit.is_none());
        assert_secured(&response);
    }
    let (acs, audit) = broker
        .handle(&WebRequest {
            method: "POST",
            path: ACS_PATH,
            query: "",
            body: &body(&spec(&[USER]), Some("ml")),
            request_id: "req-9",
            source_ip: Some("203.0.113.1"),
            cookie: None,
        })
        .await;
    assert_eq!(acs.status, 302);
    assert_secured(&acs);
    assert_eq!(
        acs.header("location"),
        Some("https://d-1.studio.us-east-1.sagemaker.aws/auth?token=one-time")
    );
    assert!(acs.body.is_empty());
    assert!(
        !format!("{acs:?}").contains("token"),
        "Debug hides the Location"
    );
    assert_eq!(audit.unwrap().outcome, "redirect");
}

#[tokio::test]
async fn a_head_of_a_read_only_page_is_its_get_without_the_body() {
    let broker = broker();
    for path in [HEALTH_PATH, METADATA_PATH] {
        let (full, _) = broker.handle(&get(path)).await;
        let (head, audit) = broker
            .handle(&WebRequest {
                method: "HEAD",
                ..get(path)
            })
            .await;
        assert_eq!(head.status, 200, "{path}");
        assert_eq!(head.headers, full.headers, "{path}");
        assert!(head.body.is_empty() && !full.body.is_empty(), "{path}");
        assert!(audit.is_none());
    }
    // A HEAD of the sign-in start would start a sign-in: it is refused as any other method is.
    let (login, audit) = sp_broker()
        .handle(&WebRequest {
            method: "HEAD",
            ..login("target=ml")
        })
        .await;
    assert_eq!(login.status, 405);
    assert_eq!(login.header("allow"), Some("GET"));
    assert!(audit.is_none());
    let (acs, _) = broker
        .handle(&WebRequest {
            method: "HEAD",
            ..get(ACS_PATH)
        })
        .await;
    assert_eq!(acs.status, 405);
}

#[test]
fn the_csp_allows_exactly_the_stylesheet_the_pages_carry() {
    use base64::Engine as _;
    let page = pages::error_page(ErrorPage::NotFound, None, "r");
    let style = page
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map(|(style, _)| style)
        .expect("one <style> element");
    let hash = base64::engine::general_purpose::STANDARD
        .encode(studiogate_kernel::digest::sha256(style.as_bytes()));
    let csp = content_security_policy();
    assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
    assert_eq!(page.matches("<style>").count(), 1);
    assert!(
        !page.contains(" style=\""),
        "no inline style attributes (the CSP forbids them)"
    );
}

#[test]
fn the_fallback_answer_is_a_page_with_every_security_header() {
    let response = unavailable_response("req-fallback");
    assert_eq!(response.status, 503);
    assert!(response.body.contains("req-fallback"));
    assert_secured(&response);
}

fn presign(code: ErrorCode) -> LoginError {
    LoginError::Presign(PresignError {
        code,
        message: format!("message for {code:?}"),
    })
}

#[test]
fn each_failure_gets_its_status_and_page() {
    let aws =
        |kind, code: &str| AwsError::new("sts:AssumeRoleWithSAML", kind, code, "aws-detail-7f3");
    let expired = Rejection::Expired {
        what: "Conditions NotOnOrAfter",
        at: "a".into(),
        now: "b".into(),
        skew_seconds: 180,
    };
    let cases: Vec<(LoginError, u16, &str)> = vec![
        (
            LoginError::Rejected(Rejection::AssertionNotSigned),
            403,
            "We couldn&#39;t sign you in",
        ),
        (
            LoginError::Rejected(expired),
            403,
            "This sign-in has expired",
        ),
        (
            LoginError::MissingSessionName,
            403,
            "We couldn&#39;t sign you in",
        ),
        (
            LoginError::UnknownTarget("x".into()),
            400,
            "This sign-in link isn&#39;t set up",
        ),
        (
            LoginError::MalformedChoice("x"),
            400,
            "This sign-in link isn&#39;t set up",
        ),
        (
            LoginError::NoAllowedRole {
                offered: 1,
                targets: "ml".into(),
            },
            403,
            "You don&#39;t have access",
        ),
        (
            LoginError::ChoiceNotOffered,
            403,
            "You don&#39;t have access",
        ),
        (LoginError::Replayed, 403, "This sign-in was already used"),
        (
            LoginError::ReplayUnavailable("down".into()),
            503,
            "Please try again in a minute",
        ),
        (
            LoginError::StsUnavailable(aws(ErrorKind::Throttled, "Throttling")),
            503,
            "Please try again in a minute",
        ),
        (
            LoginError::StsRejected(aws(ErrorKind::Other, "InvalidIdentityToken")),
            403,
            "AWS did not accept this sign-in",
        ),
        (
            LoginError::StsExpired(aws(ErrorKind::Expired, "ExpiredTokenException")),
            403,
            "This sign-in has expired",
        ),
        (
            LoginError::StsMismatch {
                field: "Issuer",
                sts: None,
                ours: "x".into(),
            },
            403,
            "We couldn&#39;t sign you in",
        ),
        (
            LoginError::PresignUnavailable(aws(ErrorKind::Other, "FunctionError")),
            503,
            "Please try again in a minute",
        ),
        (
            LoginError::SealUnavailable(aws(ErrorKind::AccessDenied, "AccessDeniedException")),
            503,
            "Please try again in a minute",
        ),
        (
            LoginError::PresignAnswerMalformed("not JSON".into()),
            503,
            "Please try again in a minute",
        ),
        (
            presign(ErrorCode::StillPreparing),
            503,
            "message for StillPreparing",
        ),
        (presign(ErrorCode::TryAgain), 503, "message for TryAgain"),
        (
            presign(ErrorCode::ProfileOwnedByAnother),
            403,
            "message for ProfileOwnedByAnother",
        ),
        (
            presign(ErrorCode::Refused),
            403,
            "You don&#39;t have access",
        ),
        (
            presign(ErrorCode::UnknownTarget),
            502,
            "message for UnknownTarget",
        ),
        (
            presign(ErrorCode::IdentityMismatch),
            403,
            "We couldn&#39;t sign you in",
        ),
    ];
    for (error, status, text) in cases {
        let code = error.reason_code();
        let response = login_response(Err(error), "req-7");
        assert_eq!(response.status, status, "{code}");
        assert!(response.body.contains(text), "{code}: {}", response.body);
        assert!(response.body.contains("req-7"), "{code}");
        assert_eq!(
            response.header("retry-after").is_some(),
            status == 503,
            "{code}"
        );
        assert!(
            !response.body.contains("aws-detail-7f3"),
            "{code}: no AWS detail on the page"
        );
        assert_secured(&response);
    }
}

#[test]
fn each_presign_answer_gets_its_page_heading_and_message() {
    let cases = [
        (
            ErrorCode::StillPreparing,
            "Your workspace is being prepared",
        ),
        (ErrorCode::TryAgain, "Please try again in a minute"),
        (
            ErrorCode::UnknownTarget,
            "This sign-in link isn&#39;t set up",
        ),
        (ErrorCode::BadRequest, "We couldn&#39;t sign you in"),
        (ErrorCode::IdentityMismatch, "We couldn&#39;t sign you in"),
        (
            ErrorCode::ProfileOwnedByAnother,
            "You don&#39;t have access",
        ),
        (ErrorCode::ProfileUnusable, "You don&#39;t have access"),
        (ErrorCode::Refused, "You don&#39;t have access"),
    ];
    for (code, heading) in cases {
        let response = login_response(Err(presign(code)), "req-8");
        assert!(
            response.body.contains(&format!("<h1>{heading}")),
            "{code:?}: {}",
            response.body
        );
        assert!(
            response.body.contains(&format!("message for {code:?}")),
            "{code:?}: presign's message is shown"
        );
    }
}

#[tokio::test]
async fn a_chooser_page_is_a_form_back_to_the_acs() {
    let broker = broker();
    let (response, _) = broker
        .handle(&WebRequest {
            method: "POST",
            path: ACS_PATH,
            query: "",
            body: &body(&spec(&[USER, crate::login::tests::ADMIN]), Some("ml")),
            request_id: "req-3",
            source_ip: None,
            cookie: None,
        })
        .await;
    assert_eq!(response.status, 200);
    assert!(response.body.contains("<h1>Choose a role</h1>"));
    assert!(response.body.contains("action=\"acs\""));
    assert_secured(&response);
}

fn sp_broker() -> Broker<crate::testkit::FakeLoginPorts> {
    let config = sp_config(None);
    let ports = crate::testkit::FakeLoginPorts {
        replay: crate::login::replay::InMemoryReplayCache::default(),
        sts: crate::testkit::ScriptedSts::alice(crate::login::tests::ACCOUNT),
        sealer: crate::testkit::TestMac::SHARED,
        presign: crate::testkit::RecordingPresign::redirecting_to(crate::login::tests::URL),
        clock: studiogate_kernel::clock::FixedClock(crate::login::tests::now()),
    };
    Broker::new(LoginFlow::new(&config, ports).unwrap(), &config)
}

fn login(query: &str) -> WebRequest<'_> {
    WebRequest {
        query,
        ..get(LOGIN_PATH)
    }
}

#[tokio::test]
async fn get_login_sends_the_browser_to_the_idp_with_a_request_for_the_target() {
    let (response, audit) = sp_broker().handle(&login("target=ml")).await;
    assert_eq!(response.status, 302);
    assert!(
        audit.is_none(),
        "the answer at the ACS is the login's record"
    );
    assert_secured(&response);
    let location = response.header("location").unwrap();
    assert!(
        location.starts_with(&format!("{SSO}?SAMLRequest=")),
        "{location}"
    );
    assert!(location.contains("&RelayState=ml&SigAlg="), "{location}");
}

#[tokio::test]
async fn get_login_refusals_are_pages_with_the_right_status() {
    let sp = sp_broker();
    for (query, status, heading) in [
        ("target=nope", 400, copy::ErrorPage::BadRequest),
        ("target=ml&target=emr", 400, copy::ErrorPage::BadRequest),
    ] {
        let (response, audit) = sp.handle(&login(query)).await;
        let audit = audit.expect("a refusal is recorded");
        assert_eq!(
            audit.failure,
            Some(crate::login::FailureKind::Refused),
            "{query}"
        );
        assert_eq!(response.status, status, "{query}");
        assert!(response.header("location").is_none());
        assert!(
            response
                .body
                .contains(pages::escape(heading.text().0).as_str()),
            "{query}"
        );
        assert_secured(&response);
    }
    // Without an SSO URL, there is no such page.
    let (off, _) = broker().handle(&login("target=ml")).await;
    assert_eq!(off.status, 404);
    let (post, _) = sp
        .handle(&WebRequest {
            method: "POST",
            ..login("target=ml")
        })
        .await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET"));
}

#[test]
fn solicitation_refusals_map_to_pages() {
    for (error, status, page_text) in [
        (LoginError::UnknownRequest, 403, copy::REQUEST_LAPSED),
        (LoginError::Unsolicited, 403, copy::UNSOLICITED),
        (
            LoginError::RequestMismatch {
                sent: Some("ml".into()),
                returned: None,
            },
            403,
            copy::ErrorPage::Rejected.text().1,
        ),
        (
            LoginError::SignInUnavailable("x".into()),
            503,
            copy::ErrorPage::TryAgain.text().1,
        ),
    ] {
        let response = login_response(Err(error.clone()), "req-9");
        assert_eq!(response.status, status, "{error:?}");
        assert!(
            response.body.contains(pages::escape(page_text).as_str()),
            "{error:?}"
        );
    }
}
