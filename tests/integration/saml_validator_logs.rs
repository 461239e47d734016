//! saml-validator's log of a login, captured from the functions' own JSON subscriber: one audit
//! record and one metrics line, every line under the Lambda request ID. On a current-thread runtime,
//! so every line of the login is logged on this test's thread (`studiogate_tests::logs`).

use serde_json::Value;
use studiogate_tests::login::{
    event, lambda_request as request, pinned_broker, sent_at, PRESIGNED_URL,
};
use studiogate_tests::logs;

const FUNCTION_URL: &str = "saml-validator-acs-function-url.json";

#[tokio::test(flavor = "current_thread")]
async fn a_login_logs_one_audit_record_and_one_metrics_line_under_the_lambda_request_id() {
    logs::start();
    let event = event(FUNCTION_URL);
    let broker = pinned_broker(sent_at(&event));
    let mut metrics = Vec::new();
    let response =
        saml_validator::handle_with_metrics(&broker, request(&event, "req-logged"), |line| {
            metrics.push(line)
        })
        .await;
    assert_eq!(response.status(), 302);

    let everything = logs::finish();
    let lines: Vec<Value> = everything
        .lines()
        .map(|line| serde_json::from_str(line).expect("every log line is one JSON object"))
        .collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert_eq!(line["span"]["requestId"], "req-logged", "{line}");
    }
    let audits: Vec<&Value> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "login")
        .collect();
    assert_eq!(audits.len(), 1, "one audit record per login");
    let record: Value =
        serde_json::from_str(audits[0]["fields"]["audit"].as_str().unwrap()).unwrap();
    assert_eq!(record["request_id"], "req-logged");
    assert_eq!(record["outcome"], "redirect");
    assert_eq!(record["role"], "arn:aws:iam::123456789012:role/StudioUser");
    assert_eq!(record["target"], "sagemaker-ml");
    assert_eq!(record["name_id_hash"].as_str().unwrap().len(), 64);
    assert!(
        !everything.contains("alice@example.com"),
        "the NameID is hashed"
    );
    assert!(!everything.contains(PRESIGNED_URL), "no URL in the log");

    assert_eq!(metrics.len(), 1, "one metrics line per login");
    let emf: Value = serde_json::from_str(&metrics[0]).unwrap();
    assert_eq!(
        emf["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "studiogate"
    );
    assert_eq!(emf["Outcome"], "redirect");
    assert_eq!(emf["Logins"], 1);
    assert_eq!(emf["ProfilesCreated"], 1);
    assert_eq!(emf["request_id"], "req-logged");
}
