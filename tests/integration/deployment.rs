//! The deployed configuration path on the real SDK: both functions load their configuration, the
//! IdP metadata and (for the ACS) an SP key from SSM parameters in the emulator, as the stack sets
//! them up, and refuse to start, naming what to fix, when a parameter is missing.

use aws_sdk_ssm::types::ParameterType;
use studiogate::config::deployment::{
    load, Environment, Function, ENV_CONFIG_PARAMETER, ENV_DEFAULT_JUPYTERLAB_LIFECYCLE_CONFIG,
    ENV_IDP_METADATA_PARAMETER, ENV_PRESIGN_FUNCTION, ENV_PRESIGN_SEAL_KEY, ENV_REPLAY_TABLE,
    ENV_SAGEMAKER_ENDPOINT_URL, ENV_SP_KEY_PARAMETER,
};
use studiogate::config::ConfigError;
use studiogate::targets::TargetKind;
use studiogate_aws::sdk_config;
use studiogate_aws::ssm::SdkParameterStore;
use studiogate_saml::testkit;
use studiogate_tests::emulator;

const CONFIG: &str = r#"
[sp]
acs_urls = ["https://sso.example.test/saml/acs"]
[login]
allowed_roles = ["arn:aws:iam::123456789012:role/StudioUser"]
[targets.ml]
kind = "sagemaker"
display_name = "ML"
domain_id = "d-7ac2bcf8fc16"
default = { execution_role = "arn:aws:iam::123456789012:role/SageMakerExecutionDefault" }
"#;

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
async fn both_functions_load_what_the_stack_stores_in_ssm() {
    let _world = emulator::exclusive_world();
    let aws = sdk_config().await;
    let ssm = aws_sdk_ssm::Client::new(&aws);
    put(
        &ssm,
        "/studiogate/test/config",
        CONFIG,
        ParameterType::String,
    )
    .await;
    put(
        &ssm,
        "/studiogate/test/idp-metadata",
        &testkit::idp_metadata(&[&testkit::IDP]),
        ParameterType::String,
    )
    .await;
    put(
        &ssm,
        "/studiogate/test/sp-key",
        testkit::SP_ENCRYPTION.key_pem,
        ParameterType::SecureString,
    )
    .await;
    let store = SdkParameterStore::new(&aws);

    let acs = Environment::default()
        .with(ENV_CONFIG_PARAMETER, "/studiogate/test/config")
        .with(ENV_IDP_METADATA_PARAMETER, "/studiogate/test/idp-metadata")
        .with(ENV_SP_KEY_PARAMETER, "/studiogate/test/sp-key")
        .with(ENV_REPLAY_TABLE, "studiogate-replay")
        .with(ENV_PRESIGN_FUNCTION, "stack-presign");
    let unsealed = load(Function::SamlValidator, &acs, &store)
        .await
        .expect_err("no seal key, no ACS");
    assert!(
        unsealed.to_string().contains("presign.seal_key"),
        "{unsealed}"
    );
    let acs = acs.with(ENV_PRESIGN_SEAL_KEY, "alias/studiogate-presign-seal");
    let config = load(Function::SamlValidator, &acs, &store)
        .await
        .expect("the ACS loads");
    assert_eq!(
        config.saml_validator().unwrap().settings().idp_entity_id,
        testkit::IDP_ENTITY_ID
    );
    assert!(
        config.sp.decryption_key_pem.is_some(),
        "the SecureString was decrypted"
    );
    let login = config.login().unwrap();
    assert_eq!(login.replay_table.as_deref(), Some("studiogate-replay"));
    assert_eq!(login.presign_function, "stack-presign");
    assert!(saml_validator::build(&config, &aws).is_ok());

    // presign reads no IdP metadata: the stack gives it none.
    let presign = Environment::default()
        .with(ENV_CONFIG_PARAMETER, "/studiogate/test/config")
        .with(ENV_PRESIGN_SEAL_KEY, "alias/studiogate-presign-seal")
        .with(
            ENV_SAGEMAKER_ENDPOINT_URL,
            "https://vpce-0abc.api.sagemaker.us-east-1.vpce.amazonaws.com",
        )
        .with(
            ENV_DEFAULT_JUPYTERLAB_LIFECYCLE_CONFIG,
            "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/stack-auto-shutdown",
        );
    let config = load(Function::Presign, &presign, &store)
        .await
        .expect("presign loads");
    let TargetKind::Sagemaker(ml) = &config.targets["ml"].kind else {
        panic!("a SageMaker target")
    };
    assert_eq!(
        ml.default.lifecycle_configs.len(),
        1,
        "the stack's auto-shutdown is the default"
    );
    assert!(config.login.is_none(), "presign does not read [login]");
    assert!(presign::build(&config, &aws).is_ok());

    let missing = acs.with(ENV_CONFIG_PARAMETER, "/studiogate/test/nope");
    match load(Function::SamlValidator, &missing, &store).await {
        Err(ConfigError::Read { path, message }) => {
            assert!(
                path.contains("/studiogate/test/nope") && path.contains(ENV_CONFIG_PARAMETER),
                "{path}"
            );
            assert!(message.contains("ParameterNotFound"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
