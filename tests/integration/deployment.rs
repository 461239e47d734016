//! The deployed configuration path on the real SDK, with IAM enforced: each function, signing with
//! its own role (presign through the VPC's SSM endpoint), loads the configuration the operator
//! stored (`studiogate config put`) and (the ACS) the IdP metadata and ACS URL from the parameters
//! the stack creates, and refuses to start, naming what to fix, when a parameter is missing or one
//! its role may not read is named.

use aws_sdk_ssm::types::ParameterType;
use studiogate::config::deployment::{
    load, Environment, Function as Loading, ENV_ACS_URL_PARAMETER, ENV_CONFIG_PARAMETER,
    ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES, ENV_IDP_METADATA_PARAMETER, ENV_PRESIGN_FUNCTION,
    ENV_PRESIGN_SEAL_KEY, ENV_REPLAY_TABLE, ENV_SAGEMAKER_ENDPOINT_URL, ENV_SP_KEY_PARAMETER,
};
use studiogate::config::ConfigError;
use studiogate::targets::TargetKind;
use studiogate_aws::sdk_config;
use studiogate_aws::ssm::SdkParameterStore;
use studiogate_saml::testkit;
use studiogate_tests::emulator::{self, Function};
use studiogate_tests::federation;

/// What the operator stores: no ACS URL (the stack's), no IdP, table, function or key.
const CONFIG: &str = r#"
[login]
allowed_roles = ["arn:aws:iam::123456789012:role/StudioUser"]
[targets.ml]
kind = "sagemaker"
display_name = "ML"
domain_id = "d-7ac2bcf8fc16"
default = { execution_role = "arn:aws:iam::123456789012:role/SageMakerExecutionDefault" }
"#;

/// The parameters the functions read (`template.yaml`, stack name `studiogate`): the operator's,
/// and the two the stack creates.
const CONFIG_PARAMETER: &str = "/studiogate/studiogate/config";
const METADATA_PARAMETER: &str = "/studiogate/studiogate/idp-metadata";
const ACS_URL_PARAMETER: &str = "/studiogate/studiogate/acs-url";
/// The Secrets Manager secret holding the SP key (the stack's SpDecryptionKeySecret).
const SP_KEY_SECRET: &str = "studiogate/sp-key";
const SEAL_KEY: &str = "alias/studiogate-presign-seal";

async fn put(ssm: &aws_sdk_ssm::Client, name: &str, value: &str, kind: ParameterType) {
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(kind)
        .overwrite(true)
        .send()
        .await
        .expect("PutParameter");
}

