//! saml-validator's Lambda handler in-process, fed the sample events of `events/` exactly as a
//! function URL and an API Gateway HTTP API deliver them (body base64-encoded or not), with the
//! clock pinned at the moment the local IdP (pysaml2) signed them.

use base64::Engine as _;
use lambda_http::{Body, Response};
use serde_json::Value;
use studiogate_tests::login::{
    event, lambda_request as request, pinned_broker, sent_at, PinnedBroker, PRESIGNED_URL,
};

const FUNCTION_URL: &str = "saml-validator-acs-function-url.json";
const HTTP_API: &str = "saml-validator-acs-http-api.json";

async fn invoke(broker: &PinnedBroker, event: &Value) -> Response<Body> {
    let (response, audit) =
        saml_validator::respond(broker, &request(event, "req-in-process")).await;
    if let Some(audit) = audit {
        assert_eq!(audit.request_id, "req-in-process");
    }
    response
}

fn header<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn text(response: &Response<Body>) -> String {
    String::from_utf8_lossy(response.body().as_ref()).into_owned()
}

/// The event's form fields, whichever way its body is encoded.
fn form(event: &Value) -> Vec<(String, String)> {
    let body = event["body"].as_str().unwrap();
    let raw = if event["isBase64Encoded"] == true {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    } else {
        body.as_bytes().to_vec()
    };
    form_urlencoded::parse(&raw).into_owned().collect()
}

/// The event with its form replaced by `fields` (encoded the way the event was).
fn with_form(event: &Value, fields: &[(String, String)]) -> Value {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        serializer.append_pair(name, value);
    }
    let body = serializer.finish();
    let mut changed = event.clone();
    changed["body"] = Value::from(if event["isBase64Encoded"] == true {
        base64::engine::general_purpose::STANDARD.encode(body)
    } else {
        body
    });
    changed
}

fn assert_security_headers(response: &Response<Body>) {
    assert_eq!(header(response, "cache-control"), "no-store");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "x-frame-options"), "DENY");
    assert!(header(response, "strict-transport-security").starts_with("max-age="));
    assert!(header(response, "content-security-policy").starts_with("default-src 'none'"));
}

#[tokio::test]
async fn both_front_doors_deliver_a_login_that_ends_in_studio() {
    for name in [FUNCTION_URL, HTTP_API] {
        let event = event(name);
        let broker = pinned_broker(sent_at(&event));
        let response = invoke(&broker, &event).await;
        assert_eq!(response.status(), 302, "{name}: {}", text(&response));
        assert_eq!(header(&response, "location"), PRESIGNED_URL, "{name}");
        assert_security_headers(&response);

        let posted = form(&event);
        let saml_response = &posted.iter().find(|(k, _)| k == "SAMLResponse").unwrap().1;
        let calls = broker.flow.ports.sts.calls.lock().unwrap();
        assert_eq!(calls.len(), 1, "{name}");
        assert_eq!(
            calls[0].role_arn,
            "arn:aws:iam::123456789012:role/StudioUser"
        );
        assert_eq!(
            calls[0].provider_arn,
            "arn:aws:iam::123456789012:saml-provider/studiogate-test-idp"
        );
        assert_eq!(
            &calls[0].saml_response, saml_response,
            "STS gets the assertion as posted"
        );
        assert_eq!(calls[0].duration_seconds, 3600);
        let requests = broker.flow.ports.presign.requests.lock().unwrap();
        assert_eq!(requests[0].target, "sagemaker-ml");
        assert_eq!(requests[0].request_id, "req-in-process");
        assert_eq!(requests[0].identity.name_id, "alice@example.com");
        assert_eq!(requests[0].identity.role_session_name, "alice");
        assert_eq!(requests[0].identity.groups, vec!["ml-engineers"]);
        assert_eq!(requests[0].identity.principal_tags["studiouserid"], "alice");
    }
}

#[tokio::test]
async fn the_login_audit_carries_the_front_doors_source_ip() {
    let event = event(HTTP_API);
    let broker = pinned_broker(sent_at(&event));
    let (_, audit) = saml_validator::respond(&broker, &request(&event, "req-audit")).await;
    let audit = audit.expect("an ACS request is audited");
    assert_eq!(audit.outcome, "redirect");
    assert_eq!(audit.source_ip.as_deref(), Some("198.51.100.7"));
    assert_eq!(audit.target.as_deref(), Some("sagemaker-ml"));
    assert_eq!(
        audit.issuer.as_deref(),
        Some("https://idp.example.test/saml")
    );
    assert!(audit.profile_created);
}

