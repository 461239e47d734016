//! `studiogate inspect`: flags override the config file; with neither, the broker's defaults.

use clap::Args;
use serde_json::{json, Value};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use studiogate::config::{BrokerConfig, ConfigError};
use studiogate_kernel::clock::{format_instant, parse_instant};
use studiogate_saml::binding::sniff_input;
use studiogate_saml::{Assessment, Limits, Rejection};

/// Arguments of `studiogate inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Broker configuration file (TOML); flags below override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Pinned IdP signing certificate (PEM file); repeat for rollover.
    #[arg(long = "idp-cert", value_name = "PEM_FILE")]
    idp_certs: Vec<PathBuf>,
    /// IdP metadata XML (entity ID and signing certificates).
    #[arg(long = "idp-metadata", value_name = "FILE")]
    idp_metadata: Option<PathBuf>,
    /// IdP entity ID (the expected Issuer).
    #[arg(long = "idp-entity-id", value_name = "ID")]
    idp_entity_id: Option<String>,
    /// Accepted audience; repeatable (default urn:amazon:webservices).
    #[arg(long = "audience", value_name = "A")]
    audiences: Vec<String>,
    /// The broker's ACS URL (accepted Destination); repeatable.
    #[arg(long = "acs-url", value_name = "URL")]
    acs_urls: Vec<String>,
    /// Accepted bearer Recipient; repeatable (default: `sp.recipients`, or else the ACS URLs).
    #[arg(long = "recipient", value_name = "URL")]
    recipients: Vec<String>,
    /// Accept RSA-SHA1 signatures and SHA-1 digests.
    #[arg(long = "allow-sha1")]
    allow_sha1: bool,
    /// Tolerate InResponseTo (SP-initiated captures).
    #[arg(long = "allow-in-response-to")]
    allow_in_response_to: bool,
    /// SP private key (PEM file) for encrypted assertions.
    #[arg(long = "decryption-key", value_name = "PEM_FILE")]
    decryption_key: Option<PathBuf>,
    /// Validate as of this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// File with raw XML, base64, an HTML auto-submit form or a form body; `-` for stdin.
    input: String,
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("studiogate inspect: {message}");
    ExitCode::from(2)
}