#[tokio::test(flavor = "multi_thread")]
async fn both_functions_load_what_the_stack_stores_in_ssm_with_their_own_roles() {
    let world = emulator::exclusive_world();
    let operator = aws_sdk_ssm::Client::new(&world.operator().await);
    put(&operator, CONFIG_PARAMETER, CONFIG, ParameterType::String).await;
    put(
        &operator,
        METADATA_PARAMETER,
        &testkit::idp_metadata(&[&testkit::IDP]),
        ParameterType::String,
    )
    .await;

    world.act_as(Function::SamlValidator);
    let aws = sdk_config().await;
    let store = SdkParameterStore::new(&aws);
    let acs = Environment::default()
        .with(ENV_CONFIG_PARAMETER, CONFIG_PARAMETER)
        .with(ENV_IDP_METADATA_PARAMETER, METADATA_PARAMETER)
        .with(ENV_ACS_URL_PARAMETER, ACS_URL_PARAMETER)
        .with(ENV_SP_KEY_PARAMETER, "")
        .with(ENV_REPLAY_TABLE, "studiogate-replay")
        .with(ENV_PRESIGN_FUNCTION, "presign");
    let unsealed = load(Loading::SamlValidator, &acs, &store)
        .await
        .expect_err("no seal key, no ACS");
    assert!(
        unsealed.to_string().contains("presign.seal_key"),
        "{unsealed}"
    );
    let acs = acs.with(ENV_PRESIGN_SEAL_KEY, SEAL_KEY);
    let config = load(Loading::SamlValidator, &acs, &store)
        .await
        .expect("the ACS loads");
    assert_eq!(
        config.saml_validator().unwrap().settings().idp_entity_id,
        testkit::IDP_ENTITY_ID
    );
    assert_eq!(
        config.sp.acs_urls,
        [world.acs_url()],
        "the stack's ACS URL, from the parameter it writes"
    );
    let login = config.login().unwrap();
    assert_eq!(login.replay_table.as_deref(), Some("studiogate-replay"));
    assert_eq!(login.presign_function, "presign");
    assert!(saml_validator::build(&config, &aws).is_ok());

    // A parameter the stack did not create is not the ACS's to read: IAM refuses, and the
    // function refuses to start naming the variable and the parameter.
    operator_puts_an_sp_key(&world).await;
    match load(
        Loading::SamlValidator,
        &acs.clone().with(ENV_SP_KEY_PARAMETER, "/corp/sp-key"),
        &store,
    )
    .await
    {
        Err(ConfigError::Read { path, message }) => {
            assert!(
                path.contains("/corp/sp-key") && path.contains(ENV_SP_KEY_PARAMETER),
                "{path}"
            );
            assert!(message.starts_with("AccessDeniedException"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    // presign reads no IdP metadata: the stack gives it none, and its role may not read it.
    world.act_as(Function::Presign);
    let aws = sdk_config().await;
    let store = SdkParameterStore::new(&aws);
    let presign = Environment::default()
        .with(ENV_CONFIG_PARAMETER, CONFIG_PARAMETER)
        .with(ENV_PRESIGN_SEAL_KEY, SEAL_KEY)
        .with(
            ENV_SAGEMAKER_ENDPOINT_URL,
            "https://vpce-0abc.api.sagemaker.us-east-1.vpce.amazonaws.com",
        )
        .with(ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES, "60")
        .with(ENV_REPLAY_TABLE, "studiogate-replay");
    let config = load(Loading::Presign, &presign, &store)
        .await
        .expect("presign loads");
    let TargetKind::Sagemaker(ml) = &config.targets["ml"].kind else {
        panic!("a SageMaker target")
    };
    assert_eq!(
        ml.default.idle_shutdown_minutes,
        Some(60),
        "the stack's idle shutdown is the default"
    );
    assert!(config.login.is_none(), "presign does not read [login]");
    assert!(presign::build(&config, &aws).await.is_ok());
    let ssm_calls: Vec<_> = world
        .aws
        .calls()
        .into_iter()
        .filter(|c| c["operation"] == "GetParameter")
        .collect();
    let last = ssm_calls.last().expect("presign read its configuration");
    assert_eq!(
        last["authorization"]["network"]["aws:SourceVpce"],
        world.seeded["stack"]["endpoints"]["ssm"]["id"],
        "through the VPC's SSM endpoint: {last}"
    );
    assert_eq!(last["authorization"]["decision"], "Allowed");

    let missing = acs.with(ENV_CONFIG_PARAMETER, "/studiogate/studiogate/nope");
    world.act_as(Function::SamlValidator);
    let store = SdkParameterStore::new(&sdk_config().await);
    match load(Loading::SamlValidator, &missing, &store).await {
        Err(ConfigError::Read { path, .. }) => {
            assert!(
                path.contains("/studiogate/studiogate/nope") && path.contains(ENV_CONFIG_PARAMETER),
                "{path}"
            );
        }
        other => panic!("{other:?}"),
    }
}

async fn operator_puts_an_sp_key(world: &emulator::World) {
    let operator = aws_sdk_ssm::Client::new(&world.operator().await);
    put(
        &operator,
        "/corp/sp-key",
        testkit::SP_ENCRYPTION.key_pem,
        ParameterType::SecureString,
    )
    .await;
}

/// Encrypted assertions (issue 13 item 5): the stack gives the SP key's secret to the IAM SAML
/// provider and to saml-validator alike. saml-validator reads it through Parameter Store's
/// reference (authorized on the parameter and on the secret) and decrypts an assertion; STS
/// decrypts the same assertion with the provider's key and answers.
#[tokio::test(flavor = "multi_thread")]
async fn one_secret_lets_the_broker_and_sts_decrypt_the_same_assertion() {
    let mut world = emulator::exclusive_world();
    let mut description = emulator::default_world();
    let key = studiogate_tests::workspace_root().join("testdata/keys/sp-encryption-key.pem");
    description["secrets"] =
        serde_json::json!([{"name": SP_KEY_SECRET, "value_file": key.display().to_string()}]);
    description["stack"]["parameters"] =
        serde_json::json!({"SpDecryptionKeySecret": SP_KEY_SECRET});
    world.reseed(description);
    let operator = aws_sdk_ssm::Client::new(&world.operator().await);
    put(&operator, CONFIG_PARAMETER, CONFIG, ParameterType::String).await;

    world.act_as(Function::SamlValidator);
    let store = SdkParameterStore::new(&sdk_config().await);
    let acs = Environment::default()
        .with(ENV_CONFIG_PARAMETER, CONFIG_PARAMETER)
        .with(ENV_IDP_METADATA_PARAMETER, METADATA_PARAMETER)
        .with(ENV_ACS_URL_PARAMETER, ACS_URL_PARAMETER)
        // What template.yaml sets when it is given SpDecryptionKeySecret.
        .with(
            ENV_SP_KEY_PARAMETER,
            format!("/aws/reference/secretsmanager/{SP_KEY_SECRET}"),
        )
        .with(ENV_REPLAY_TABLE, "studiogate-replay")
        .with(ENV_PRESIGN_FUNCTION, "presign")
        .with(ENV_PRESIGN_SEAL_KEY, SEAL_KEY);
    let config = load(Loading::SamlValidator, &acs, &store)
        .await
        .expect("the ACS loads with the SP key");
    let read = world
        .aws
        .calls()
        .into_iter()
        .rfind(|c| c["operation"] == "GetParameter" && c["authorization"]["requests"].is_array())
        .expect("the SP key was read (two IAM requests: the parameter and the secret)");
    let actions: Vec<&str> = read["authorization"]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["ssm:GetParameter", "secretsmanager:GetSecretValue"]
    );
    assert_eq!(read["authorization"]["decision"], "Allowed");

    let encrypted = federation::encrypted_assertion(&world, "alice", "alice@example.com");
    let document = String::from_utf8(base64_decode(&encrypted)).unwrap();
    let verified = config
        .saml_validator()
        .unwrap()
        .validate_document(&document, time::OffsetDateTime::now_utc())
        .expect("the broker decrypts with the secret's key");
    assert!(verified.encrypted);
    assert_eq!(verified.name_id, "alice@example.com");

    let sts = federation::assume_with(&world, &encrypted).await;
    assert_eq!(
        sts.subject(),
        Some("alice@example.com"),
        "STS decrypts with the provider's key"
    );
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}