#[tokio::test]
async fn a_health_probe_writes_no_audit_record_or_metrics() {
    let health = event("saml-validator-healthz.json");
    let broker = pinned_broker(sent_at(&event(HTTP_API)));
    let mut metrics = Vec::new();
    let response =
        saml_validator::handle_with_metrics(&broker, request(&health, "req-probe"), |line| {
            metrics.push(line)
        })
        .await;
    assert_eq!(response.status(), 200);
    assert!(metrics.is_empty(), "probes are not logins");
}

#[tokio::test]
async fn the_same_event_twice_is_refused_the_second_time() {
    let event = event(FUNCTION_URL);
    let broker = pinned_broker(sent_at(&event));
    assert_eq!(invoke(&broker, &event).await.status(), 302);
    let second = invoke(&broker, &event).await;
    assert_eq!(second.status(), 403);
    assert!(text(&second).contains("This sign-in was already used"));
    assert_eq!(broker.flow.ports.sts.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_event_past_its_validity_gets_the_expired_page() {
    let event = event(HTTP_API);
    let broker = pinned_broker(sent_at(&event) + time::Duration::hours(1));
    let response = invoke(&broker, &event).await;
    assert_eq!(response.status(), 403);
    assert!(text(&response).contains("This sign-in has expired"));
    assert!(text(&response).contains("req-in-process"));
    assert_security_headers(&response);
}

#[tokio::test]
async fn a_tampered_assertion_is_refused_before_sts() {
    let event = event(FUNCTION_URL);
    let mut fields = form(&event);
    let (_, saml_response) = fields
        .iter_mut()
        .find(|(k, _)| k == "SAMLResponse")
        .unwrap();
    let xml = base64::engine::general_purpose::STANDARD
        .decode(&*saml_response)
        .unwrap();
    let tampered = String::from_utf8(xml)
        .unwrap()
        .replace("alice@example.com", "mallory@example.com");
    *saml_response = base64::engine::general_purpose::STANDARD.encode(tampered);
    let broker = pinned_broker(sent_at(&event));
    let response = invoke(&broker, &with_form(&event, &fields)).await;
    assert_eq!(response.status(), 403);
    assert!(text(&response).contains("We couldn&#39;t sign you in"));
    assert!(broker.flow.ports.sts.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_unknown_relay_state_is_a_400_and_never_a_redirect() {
    let event = event(HTTP_API);
    let mut fields = form(&event);
    fields.retain(|(k, _)| k != "RelayState");
    fields.push(("RelayState".into(), "https://evil.example/".into()));
    let broker = pinned_broker(sent_at(&event));
    let response = invoke(&broker, &with_form(&event, &fields)).await;
    assert_eq!(response.status(), 400);
    assert!(header(&response, "location").is_empty());
    assert!(!text(&response).contains("evil.example"));
}

#[tokio::test]
async fn metadata_health_and_unknown_routes_answer_through_the_adapter() {
    let health = event("saml-validator-healthz.json");
    let broker = pinned_broker(sent_at(&event(HTTP_API)));
    let response = invoke(&broker, &health).await;
    assert_eq!(response.status(), 200);
    assert_eq!(text(&response), "ok");

    let mut metadata = health.clone();
    metadata["rawPath"] = "/saml/metadata".into();
    metadata["requestContext"]["http"]["path"] = "/saml/metadata".into();
    let response = invoke(&broker, &metadata).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "application/samlmetadata+xml"
    );
    assert!(text(&response)
        .contains("Location=\"http://127.0.0.1:9000/lambda-url/saml-validator/saml/acs\""));

    let mut unknown = health.clone();
    unknown["rawPath"] = "/admin".into();
    let response = invoke(&broker, &unknown).await;
    assert_eq!(response.status(), 404);
    assert_security_headers(&response);

    let mut get_acs = health;
    get_acs["rawPath"] = "/saml/acs".into();
    let response = invoke(&broker, &get_acs).await;
    assert_eq!(response.status(), 405);
    assert_eq!(header(&response, "allow"), "POST");
}
