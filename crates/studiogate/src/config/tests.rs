//! Configuration: every field checked at load, errors name the field.

use super::*;
use crate::targets::TargetKind;
use studiogate_saml::testkit;

fn toml_with(extra_idp: &str, rest: &str) -> String {
    format!(
        "[idp]\nentity_id = \"{}\"\ncertificates = [\"\"\"{}\"\"\"]\n{extra_idp}\n[sp]\nacs_urls = [\"{}\"]\n{rest}",
        testkit::IDP_ENTITY_ID,
        testkit::IDP.cert_pem,
        testkit::ACS_URL
    )
}

fn field_of(result: Result<BrokerConfig, ConfigError>) -> String {
    match result {
        Err(ConfigError::Field { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn loads_a_minimal_config_with_strict_defaults() {
    let config = BrokerConfig::from_toml(&toml_with("", ""), None).unwrap();
    let validator = config.saml_validator().unwrap();
    let settings = validator.settings();
    assert_eq!(settings.idp_entity_id, testkit::IDP_ENTITY_ID);
    assert_eq!(settings.audiences, vec![AWS_AUDIENCE]);
    assert_eq!(
        settings.recipients,
        [testkit::ACS_URL],
        "the Recipient is the ACS URL by default: an assertion for the broker is good nowhere else"
    );
    assert!(config.warnings().is_empty());
    assert_eq!(settings.policy.clock_skew_seconds, 180);
    assert_eq!(settings.policy.min_rsa_key_bits, 2048);
    assert!(!settings.policy.allow_sha1);
    assert!(!settings.policy.allow_in_response_to);
}

#[test]
fn accepting_the_aws_signin_recipient_is_allowed_and_said_to_cost_something() {
    let config = BrokerConfig::from_toml(
        &toml_with(
            "",
            "recipients = [\"https://signin.aws.amazon.com/saml\", \"https://*.signin.aws.amazon.com/saml\"]",
        ),
        None,
    )
    .unwrap();
    assert_eq!(
        config.saml_validator().unwrap().settings().recipients,
        [
            "https://signin.aws.amazon.com/saml",
            "https://*.signin.aws.amazon.com/saml"
        ]
    );
    let warnings = config.warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("also a console sign-in")
            && warnings[0].contains("AcceptAwsSignInRecipient=true"),
        "{}",
        warnings[0]
    );
}

#[test]
fn entra_tiles_distinct_identifiers_are_audiences_like_any_other() {
    // Entra ID wants an identifier unique in the tenant per application (one per tile).
    let config = BrokerConfig::from_toml(
        &toml_with(
            "",
            "audiences = [\"urn:amazon:webservices\", \"https://signin.aws.amazon.com/saml#2\"]",
        ),
        None,
    )
    .unwrap();
    let now = studiogate_kernel::clock::parse_instant("2026-03-01T12:00:00Z").unwrap();
    let mut second_tile = testkit::ResponseSpec::aws(now);
    second_tile.audiences = vec!["https://signin.aws.amazon.com/saml#2".into()];
    let xml = testkit::signed_response(&second_tile, testkit::Signing::Assertion, &testkit::IDP);
    let validator = config.saml_validator().unwrap();
    assert_eq!(
        validator
            .validate_document(&xml, now)
            .expect("the second tile's assertion")
            .name_id,
        "alice@example.com"
    );
    second_tile.audiences = vec!["https://signin.aws.amazon.com/saml#3".into()];
    let xml = testkit::signed_response(&second_tile, testkit::Signing::Assertion, &testkit::IDP);
    assert!(
        validator.validate_document(&xml, now).is_err(),
        "an identifier not configured"
    );
}

#[test]
fn rejects_unknown_fields_by_name() {
    let err = BrokerConfig::from_toml(&toml_with("entity_idd = \"x\"", ""), None).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Syntax(m) if m.contains("entity_idd")),
        "{err}"
    );
}

#[test]
fn names_the_field_that_is_missing_or_wrong() {
    let no_entity = format!(
        "[idp]\ncertificates = [\"\"\"{}\"\"\"]\n[sp]\nacs_urls = [\"{}\"]",
        testkit::IDP.cert_pem,
        testkit::ACS_URL
    );
    assert_eq!(
        field_of(BrokerConfig::from_toml(&no_entity, None)),
        "idp.entity_id"
    );
    let no_cert = format!(
        "[idp]\nentity_id = \"x\"\n[sp]\nacs_urls = [\"{}\"]",
        testkit::ACS_URL
    );
    assert_eq!(
        field_of(BrokerConfig::from_toml(&no_cert, None)),
        "idp.certificates"
    );
    let no_acs = toml_with("", "").replace(&format!("acs_urls = [\"{}\"]", testkit::ACS_URL), "");
    assert_eq!(
        field_of(BrokerConfig::from_toml(&no_acs, None)),
        "sp.acs_urls"
    );
    let bad_acs = toml_with("", "").replace(testkit::ACS_URL, "ftp://x");
    assert_eq!(
        field_of(BrokerConfig::from_toml(&bad_acs, None)),
        "sp.acs_urls[0]"
    );
    for limit in ["max_namespace_uri_bytes = 10", "max_depth = 2"] {
        let small = toml_with("", &format!("[saml.limits]\n{limit}"));
        assert_eq!(
            field_of(BrokerConfig::from_toml(&small, None)),
            "saml.limits",
            "{limit}"
        );
    }
    let skew = toml_with("", "[saml]\nclock_skew_seconds = 9999");
    assert_eq!(
        field_of(BrokerConfig::from_toml(&skew, None)),
        "saml.clock_skew_seconds"
    );
    let sha1 = toml_with("", "[saml]\nsignature_algorithms = [\"rsa-sha1\"]");
    assert_eq!(
        field_of(BrokerConfig::from_toml(&sha1, None)),
        "saml.allow_sha1"
    );
    let bad_key = toml_with("", "decryption_key_pem = \"not a key\"");
    assert_eq!(
        field_of(BrokerConfig::from_toml(&bad_key, None)),
        "sp.decryption_key_pem"
    );
}

#[test]
fn refuses_a_1024_bit_idp_certificate_and_a_floor_under_2048() {
    let weak = toml_with("", "").replace(testkit::IDP.cert_pem, testkit::WEAK.cert_pem);
    let err = BrokerConfig::from_toml(&weak, None).unwrap_err();
    assert!(
        err.to_string().contains("idp.certificates[0]") && err.to_string().contains("1024 bits"),
        "{err}"
    );
    let legacy = format!("{weak}\n[saml]\nmin_rsa_key_bits = 1024");
    assert_eq!(
        field_of(BrokerConfig::from_toml(&legacy, None)),
        "saml.min_rsa_key_bits"
    );
}

#[test]
fn imports_entity_id_and_signing_certificates_from_idp_metadata() {
    let body = |pem: &str| {
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
    };
    let metadata = format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{a}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{c}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.test/sso/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso/redirect"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#,
        id = testkit::IDP_ENTITY_ID,
        a = body(testkit::IDP.cert_pem),
        b = body(testkit::IDP_NEXT.cert_pem),
        c = body(testkit::SP_ENCRYPTION.cert_pem),
    );
    let parsed = parse_idp_metadata(&metadata).unwrap();
    assert_eq!(parsed.entity_id, testkit::IDP_ENTITY_ID);
    assert_eq!(parsed.signing_certificates.len(), 2);
    assert_eq!(
        parsed.sso_redirect_url.as_deref(),
        Some("https://idp.example.test/sso/redirect"),
        "the HTTP-Redirect SingleSignOnService, where SP-initiated sign-in sends its request"
    );

    let dir = std::env::temp_dir().join(format!("studiogate-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("idp.xml"), &metadata).unwrap();
    let text = format!(
        "[idp]\nmetadata_file = \"idp.xml\"\n[sp]\nacs_urls = [\"{}\"]",
        testkit::ACS_URL
    );
    std::fs::write(dir.join("studiogate.toml"), &text).unwrap();
    let config = BrokerConfig::from_file(&dir.join("studiogate.toml")).unwrap();
    assert_eq!(
        config.saml_validator().unwrap().settings().idp_entity_id,
        testkit::IDP_ENTITY_ID
    );
    let sign_in = config
        .sp_initiated()
        .unwrap()
        .expect("on: the metadata names the SSO URL");
    assert_eq!(sign_in.sso_url, "https://idp.example.test/sso/redirect");
    assert!(
        sign_in.signer.is_none(),
        "no SP certificate: requests go unsigned"
    );
    assert!(
        config
            .saml_validator()
            .unwrap()
            .settings()
            .policy
            .allow_in_response_to,
        "responses to requests are read, and matched by the login flow"
    );

    let conflicting = format!(
        "[idp]\nentity_id = \"other\"\nmetadata = '''{metadata}'''\n[sp]\nacs_urls = [\"{}\"]",
        testkit::ACS_URL
    );
    assert_eq!(
        field_of(BrokerConfig::from_toml(&conflicting, None)),
        "idp.entity_id"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn local_runs_read_config_from_a_file_or_the_inline_variable_but_not_both() {
    use super::deployment::{load, Environment, Function, ParameterStore, ENV_PRESIGN_SEAL_KEY};
    struct NoStore;
    impl ParameterStore for NoStore {
        async fn parameter(&self, _: &str) -> Result<String, studiogate_kernel::AwsError> {
            unreachable!("local runs read no SSM parameter")
        }
    }
    let dir = std::env::temp_dir().join(format!("studiogate-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("studiogate.toml");
    std::fs::write(&path, toml_with("", "")).unwrap();
    let file = path.display().to_string();
    let presign = |env: Environment| async move {
        let env = env.with(ENV_PRESIGN_SEAL_KEY, "alias/studiogate-presign-seal");
        load(Function::Presign, &env, &NoStore).await
    };
    assert_eq!(
        presign(Environment::default()).await.unwrap_err(),
        ConfigError::NotProvided
    );
    assert!(
        presign(Environment::default().with(ENV_CONFIG_FILE, file.clone()))
            .await
            .is_ok()
    );
    assert!(
        presign(Environment::default().with(ENV_CONFIG_INLINE, toml_with("", "")))
            .await
            .is_ok()
    );
    let both = Environment::default()
        .with(ENV_CONFIG_FILE, file)
        .with(ENV_CONFIG_INLINE, toml_with("", ""));
    assert_eq!(presign(both).await.unwrap_err(), ConfigError::Ambiguous);
    let missing = Environment::default().with(
        ENV_CONFIG_FILE,
        dir.join("missing.toml").display().to_string(),
    );
    assert!(matches!(
        presign(missing).await.unwrap_err(),
        ConfigError::Read { .. }
    ));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn never_prints_the_decryption_key() {
    let text = toml_with(
        "",
        &format!(
            "decryption_key_pem = \"\"\"{}\"\"\"",
            testkit::SP_ENCRYPTION.key_pem
        ),
    );
    let config = BrokerConfig::from_toml(&text, None).unwrap();
    let printed = format!("{config:?} {:?}", config.saml_validator().unwrap());
    assert!(printed.contains("<redacted>"));
    assert!(!printed.contains("PRIVATE KEY"));
}

const TARGETS: &str = r#"
[presign]
sagemaker_endpoint_url = "https://vpce-0abc.api.sagemaker.us-east-1.vpce.amazonaws.com"
broker_url = "https://sso.example.com"

[targets.sagemaker-ml]
kind = "sagemaker"
display_name = "ML platform"
domain_id = "d-abc123"
profile_name = { from = "attribute", attribute = "employeeNumber" }
static_tags = { cost-centre = "42" }
tags_from_attributes = { team = "https://idp.example.test/claims/team" }
default = { execution_role = "arn:aws:iam::123456789012:role/SageMakerExecutionDefault" }

[[targets.sagemaker-ml.rules]]
group = "ml-engineers"
execution_role = "arn:aws:iam::123456789012:role/SageMakerExecutionML"
lifecycle_configs = { JupyterLab = { default = "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/auto-shutdown" } }

[targets.emr-idc]
kind = "emr"
display_name = "EMR Studio"
studio_id = "es-ABC"
region = "us-east-1"
mapping = "group"
default_session_policy_arn = "arn:aws:iam::123456789012:policy/EMRStudioBasic"
"#;

#[test]
fn loads_presign_settings_and_targets() {
    let config = BrokerConfig::from_toml(&format!("{}{TARGETS}", toml_with("", "")), None).unwrap();
    assert_eq!(config.presign.budget_seconds, 20);
    assert_eq!(
        config.presign.federation_url,
        "https://signin.aws.amazon.com/federation"
    );
    let TargetKind::Sagemaker(ml) = &config.targets["sagemaker-ml"].kind else {
        panic!("sagemaker target")
    };
    assert_eq!(ml.owner_tag, "studiouserid");
    assert_eq!(ml.expires_in_seconds, 30);
    assert_eq!(
        ml.profile_name,
        crate::targets::sagemaker::naming::ProfileNameRule::Attribute("employeeNumber".into())
    );
    assert_eq!(ml.rules[0].lifecycle_configs.len(), 1);
    let TargetKind::Emr(emr) = &config.targets["emr-idc"].kind else {
        panic!("emr target")
    };
    assert_eq!(emr.mapping, crate::targets::emr::MappingMode::Group);
}

#[test]
fn names_the_bad_target_field() {
    let base = format!("{}{TARGETS}", toml_with("", ""));
    let cases = [
        (
            base.replace("d-abc123", "abc"),
            "targets.sagemaker-ml.domain_id",
        ),
        (
            base.replace("role/SageMakerExecutionML", "user/x")
                .replace(":role/", ":user/"),
            "targets.sagemaker-ml.rules[0].execution_role",
        ),
        (
            base.replace("es-ABC", "studio"),
            "targets.emr-idc.studio_id",
        ),
        (
            base.replace("[presign]", "[presign]\nbudget_seconds = 2"),
            "presign.budget_seconds",
        ),
        (
            base.replace("[targets.emr-idc]", "[targets.\"bad key\"]"),
            "targets.bad key",
        ),
    ];
    for (text, field) in cases {
        assert_eq!(field_of(BrokerConfig::from_toml(&text, None)), field);
    }
    let unknown_kind = base.replace("kind = \"emr\"", "kind = \"ec2\"");
    assert!(matches!(
        BrokerConfig::from_toml(&unknown_kind, None),
        Err(ConfigError::Syntax(_))
    ));
}

#[test]
fn the_reference_in_docs_loads() {
    // The one TOML reference (docs/configuration.md) is a working configuration, so it cannot
    // name a field the code does not have, or leave out one the code requires.
    let page = include_str!("../../../../docs/configuration.md");
    let reference = page
        .split("## The reference")
        .nth(1)
        .and_then(|rest| rest.split("```toml\n").nth(1))
        .and_then(|block| block.split("```").next())
        .expect("a TOML block under \"The reference\"");
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let config = BrokerConfig::from_toml(reference, Some(&docs))
        .unwrap_or_else(|e| panic!("docs/configuration.md: {e}"));
    for function in [
        deployment::Function::SamlValidator,
        deployment::Function::Presign,
    ] {
        config
            .validate_for(function)
            .unwrap_or_else(|e| panic!("docs/configuration.md for {function:?}: {e}"));
    }
    assert_eq!(config.saml, SamlPolicy::default(), "it shows the defaults");
    assert_eq!(
        config.presign.budget_seconds,
        PresignConfig::default().budget_seconds
    );
    let kinds: Vec<&TargetKind> = config.targets.values().map(|t| &t.kind).collect();
    assert!(matches!(
        kinds[..],
        [TargetKind::Emr(_), TargetKind::Sagemaker(_)]
    ));
}

#[test]
fn sp_initiated_sign_in_is_checked_field_by_field() {
    let sso = "sso_url = \"https://idp.example.test/sso\"";
    let config = BrokerConfig::from_toml(&toml_with(sso, ""), None).unwrap();
    let sign_in = config.sp_initiated().unwrap().unwrap();
    assert_eq!(sign_in.acs_url, testkit::ACS_URL);
    assert_eq!(sign_in.issuer, AWS_AUDIENCE);
    assert_eq!(sign_in.lifetime, time::Duration::minutes(10));
    assert!(config.accepts_idp_initiated());
    let off = BrokerConfig::from_toml(&toml_with("", ""), None).unwrap();
    assert!(off.sp_initiated().unwrap().is_none());
    assert!(
        !off.saml_validator()
            .unwrap()
            .settings()
            .policy
            .allow_in_response_to
    );

    let key = format!(
        "decryption_key_pem = \"\"\"{}\"\"\"",
        testkit::SP_ENCRYPTION.key_pem
    );
    let cert = |pem: &str| format!("certificate = \"\"\"{pem}\"\"\"");
    let signed = BrokerConfig::from_toml(
        &toml_with(
            sso,
            &format!("{key}\n{}", cert(testkit::SP_ENCRYPTION.cert_pem)),
        ),
        None,
    )
    .unwrap();
    assert!(signed.sp_initiated().unwrap().unwrap().signer.is_some());

    for (idp, sp, field) in [
        ("sso_url = \"ftp://idp\"", String::new(), "idp.sso_url"),
        (
            "sso_url = \"http://idp.example.test/sso\"",
            String::new(),
            "idp.sso_url",
        ),
        (
            "sso_url = \"https://idp.example.test/sso#x\"",
            String::new(),
            "idp.sso_url",
        ),
        ("idp_initiated = false", String::new(), "idp.idp_initiated"),
        (sso, cert(testkit::SP_ENCRYPTION.cert_pem), "sp.certificate"),
        (
            sso,
            format!("{key}\n{}", cert(testkit::IDP.cert_pem)),
            "sp.certificate",
        ),
        (
            sso,
            format!("{key}\n{}", cert("not a certificate")),
            "sp.certificate",
        ),
    ] {
        assert_eq!(
            field_of(BrokerConfig::from_toml(&toml_with(idp, &sp), None)),
            field,
            "{idp} {sp}"
        );
    }
}
