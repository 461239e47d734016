//! One audit record per login, and the CloudWatch Embedded Metric Format line that goes with it.
//! Neither ever holds the assertion, credentials, a URL or a token; the NameID is hashed.

use super::FailureKind;
use serde::Serialize;

/// The CloudWatch namespace of the broker's metrics.
pub const METRICS_NAMESPACE: &str = "studiogate";

/// One metric of the login's EMF line. This table is the one list: the EMF line is built from it,
/// `studiogate metrics` prints it, and `tests/template` checks every alarm and dashboard widget of
/// `template.yaml` against it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Metric {
    /// The metric name.
    pub name: &'static str,
    /// The CloudWatch unit.
    pub unit: &'static str,
    /// The dimension sets it is published with (`[]`: none, the total).
    pub dimensions: &'static [&'static [&'static str]],
    /// What one data point means.
    pub meaning: &'static str,
    /// Its value in one login's line.
    #[serde(skip)]
    pub value: fn(&LoginAudit) -> u64,
}

const BY_OUTCOME_AND_TOTAL: &[&[&str]] = &[&["Outcome"], &[]];
const TOTAL: &[&[&str]] = &[&[]];

fn failed(audit: &LoginAudit, kind: FailureKind) -> u64 {
    u64::from(audit.failure == Some(kind))
}

/// Every metric a login emits.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "Logins",
        unit: "Count",
        dimensions: BY_OUTCOME_AND_TOTAL,
        meaning: "one ACS request; Outcome is redirect, chooser or the reason code of the refusal",
        value: |_| 1,
    },
    Metric {
        name: "LoginLatency",
        unit: "Milliseconds",
        dimensions: BY_OUTCOME_AND_TOTAL,
        meaning: "from the request to the answer, presign included",
        value: |audit| audit.latency_ms,
    },
    Metric {
        name: "ProfilesCreated",
        unit: "Count",
        dimensions: TOTAL,
        meaning: "presign created a SageMaker user profile",
        value: |audit| u64::from(audit.profile_created),
    },
    Metric {
        name: "Refusals",
        unit: "Count",
        dimensions: TOTAL,
        meaning: "refused for the user's, the IdP's or an attacker's doing (FailureKind::Refused)",
        value: |audit| failed(audit, FailureKind::Refused),
    },
    Metric {
        name: "StsFailures",
        unit: "Count",
        dimensions: TOTAL,
        meaning:
            "STS refused, did not answer, or read the assertion differently (FailureKind::Sts)",
        value: |audit| failed(audit, FailureKind::Sts),
    },
    Metric {
        name: "PresignFailures",
        unit: "Count",
        dimensions: TOTAL,
        meaning: "presign failed or could not be reached (FailureKind::Presign)",
        value: |audit| failed(audit, FailureKind::Presign),
    },
    Metric {
        name: "Unavailable",
        unit: "Count",
        dimensions: TOTAL,
        meaning: "the replay table did not answer (FailureKind::Unavailable)",
        value: |audit| failed(audit, FailureKind::Unavailable),
    },
];

/// What one ACS request did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoginAudit {
    /// The Lambda request ID (also on the user's page).
    pub request_id: String,
    /// `redirect`, `chooser`, or the reason code of the failure.
    pub outcome: String,
    /// The assertion's Issuer, once it verified.
    pub issuer: Option<String>,
    /// SHA-256 (hex) of issuer and NameID: the same user gives the same hash, the log no name.
    pub name_id_hash: Option<String>,
    /// The role taken (or chosen).
    pub role: Option<String>,
    /// The target key.
    pub target: Option<String>,
    /// The client address the front door saw.
    pub source_ip: Option<String>,
    /// What presign did: `created`, `updated` or `unchanged`.
    pub change: Option<String>,
    /// Whether presign created a SageMaker user profile (for the ProfilesCreated metric).
    pub profile_created: bool,
    /// The kind of failure, when the login was refused.
    pub failure: Option<FailureKind>,
    /// Milliseconds from request to answer.
    pub latency_ms: u64,
}

/// SHA-256 (hex) of the issuer and NameID, so the audit trail follows a user without naming them.
pub fn hash_name_id(issuer: &str, name_id: &str) -> String {
    studiogate_kernel::digest::sha256_hex(format!("nameid\n{issuer}\n{name_id}").as_bytes())
}