fn read_text(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn build_config(args: &InspectArgs) -> Result<BrokerConfig, String> {
    let mut config = match &args.config {
        Some(path) => {
            let text = read_text(path)?;
            let mut config = BrokerConfig::parse_unvalidated(&text).map_err(|e| e.to_string())?;
            config
                .resolve_files(path.parent())
                .map_err(|e| e.to_string())?;
            config
        }
        None => BrokerConfig::default(),
    };
    if !args.idp_certs.is_empty() {
        config.idp.certificates = args
            .idp_certs
            .iter()
            .map(read_text)
            .collect::<Result<_, _>>()?;
        config.idp.metadata = None;
    }
    if let Some(path) = &args.idp_metadata {
        config.idp.metadata = Some(read_text(path)?);
    }
    if let Some(id) = &args.idp_entity_id {
        config.idp.entity_id = Some(id.clone());
    }
    let replace = |target: &mut Vec<String>, values: &[String]| {
        if !values.is_empty() {
            *target = values.to_vec();
        }
    };
    replace(&mut config.sp.audiences, &args.audiences);
    replace(&mut config.sp.acs_urls, &args.acs_urls);
    replace(&mut config.sp.recipients, &args.recipients);
    if args.allow_sha1 {
        config.saml = config.saml.with_sha1();
    }
    if args.allow_in_response_to {
        config.saml.allow_in_response_to = true;
    }
    if let Some(path) = &args.decryption_key {
        // The flag overrides whatever key the configuration named or held.
        config.sp.decryption_key_pem = None;
        config.sp.decryption_key_file = Some(path.clone());
        config.resolve_files(None).map_err(|e| e.to_string())?;
    }
    Ok(config)
}

/// Runs `inspect`, printing JSON to stdout.
pub fn run(args: InspectArgs) -> ExitCode {
    let config = match build_config(&args) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let validator = match config.saml_validator_for_inspection() {
        Ok(v) => v,
        Err(ConfigError::Field { field, message }) => {
            return usage_error(format!(
            "{message} (config field `{field}`; see --idp-cert, --idp-metadata, --idp-entity-id)"
        ))
        }
        Err(e) => return usage_error(e),
    };
    let now = match &args.now {
        Some(text) => match parse_instant(text) {
            Some(at) => at,
            None => {
                return usage_error(format!(
                    "--now {text:?} is not an RFC 3339 instant such as 2026-01-01T12:00:00Z"
                ))
            }
        },
        None => time::OffsetDateTime::now_utc(),
    };
    let mut raw = Vec::new();
    let read = if args.input == "-" {
        std::io::stdin().read_to_end(&mut raw).map(|_| ())
    } else {
        std::fs::read(&args.input).map(|bytes| raw = bytes)
    };
    if let Err(e) = read {
        return usage_error(format!("cannot read {}: {e}", args.input));
    }
    let limits = Limits {
        max_decoded_bytes: validator.settings().policy.limits.max_decoded_bytes,
        ..Limits::default()
    };
    let (assessment, encoding, relay_state) = match sniff_input(&raw, &limits) {
        Ok(input) => (
            validator.assess_document(&input.xml, now),
            Some(input.encoding),
            input.relay_state,
        ),
        Err(rejection) => (
            Assessment {
                report: Default::default(),
                assertion: None,
                rejection: Some(rejection),
            },
            None,
            None,
        ),
    };
    let accepted = assessment.rejection.is_none() && assessment.assertion.is_some();
    let output = render(&assessment, now, encoding, relay_state);
    println!(
        "{}",
        serde_json::to_string_pretty(&output).unwrap_or_default()
    );
    if accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn render(
    assessment: &Assessment,
    now: time::OffsetDateTime,
    encoding: Option<&str>,
    relay_state: Option<String>,
) -> Value {
    let read = assessment.assertion.as_ref();
    let rejection = assessment.rejection.as_ref();
    let verdict = if rejection.is_none() && read.is_some() {
        "accept"
    } else {
        "reject"
    };
    json!({
        "verdict": verdict,
        "reason": rejection.map(Rejection::reason_code),
        "message": rejection.map(|r| r.to_string()),
        "hint": rejection.and_then(hint),
        "checks": assessment.report.checks(),
        "issuer": read.map(|a| &a.issuer),
        "name_id": read.map(|a| &a.name_id),
        "name_id_format": read.and_then(|a| a.name_id_format.as_ref()),
        "assertion_id": read.map(|a| &a.assertion_id),
        "roles": read.map(|a| &a.aws.roles),
        "session_name": read.and_then(|a| a.aws.role_session_name.as_ref()),
        "session_duration": read.and_then(|a| a.aws.session_duration),
        "source_identity": read.and_then(|a| a.aws.source_identity.as_ref()),
        "principal_tags": read.map(|a| &a.aws.principal_tags),
        "attributes": read.map(|a| &a.attributes),
        "not_on_or_after": read.map(|a| format_instant(a.not_on_or_after)),
        "signed": read.map(|a| a.signed),
        "encrypted": read.map(|a| a.encrypted),
        "relay_state": relay_state,
        "input_encoding": encoding,
        "evaluated_at": format_instant(now),
    })
}

/// What the administrator can do about a rejection, in terms of this tool's flags.
fn hint(rejection: &Rejection) -> Option<&'static str> {
    Some(match rejection.reason_code() {
        "destination-mismatch" => "pass --acs-url with the broker's ACS URL, or set the IdP application's ACS/Destination URL to it",
        "audience-mismatch" => "pass --audience, or set the IdP application's audience (SP entity ID) to urn:amazon:webservices",
        "recipient-mismatch" => "set the IdP's Recipient to the broker's ACS URL (Okta: 'Recipient URL'), or pass --recipient",
        "issuer-mismatch" => "pass --idp-entity-id with the IdP's entity ID, or import its metadata with --idp-metadata",
        "signature-invalid" | "assertion-not-signed" => "pin the IdP's current signing certificate with --idp-cert (add the new one too during rollover), and make the IdP sign the assertion or the response",
        "signature-policy" => "configure the IdP to sign with RSA-SHA256 and SHA-256 digests and exclusive canonicalization (or pass --allow-sha1 for a legacy IdP)",
        "expired" | "too-old" | "not-yet-valid" => "check the clocks, or pass --now with the time the response was issued",
        "in-response-to-present" => "the broker is IdP-initiated: start sign-in from the IdP's tile (or pass --allow-in-response-to for an SP-initiated capture)",
        "no-decryption-key" => "pass --decryption-key with the SP private key, or turn off assertion encryption at the IdP",
        _ => return None,
    })
}
