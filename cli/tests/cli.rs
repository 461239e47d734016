//! The `studiogate` command, run as an administrator (or a test tool) would run it: `inspect`,
//! `config check`, `presign-request seal-input`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NOW: &str = "2026-11-23T18:00:00Z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn sample(name: &str) -> String {
    root()
        .join("examples/inspect")
        .join(name)
        .display()
        .to_string()
}

fn corpus(name: &str) -> String {
    root()
        .join("tests/fixtures/saml-corpus")
        .join(name)
        .display()
        .to_string()
}

fn studiogate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_studiogate"))
        .args(args)
        .output()
        .expect("studiogate runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON on stdout ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn sample_flags() -> Vec<String> {
    vec![
        "--idp-cert".into(),
        sample("idp-cert.pem"),
        "--idp-entity-id".into(),
        "urn:example:pysaml2-idp".into(),
        "--acs-url".into(),
        "http://127.0.0.1:9000/saml/acs".into(),
        "--recipient".into(),
        "http://127.0.0.1:9000/saml/acs".into(),
        "--now".into(),
        NOW.into(),
    ]
}

fn saml_idp_flags() -> Vec<String> {
    vec![
        "--idp-cert".into(),
        corpus("local-saml-idp/_certs/9778c5544b90344b.pem"),
        "--idp-entity-id".into(),
        "urn:example:saml-idp".into(),
        "--acs-url".into(),
        "http://127.0.0.1:9000/saml/acs".into(),
        "--recipient".into(),
        "http://127.0.0.1:9000/saml/acs".into(),
        "--now".into(),
        "2026-11-23T17:56:21Z".into(),
    ]
}

fn inspect(extra: &[String], input: &str) -> Output {
    let mut args: Vec<&str> = vec!["inspect"];
    args.extend(extra.iter().map(String::as_str));
    args.push(input);
    studiogate(&args)
}

#[test]
fn accepts_a_real_idp_response_and_prints_identity_and_roles() {
    let output = inspect(&sample_flags(), &sample("pysaml2-response.xml"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["verdict"], "accept");
    assert_eq!(report["reason"], Value::Null);
    assert_eq!(report["issuer"], "urn:example:pysaml2-idp");
    assert_eq!(report["name_id"], "alice@example.com");
    assert_eq!(
        report["roles"][0]["role_arn"],
        "arn:aws:iam::123456789012:role/DataScientist"
    );
    assert_eq!(
        report["roles"][0]["provider_arn"],
        "arn:aws:iam::123456789012:saml-provider/ExampleIdP"
    );
    assert_eq!(report["session_name"], "alice@example.com");
    assert_eq!(report["session_duration"], 3600);
    assert_eq!(report["principal_tags"]["studiouserid"], "alice");
    assert_eq!(report["not_on_or_after"], "2026-11-23T18:04:18Z");
    assert_eq!(report["input_encoding"], "xml");
    let checks = report["checks"].as_array().unwrap();
    assert!(
        checks.len() >= 10 && checks.iter().all(|c| c["passed"] == true),
        "{checks:?}"
    );
}

#[test]
fn reads_base64_and_html_form_inputs_and_stdin() {
    let b64 = inspect(
        &sample_flags(),
        &corpus("local-pysaml2/aws-alice-signed-assertion.b64"),
    );
    assert_eq!(json(&b64)["input_encoding"], "base64");
    // saml-idp (npm) answers with an HTML auto-submit form.
    let form = inspect(
        &saml_idp_flags(),
        &corpus("local-saml-idp/aws-alice-both-signed.form.html"),
    );
    assert_eq!(
        form.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&form.stdout)
    );
    assert_eq!(json(&form)["input_encoding"], "html-form");
    let mut child = Command::new(env!("CARGO_BIN_EXE_studiogate"))
        .arg("inspect")
        .args(sample_flags())
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let xml = std::fs::read(sample("pysaml2-response.xml")).unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &xml).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["name_id"], "alice@example.com");
}