/// The EMF directives of [`METRICS`], one per dimension set: the same for every login, so built once.
fn emf_directives() -> &'static serde_json::Value {
    static DIRECTIVES: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DIRECTIVES.get_or_init(|| {
        let mut directives: Vec<(&[&[&str]], Vec<serde_json::Value>)> = Vec::new();
        for metric in METRICS {
            let declared = serde_json::json!({"Name": metric.name, "Unit": metric.unit});
            match directives.iter_mut().find(|(d, _)| *d == metric.dimensions) {
                Some((_, metrics)) => metrics.push(declared),
                None => directives.push((metric.dimensions, vec![declared])),
            }
        }
        directives
            .into_iter()
            .map(|(dimensions, metrics)| {
                serde_json::json!({
                    "Namespace": METRICS_NAMESPACE,
                    "Dimensions": dimensions,
                    "Metrics": metrics,
                })
            })
            .collect()
    })
}

impl LoginAudit {
    /// The Embedded Metric Format line: every metric of [`METRICS`], one directive per dimension
    /// set. `timestamp_ms` is the Unix time in milliseconds.
    pub fn emf_line(&self, timestamp_ms: i64) -> String {
        let mut line = serde_json::json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": emf_directives(),
            },
            "Outcome": self.outcome,
            "request_id": self.request_id,
        });
        for metric in METRICS {
            line[metric.name] = (metric.value)(self).into();
        }
        line.to_string()
    }

    /// Writes the audit record to the log (JSON, through `tracing`).
    pub fn log(&self) {
        let record = serde_json::to_string(self).unwrap_or_default();
        tracing::info!(audit = %record, outcome = %self.outcome, "login");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_line_declares_the_metrics_it_carries() {
        let audit = LoginAudit {
            request_id: "r-1".into(),
            outcome: "redirect".into(),
            profile_created: true,
            latency_ms: 412,
            ..LoginAudit::default()
        };
        let line: serde_json::Value =
            serde_json::from_str(&audit.emf_line(1_800_000_000_000)).expect("one JSON object");
        assert_eq!(line["_aws"]["Timestamp"], 1_800_000_000_000i64);
        let directives = line["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives[0]["Namespace"], "studiogate");
        assert_eq!(directives[0]["Dimensions"][0][0], "Outcome");
        for directive in directives {
            for metric in directive["Metrics"].as_array().unwrap() {
                let name = metric["Name"].as_str().unwrap();
                assert!(line[name].is_number(), "{name} has a value");
            }
        }
        assert_eq!(line["Outcome"], "redirect");
        assert_eq!(line["LoginLatency"], 412);
        assert_eq!(line["ProfilesCreated"], 1);
        assert_eq!(
            directives[0]["Dimensions"],
            serde_json::json!([["Outcome"], []])
        );
        assert_eq!(directives[1]["Dimensions"], serde_json::json!([[]]));
        for failure in ["Refusals", "StsFailures", "PresignFailures", "Unavailable"] {
            assert_eq!(line[failure], 0, "{failure}");
        }
    }

    #[test]
    fn a_refusal_counts_once_under_its_kind() {
        for (kind, metric) in [
            (FailureKind::Refused, "Refusals"),
            (FailureKind::Sts, "StsFailures"),
            (FailureKind::Presign, "PresignFailures"),
            (FailureKind::Unavailable, "Unavailable"),
        ] {
            let audit = LoginAudit {
                outcome: "some-reason".into(),
                failure: Some(kind),
                ..LoginAudit::default()
            };
            let line: serde_json::Value =
                serde_json::from_str(&audit.emf_line(0)).expect("one JSON object");
            let counted: Vec<&str> = ["Refusals", "StsFailures", "PresignFailures", "Unavailable"]
                .into_iter()
                .filter(|name| line[*name] == 1)
                .collect();
            assert_eq!(counted, [metric], "{kind:?}");
        }
    }

    #[test]
    fn name_id_hashes_are_stable_and_do_not_contain_the_name() {
        let hash = hash_name_id("https://idp", "alice@example.com");
        assert_eq!(hash, hash_name_id("https://idp", "alice@example.com"));
        assert_ne!(hash, hash_name_id("https://other", "alice@example.com"));
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains("alice"));
    }
}
