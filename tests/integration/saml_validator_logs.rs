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

/// docs/operations.md's CloudWatch Logs Insights queries name only fields these lines carry, as
/// Logs Insights discovers them: nested JSON flattened with dots, `fields.reason` for the event's
/// `reason` ("Supported logs and discovered fields", CloudWatch Logs User Guide). A query naming
/// a field no line has matches nothing in a real account, and says nothing is wrong.
#[tokio::test(flavor = "current_thread")]
async fn the_operations_guide_queries_fields_the_log_lines_carry() {
    logs::start();
    let event = event(FUNCTION_URL);
    let broker = pinned_broker(sent_at(&event));
    let first =
        saml_validator::handle_with_metrics(&broker, request(&event, "req-a"), |_| {}).await;
    assert_eq!(first.status(), 302);
    let replayed =
        saml_validator::handle_with_metrics(&broker, request(&event, "req-b"), |_| {}).await;
    assert_eq!(replayed.status(), 403, "a replay is refused, and logged so");

    let lines: Vec<Value> = logs::finish()
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let mut discovered = std::collections::BTreeMap::new();
    for line in &lines {
        flatten("", line, &mut discovered);
    }
    let queries = logs_insights_queries(include_str!("../../docs/operations.md"));
    assert!(
        queries.len() >= 3,
        "the guide's queries were found: {queries:?}"
    );
    for query in &queries {
        for field in field_references(query) {
            assert!(
                discovered.contains_key(&field),
                "`{field}` in the guide's query `{query}` is in no log line; the lines carry {:?}",
                discovered.keys().collect::<Vec<_>>()
            );
        }
        // What the queries filter on by message is a message the functions write.
        for message in compared_values(query, "fields.message") {
            assert!(
                discovered["fields.message"].contains(&message),
                "no line's message is {message:?}: {query}"
            );
        }
    }
}

/// Every scalar in `value` under its dotted path, with the values seen there.
pub(crate) fn flatten(
    path: &str,
    value: &Value,
    into: &mut std::collections::BTreeMap<String, Vec<String>>,
) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(&path, member, into);
            }
        }
        scalar => into.entry(path.to_owned()).or_default().push(match scalar {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }),
    }
}

/// The lines of the guide's code block that follows "# CloudWatch Logs Insights".
fn logs_insights_queries(guide: &str) -> Vec<String> {
    guide
        .lines()
        .skip_while(|line| !line.starts_with("# CloudWatch Logs Insights"))
        .skip(1)
        .take_while(|line| !line.starts_with("```"))
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// The field names a query reads: its words outside quotes, less the query language's own
/// commands, functions and operators, and the `@` fields Logs Insights makes itself.
pub(crate) fn field_references(query: &str) -> Vec<String> {
    const LANGUAGE: [&str; 14] = [
        "filter", "stats", "count", "by", "sort", "desc", "asc", "limit", "fields", "and", "or",
        "not", "like", "display",
    ];
    let mut unquoted = String::new();
    for (index, part) in query.split('"').enumerate() {
        if index % 2 == 0 {
            unquoted.push_str(part);
        }
        unquoted.push(' ');
    }
    unquoted
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '@'))
        .filter(|word| word.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter(|word| !LANGUAGE.contains(word))
        .map(str::to_owned)
        .collect()
}

/// The quoted values `field` is compared to with `=` in `query`.
pub(crate) fn compared_values(query: &str, field: &str) -> Vec<String> {
    let pattern = format!("{field} = \"");
    query
        .match_indices(&pattern)
        .filter_map(|(at, _)| query[at + pattern.len()..].split('"').next())
        .map(str::to_owned)
        .collect()
}