#[test]
fn explains_a_rejection_with_reason_failed_check_and_hint() {
    // A broker that accepts only the AWS sign-in Recipient; this IdP sent the ACS URL there.
    let flags: Vec<String> = sample_flags()
        .into_iter()
        .take(6)
        .chain([
            "--recipient".into(),
            "https://signin.aws.amazon.com/saml".into(),
            "--now".into(),
            NOW.into(),
        ])
        .collect();
    let output = inspect(&flags, &sample("pysaml2-response.xml"));
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["verdict"], "reject");
    assert_eq!(report["reason"], "recipient-mismatch");
    assert!(report["hint"]
        .as_str()
        .unwrap()
        .contains("Recipient to the broker's ACS URL"));
    let failed: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec!["subject-confirmation"]);
    // Content read from the verified assertion is still shown.
    assert_eq!(report["name_id"], "alice@example.com");
}

#[test]
fn rejects_an_expired_response_and_an_untrusted_certificate() {
    let mut late = sample_flags();
    *late.last_mut().unwrap() = "2026-11-23T19:00:00Z".into();
    let report = json(&inspect(&late, &sample("pysaml2-response.xml")));
    assert_eq!(report["reason"], "expired");
    let mut wrong_cert = sample_flags();
    wrong_cert[1] = root()
        .join("testdata/keys/attacker-cert.pem")
        .display()
        .to_string();
    let output = inspect(&wrong_cert, &sample("pysaml2-response.xml"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["reason"], "signature-invalid");
    assert_eq!(json(&output)["name_id"], Value::Null);
}

#[test]
fn flags_override_the_config_file() {
    let config = sample("studiogate.toml");
    let ok = studiogate(&[
        "inspect",
        "--config",
        &config,
        "--now",
        NOW,
        &sample("pysaml2-response.xml"),
    ]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let overridden = studiogate(&[
        "inspect",
        "--config",
        &config,
        "--audience",
        "https://other",
        "--now",
        NOW,
        &sample("pysaml2-response.xml"),
    ]);
    assert_eq!(json(&overridden)["reason"], "audience-mismatch");
}

#[test]
fn a_decryption_key_flag_overrides_the_key_the_config_file_names() {
    let dir = std::env::temp_dir().join(format!("studiogate-cli-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = root().join("testdata/keys/sp-encryption-key.pem");
    let text = std::fs::read_to_string(sample("studiogate.toml"))
        .unwrap()
        .replace("idp-cert.pem", &sample("idp-cert.pem"))
        .replace(
            "[sp]\n",
            &format!(
                "[sp]\ndecryption_key_file = {:?}\n",
                key.display().to_string()
            ),
        );
    let config = dir.join("studiogate.toml");
    std::fs::write(&config, text).unwrap();
    let output = studiogate(&[
        "inspect",
        "--config",
        &config.display().to_string(),
        "--decryption-key",
        &key.display().to_string(),
        "--now",
        NOW,
        &sample("pysaml2-response.xml"),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_and_configuration_errors_exit_2_and_say_what_to_fix() {
    let no_cert = studiogate(&[
        "inspect",
        "--idp-entity-id",
        "x",
        &sample("pysaml2-response.xml"),
    ]);
    assert_eq!(no_cert.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_cert.stderr).contains("--idp-cert"));
    let bad_now = studiogate(&[
        "inspect",
        "--idp-cert",
        &sample("idp-cert.pem"),
        "--idp-entity-id",
        "x",
        "--now",
        "yesterday",
        &sample("pysaml2-response.xml"),
    ]);
    assert_eq!(bad_now.status.code(), Some(2));
    let missing_input = studiogate(&[
        "inspect",
        "--idp-cert",
        &sample("idp-cert.pem"),
        "--idp-entity-id",
        "x",
        "/nonexistent",
    ]);
    assert_eq!(missing_input.status.code(), Some(2));
    assert_eq!(studiogate(&["inspect"]).status.code(), Some(2));
}

#[test]
fn config_check_validates_a_file_and_names_the_bad_field() {
    let ok = studiogate(&["config", "check", &sample("studiogate.toml")]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("valid"));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("login: no [login] section"));
    // The sample also accepts the AWS sign-in Recipient: valid, and said to cost something.
    assert!(String::from_utf8_lossy(&ok.stdout).contains(
        "warning: sp.recipients accepts \"https://signin.aws.amazon.com/saml\", an AWS sign-in endpoint"
    ));
    let local = root().join("examples/local/studiogate.toml");
    let local = studiogate(&["config", "check", local.to_str().unwrap()]);
    assert_eq!(
        local.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    assert!(String::from_utf8_lossy(&local.stdout).contains(
        "login: presign function \"presign\"; replay table \"studiogate-replay\"; 3 allowed role(s)"
    ));
    assert!(!String::from_utf8_lossy(&local.stdout).contains("warning:"));
    let dir = std::env::temp_dir().join(format!("studiogate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[idp]\nentity_id = \"x\"\n[sp]\nacs_urls = [\"https://a\"]\n",
    )
    .unwrap();
    let output = studiogate(&["config", "check", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("idp.certificates"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn config_put_checks_as_a_deployment_loads_and_says_when_it_cannot_store() {
    let dir = std::env::temp_dir().join(format!("studiogate-cli-put-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let metadata = dir.join("idp-metadata.xml");
    std::fs::write(
        &metadata,
        studiogate_saml::testkit::idp_metadata(&[&studiogate_saml::testkit::IDP]),
    )
    .unwrap();
    let example = root().join("examples/deployed/studiogate.toml");
    let put = |extra: &[&str]| {
        let mut args = vec![
            "config",
            "put",
            example.to_str().unwrap(),
            "--idp-metadata",
            metadata.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        studiogate(&args)
    };
    let checked = put(&["--stack-name", "prod", "--dry-run"]);
    assert_eq!(checked.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&checked.stdout)
        .contains("not stored (--dry-run); it would go to /studiogate/prod/config"));
    let no_cli = put(&["--stack-name", "prod", "--aws-cli", "/nonexistent/aws"]);
    assert_eq!(no_cli.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_cli.stderr)
        .contains("cannot run the AWS CLI (/nonexistent/aws)"));
    let relative = put(&["--parameter", "studiogate/config", "--dry-run"]);
    assert_eq!(relative.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&relative.stderr).contains("a full parameter name starts with /")
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn seal_input_gives_the_bytes_saml_validator_macs_and_the_envelope_to_put_the_mac_in() {
    use base64::Engine as _;
    use std::io::Write as _;
    use studiogate_kernel::seal::SealInput;
    use studiogate_kernel::wire::{FederatedCredentials, Identity, PresignRequest};
    let request = PresignRequest {
        request_id: "req-1".into(),
        target: "sagemaker-ml".into(),
        identity: Identity::alice(&["ml-engineers"]),
        credentials: FederatedCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: "token".into(),
            expiration: "2026-12-01T13:00:00Z".into(),
        },
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_studiogate"))
        .args(["presign-request", "seal-input", "--sealed-at", "1800000000"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&request).unwrap().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let answer = json(&output);
    let expected = SealInput::new(
        &request,
        time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
    );
    assert_eq!(answer["event"]["sealed_at"], 1_800_000_000);
    assert_eq!(answer["event"]["request"], expected.request.as_str());
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(answer["mac_message"].as_str().unwrap())
            .unwrap(),
        expected.mac_message,
        "the exact bytes saml-validator MACs"
    );

    let refused = studiogate(&["presign-request", "seal-input"]);
    assert_eq!(refused.status.code(), Some(2), "empty stdin is no request");
}
