//! One audit record per login, and the CloudWatch Embedded Metric Format line that goes with it.
//! Neither ever holds the assertion, credentials, a URL or a token; the NameID is hashed.

use serde::Serialize;

/// The CloudWatch namespace of the broker's metrics.
pub const METRICS_NAMESPACE: &str = "studiogate";

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
    /// Milliseconds from request to answer.
    pub latency_ms: u64,
}

/// SHA-256 (hex) of the issuer and NameID, so the audit trail follows a user without naming them.
pub fn hash_name_id(issuer: &str, name_id: &str) -> String {
    studiogate_kernel::digest::sha256_hex(format!("nameid\n{issuer}\n{name_id}").as_bytes())
}

impl LoginAudit {
    /// The Embedded Metric Format line: `Logins` and `LoginLatency` by `Outcome`, and
    /// `ProfilesCreated`. `timestamp_ms` is the Unix time in milliseconds.
    pub fn emf_line(&self, timestamp_ms: i64) -> String {
        serde_json::json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [
                    {
                        "Namespace": METRICS_NAMESPACE,
                        "Dimensions": [["Outcome"]],
                        "Metrics": [
                            {"Name": "Logins", "Unit": "Count"},
                            {"Name": "LoginLatency", "Unit": "Milliseconds"}
                        ]
                    },
                    {
                        "Namespace": METRICS_NAMESPACE,
                        "Dimensions": [[]],
                        "Metrics": [{"Name": "ProfilesCreated", "Unit": "Count"}]
                    }
                ]
            },
            "Outcome": self.outcome,
            "Logins": 1,
            "LoginLatency": self.latency_ms,
            "ProfilesCreated": u8::from(self.profile_created),
            "request_id": self.request_id,
        })
        .to_string()
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
