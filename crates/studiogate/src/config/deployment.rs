//! The configuration of a deployed function: the TOML from an SSM parameter (or, for local runs, a
//! file or the variable itself), then what the stack knows better than the TOML: the IdP metadata,
//! the SP key, the replay table, the presign function, the seal key, the SageMaker API endpoint
//! and the stack's default idle shutdown. Each function reads only its own variables
//! ([`Function::environment`]); `template.yaml` sets exactly those (a test checks).

use super::{BrokerConfig, ConfigError, Secret, ENV_CONFIG_FILE, ENV_CONFIG_INLINE};
use crate::targets::TargetKind;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use studiogate_kernel::AwsError;

/// An SSM parameter holding the TOML configuration (String or SecureString).
pub const ENV_CONFIG_PARAMETER: &str = "STUDIOGATE_CONFIG_PARAMETER";
/// An SSM parameter holding the IdP metadata XML (becomes `idp.metadata`).
pub const ENV_IDP_METADATA_PARAMETER: &str = "STUDIOGATE_IDP_METADATA_PARAMETER";
/// An SSM parameter holding the SP decryption key PEM (becomes `sp.decryption_key_pem`): the stack
/// gives Parameter Store's reference to its Secrets Manager secret
/// (`/aws/reference/secretsmanager/NAME`), the secret whose key the IAM SAML provider also holds.
pub const ENV_SP_KEY_PARAMETER: &str = "STUDIOGATE_SP_KEY_PARAMETER";
/// An SSM String parameter the stack writes with the ACS URL of its front door (added to
/// `sp.acs_urls`, and so, by default, the accepted Recipient): the function cannot be given its
/// own URL directly, which exists only once the function does.
pub const ENV_ACS_URL_PARAMETER: &str = "STUDIOGATE_ACS_URL_PARAMETER";
/// The replay table the stack created (becomes `login.replay_table` for saml-validator and
/// `presign.seal_ledger_table` for presign).
pub const ENV_REPLAY_TABLE: &str = "STUDIOGATE_REPLAY_TABLE";
/// The presign function the stack created (becomes `login.presign_function`).
pub const ENV_PRESIGN_FUNCTION: &str = "STUDIOGATE_PRESIGN_FUNCTION";
/// The SageMaker API interface endpoint URL (becomes `presign.sagemaker_endpoint_url`).
pub const ENV_SAGEMAKER_ENDPOINT_URL: &str = "STUDIOGATE_SAGEMAKER_ENDPOINT_URL";
/// Minutes of idleness after which SageMaker shuts down a JupyterLab or Code Editor app: every
/// mapping rule of every SageMaker target gets it unless it names its own (`idle_shutdown_minutes`).
pub const ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES: &str = "STUDIOGATE_DEFAULT_IDLE_SHUTDOWN_MINUTES";

/// The KMS HMAC key that seals presign requests (becomes `presign.seal_key`).
pub const ENV_PRESIGN_SEAL_KEY: &str = "STUDIOGATE_PRESIGN_SEAL_KEY";

/// The stack's deployment revision: changing it gives the functions new execution environments,
/// which read the configuration again. Logged at start.
pub const ENV_DEPLOYMENT_REVISION: &str = "STUDIOGATE_DEPLOYMENT_REVISION";

/// Offboarding on a schedule: profiles whose last login is more than this many days old.
pub const ENV_OFFBOARD_INACTIVE_DAYS: &str = "STUDIOGATE_OFFBOARD_INACTIVE_DAYS";
/// Offboarding on a schedule: `keep` or `remove` the user's home (spaces, then the profile).
pub const ENV_OFFBOARD_HOME: &str = "STUDIOGATE_OFFBOARD_HOME";
/// Offboarding on a schedule: `true` carries the plan out; anything else only logs it.
pub const ENV_OFFBOARD_EXECUTE: &str = "STUDIOGATE_OFFBOARD_EXECUTE";

/// Which function is loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// The ACS endpoint.
    SamlValidator,
    /// The presign function.
    Presign,
    /// Offboarding (a command, and optionally a scheduled function): reads the targets only.
    Offboard,
}

impl Function {
    /// The deployment variables this function reads; the stack sets exactly these.
    pub fn environment(self) -> &'static [&'static str] {
        match self {
            Function::SamlValidator => &[
                ENV_CONFIG_PARAMETER,
                ENV_IDP_METADATA_PARAMETER,
                ENV_SP_KEY_PARAMETER,
                ENV_ACS_URL_PARAMETER,
                ENV_REPLAY_TABLE,
                ENV_PRESIGN_FUNCTION,
                ENV_PRESIGN_SEAL_KEY,
                ENV_DEPLOYMENT_REVISION,
            ],
            // presign never validates an assertion: it reads no IdP metadata.
            Function::Presign => &[
                ENV_CONFIG_PARAMETER,
                ENV_SAGEMAKER_ENDPOINT_URL,
                ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES,
                ENV_PRESIGN_SEAL_KEY,
                ENV_REPLAY_TABLE,
                ENV_DEPLOYMENT_REVISION,
            ],
            Function::Offboard => &[
                ENV_CONFIG_PARAMETER,
                ENV_OFFBOARD_INACTIVE_DAYS,
                ENV_OFFBOARD_HOME,
                ENV_OFFBOARD_EXECUTE,
                ENV_DEPLOYMENT_REVISION,
            ],
        }
    }
}

/// Variables for local runs only (`cargo lambda watch`, tests); a deployment sets none of them.
pub const LOCAL_ENVIRONMENT: &[&str] = &[ENV_CONFIG_FILE, ENV_CONFIG_INLINE];

/// The operation the loader's parameter store calls with the function's role.
pub const PARAMETER_OPERATIONS: &[&str] = &["ssm:GetParameter"];

/// SSM Parameter Store, as the loader needs it.
pub trait ParameterStore: Send + Sync {
    /// GetParameter with decryption: the value.
    fn parameter(&self, name: &str) -> impl Future<Output = Result<String, AwsError>> + Send;
}

/// The variables a function reads, captured once (tests build one by hand). Empty values count
/// as unset: CloudFormation passes `""` for an optional parameter left blank.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment(BTreeMap<&'static str, String>);

impl Environment {
    /// This process's values of `function`'s variables and the local ones.
    pub fn of_process(function: Function) -> Self {
        let names = function.environment().iter().chain(LOCAL_ENVIRONMENT);
        Environment(
            names
                .filter_map(|name| std::env::var(name).ok().map(|value| (*name, value)))
                .collect(),
        )
    }

    /// With `name` set to `value`.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.0.insert(name, value.into());
        self
    }

    /// The deployment revision, if the stack set one.
    pub fn revision(&self) -> Option<&str> {
        self.value(ENV_DEPLOYMENT_REVISION)
    }

    /// A variable's value, trimmed; `None` when unset or blank.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

async fn fetch<P: ParameterStore>(
    store: &P,
    variable: &str,
    name: &str,
) -> Result<String, ConfigError> {
    store
        .parameter(name)
        .await
        .map_err(|error| ConfigError::Read {
            path: format!("SSM parameter {name:?} (from {variable})"),
            message: format!("{}: {}", error.code, error.message),
        })
}

/// What a configuration stored in a parameter may not hold: files (a function has none to read)
/// and the SP key (the stack gives it to saml-validator and to the IAM SAML provider alike, so that
/// STS can decrypt what the broker decrypts).
fn refuse_in_stored(config: &BrokerConfig) -> Result<(), ConfigError> {
    let files = [
        ("idp.metadata_file", config.idp.metadata_file.is_some()),
        (
            "idp.certificate_files",
            !config.idp.certificate_files.is_empty(),
        ),
        (
            "sp.decryption_key_file",
            config.sp.decryption_key_file.is_some(),
        ),
        ("sp.certificate_file", config.sp.certificate_file.is_some()),
    ];
    if let Some((field, _)) = files.iter().find(|(_, named)| *named) {
        return Err(ConfigError::field(
            *field,
            "a stored configuration cannot name files (the functions have none to read): the stack \
             supplies the IdP metadata and the SP key",
        ));
    }
    if config.sp.decryption_key_pem.is_some() {
        return Err(ConfigError::field(
            "sp.decryption_key_pem",
            "the SP key comes from the stack (its SP key parameter), which also gives it to the IAM \
             SAML provider so that STS can decrypt the assertions; remove it from the configuration",
        ));
    }
    Ok(())
}

/// Loads, overlays and validates `function`'s configuration. Errors name the variable or field.
pub async fn load<P: ParameterStore>(
    function: Function,
    env: &Environment,
    store: &P,
) -> Result<BrokerConfig, ConfigError> {
    let mut config = match (
        env.value(ENV_CONFIG_PARAMETER),
        env.value(ENV_CONFIG_FILE),
        env.value(ENV_CONFIG_INLINE),
    ) {
        (Some(name), None, None) => {
            let text = fetch(store, ENV_CONFIG_PARAMETER, name).await?;
            let config = BrokerConfig::parse_unvalidated(&text)?;
            refuse_in_stored(&config)?;
            config
        }
        (None, Some(path), None) => {
            let path = Path::new(path);
            let mut config = BrokerConfig::parse_unvalidated(&super::read_file(path)?)?;
            config.resolve_files(path.parent())?;
            config
        }
        (None, None, Some(text)) => {
            let mut config = BrokerConfig::parse_unvalidated(text)?;
            config.resolve_files(None)?;
            config
        }
        (None, None, None) => return Err(ConfigError::NotProvided),
        _ => return Err(ConfigError::Ambiguous),
    };
    // Only the function's own variables count: a variable meant for the other function is ignored.
    let own = |name: &'static str| {
        env.value(name)
            .filter(|_| function.environment().contains(&name))
    };
    if let Some(name) = own(ENV_IDP_METADATA_PARAMETER) {
        if config.idp.metadata.is_some() {
            return Err(super::ConfigError::field(
                "idp.metadata",
                format!("the stack provides the IdP metadata ({ENV_IDP_METADATA_PARAMETER}); remove it from the configuration"),
            ));
        }
        config.idp.metadata = Some(fetch(store, ENV_IDP_METADATA_PARAMETER, name).await?);
    }
    if let Some(name) = own(ENV_SP_KEY_PARAMETER) {
        config.sp.decryption_key_pem =
            Some(Secret(fetch(store, ENV_SP_KEY_PARAMETER, name).await?));
    }
    if let Some(name) = own(ENV_ACS_URL_PARAMETER) {
        let url = fetch(store, ENV_ACS_URL_PARAMETER, name).await?;
        let url = url.trim().to_owned();
        // First: the metadata's default ACS and the one AuthnRequests name are the stack's, the
        // URL the user role trusts as SAML:aud.
        config.sp.acs_urls.retain(|configured| *configured != url);
        config.sp.acs_urls.insert(0, url);
    }
    let replay_table = own(ENV_REPLAY_TABLE).filter(|_| function == Function::SamlValidator);
    if let Some(table) = own(ENV_REPLAY_TABLE).filter(|_| function == Function::Presign) {
        config.presign.seal_ledger_table = Some(table.to_owned());
        config.presign.seal_ledger_in_memory = false;
    }
    let presign_function = own(ENV_PRESIGN_FUNCTION);
    if replay_table.is_some() || presign_function.is_some() {
        let login = config.login.as_mut().ok_or_else(|| {
            ConfigError::field(
                "login",
                "saml-validator needs a [login] section (allowed_roles at least)",
            )
        })?;
        if let Some(table) = replay_table {
            login.replay_table = Some(table.to_owned());
            login.replay_in_memory = false;
        }
        if let Some(function) = presign_function {
            login.presign_function = function.to_owned();
        }
    }
    if let Some(key) = own(ENV_PRESIGN_SEAL_KEY) {
        config.presign.seal_key = Some(key.to_owned());
    }
    if let Some(url) = own(ENV_SAGEMAKER_ENDPOINT_URL) {
        config.presign.sagemaker_endpoint_url = Some(url.to_owned());
    }
    if let Some(minutes) = own(ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES) {
        let minutes: u32 = minutes.parse().map_err(|_| {
            ConfigError::field(
                ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES,
                format!("{minutes:?} is not a number of minutes"),
            )
        })?;
        for target in config.targets.values_mut() {
            if let TargetKind::Sagemaker(t) = &mut target.kind {
                for rule in t.rules.iter_mut().chain([&mut *t.default]) {
                    rule.idle_shutdown_minutes.get_or_insert(minutes);
                }
            }
        }
    }
    if function != Function::SamlValidator {
        // Only the ACS reads [login]; its fields that only the ACS's stack variables fill stay unchecked.
        config.login = None;
    }
    config.validate_for(function)?;
    Ok(config)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use studiogate_kernel::ErrorKind;
    use studiogate_saml::testkit;

    /// Parameter Store over a map.
    struct Store(BTreeMap<&'static str, String>);

    impl ParameterStore for Store {
        async fn parameter(&self, name: &str) -> Result<String, AwsError> {
            self.0.get(name).cloned().ok_or_else(|| {
                AwsError::new(
                    "ssm:GetParameter",
                    ErrorKind::NotFound,
                    "ParameterNotFound",
                    "no such parameter",
                )
            })
        }
    }

    /// The TOML an operator stores: no IdP trust, no ACS URL, no table, no function (the stack
    /// adds them).
    pub(in crate::config) const DEPLOYED: &str = r#"
[login]
allowed_roles = ["arn:aws:iam::123456789012:role/StudioUser"]
[targets.ml]
kind = "sagemaker"
display_name = "ML"
domain_id = "d-1"
default = { execution_role = "arn:aws:iam::123456789012:role/Exec" }
"#;

    const STACK_ACS_URL: &str = "https://abc123.lambda-url.us-east-1.on.aws/saml/acs";

    fn store() -> Store {
        Store(BTreeMap::from([
            ("/studiogate/config", DEPLOYED.to_owned()),
            ("/studiogate/acs-url", format!("{STACK_ACS_URL}\n")),
            (
                "/studiogate/idp-metadata",
                testkit::idp_metadata(&[&testkit::IDP]),
            ),
        ]))
    }

    fn deployed(function: Function) -> Environment {
        let env = Environment::default()
            .with(ENV_CONFIG_PARAMETER, "/studiogate/config")
            .with(
                ENV_PRESIGN_SEAL_KEY,
                "arn:aws:kms:us-east-1:123456789012:key/seal",
            );
        match function {
            Function::SamlValidator => env
                .with(ENV_IDP_METADATA_PARAMETER, "/studiogate/idp-metadata")
                .with(ENV_ACS_URL_PARAMETER, "/studiogate/acs-url")
                .with(ENV_REPLAY_TABLE, "stack-replay")
                .with(ENV_PRESIGN_FUNCTION, "stack-presign")
                .with(ENV_SP_KEY_PARAMETER, ""),
            Function::Presign => env
                .with(
                    ENV_SAGEMAKER_ENDPOINT_URL,
                    "https://vpce-1.api.sagemaker.us-east-1.vpce.amazonaws.com",
                )
                .with(ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES, "90")
                .with(ENV_REPLAY_TABLE, "stack-replay"),
            Function::Offboard => env.with(ENV_OFFBOARD_INACTIVE_DAYS, "90"),
        }
    }

    #[tokio::test]
    async fn offboarding_reads_the_stored_targets_and_needs_no_seal_key_nor_login() {
        let env = Environment::default().with(ENV_CONFIG_PARAMETER, "/studiogate/config");
        let config = load(Function::Offboard, &env, &store()).await.unwrap();
        assert!(!config.targets.is_empty());
        assert!(config.login.is_none(), "only the ACS reads [login]");
        assert!(config.presign.seal_key.is_none());
        let full = load(Function::Offboard, &deployed(Function::Offboard), &store())
            .await
            .unwrap();
        assert_eq!(full.targets, config.targets);
    }

    #[tokio::test]
    async fn the_acs_gets_the_stacks_idp_metadata_table_and_presign_function() {
        let config = load(
            Function::SamlValidator,
            &deployed(Function::SamlValidator),
            &store(),
        )
        .await
        .expect("loads");
        assert_eq!(
            config.saml_validator().unwrap().settings().idp_entity_id,
            testkit::IDP_ENTITY_ID
        );
        assert_eq!(config.sp.acs_urls, [STACK_ACS_URL]);
        assert_eq!(
            config.recipients(),
            [STACK_ACS_URL],
            "the Recipient is the ACS URL unless the configuration says otherwise"
        );
        let login = config.login().unwrap();
        assert_eq!(login.replay_table.as_deref(), Some("stack-replay"));
        assert_eq!(login.presign_function, "stack-presign");
        assert_eq!(
            config.presign.seal_key().unwrap(),
            "arn:aws:kms:us-east-1:123456789012:key/seal"
        );
        assert!(
            config.sp.decryption_key_pem.is_none(),
            "a blank variable is unset"
        );
        assert!(
            config.presign.sagemaker_endpoint_url.is_none(),
            "not saml-validator's variable"
        );
    }

    #[tokio::test]
    async fn the_stacks_acs_url_comes_first_and_once() {
        let own = DEPLOYED.replace(
            "[login]",
            &format!("[sp]\nacs_urls = [\"https://sso.example.test/saml/acs\", \"{STACK_ACS_URL}\"]\n[login]"),
        );
        let mut store = store();
        store.0.insert("/studiogate/config", own);
        let config = load(
            Function::SamlValidator,
            &deployed(Function::SamlValidator),
            &store,
        )
        .await
        .expect("loads");
        assert_eq!(
            config.sp.acs_urls,
            [STACK_ACS_URL, "https://sso.example.test/saml/acs"]
        );
        let sign_in = BrokerConfig {
            idp: crate::config::IdpConfig {
                sso_url: Some("https://idp.example.test/sso".into()),
                ..config.idp.clone()
            },
            ..config
        };
        assert_eq!(
            sign_in.sp_initiated().unwrap().unwrap().acs_url,
            STACK_ACS_URL,
            "AuthnRequests name the stack's ACS URL"
        );
    }

    #[tokio::test]
    async fn presign_gets_the_endpoint_and_the_default_idle_shutdown() {
        let config = load(Function::Presign, &deployed(Function::Presign), &store())
            .await
            .expect("loads");
        assert_eq!(
            config.presign.seal_key().unwrap(),
            "arn:aws:kms:us-east-1:123456789012:key/seal"
        );
        assert_eq!(
            config.presign.sagemaker_endpoint_url.as_deref(),
            Some("https://vpce-1.api.sagemaker.us-east-1.vpce.amazonaws.com")
        );
        let TargetKind::Sagemaker(ml) = &config.targets["ml"].kind else {
            panic!()
        };
        assert_eq!(ml.default.idle_shutdown_minutes, Some(90));
        assert_eq!(
            config.presign.seal_ledger().unwrap(),
            crate::config::SealLedgerSetting::Table("stack-replay"),
            "presign spends seals in the stack's replay table"
        );
        let not_a_number =
            deployed(Function::Presign).with(ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES, "1h");
        assert_eq!(
            load(Function::Presign, &not_a_number, &store())
                .await
                .unwrap_err()
                .to_string(),
            format!("config field `{ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES}`: \"1h\" is not a number of minutes")
        );
    }

    #[tokio::test]
    async fn presign_starts_without_idp_metadata_and_ignores_the_acs_variables() {
        let env = deployed(Function::Presign)
            .with(ENV_IDP_METADATA_PARAMETER, "/no-such-parameter")
            .with(ENV_REPLAY_TABLE, "stack-replay");
        let config = load(Function::Presign, &env, &store())
            .await
            .expect("presign needs no IdP trust, and never reads saml-validator's variables");
        assert!(config.idp.metadata.is_none() && config.idp.certificates.is_empty());
        assert!(config.login.is_none());
        assert_eq!(
            load(Function::SamlValidator, &deployed(Function::Presign), &store())
                .await
                .unwrap_err()
                .to_string(),
            "config field `idp.entity_id`: set the IdP entity ID (the Issuer of its assertions), or idp.metadata_file",
            "saml-validator still requires the IdP"
        );
    }

    #[tokio::test]
    async fn a_missing_parameter_names_the_variable_and_the_parameter() {
        let env = deployed(Function::SamlValidator).with(ENV_IDP_METADATA_PARAMETER, "/nope");
        let error = load(Function::SamlValidator, &env, &store())
            .await
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("\"/nope\"") && text.contains(ENV_IDP_METADATA_PARAMETER),
            "{text}"
        );
    }

    #[tokio::test]
    async fn without_the_stacks_function_name_the_acs_refuses_to_start() {
        let env = Environment::default()
            .with(ENV_CONFIG_PARAMETER, "/studiogate/config")
            .with(ENV_IDP_METADATA_PARAMETER, "/studiogate/idp-metadata")
            .with(ENV_ACS_URL_PARAMETER, "/studiogate/acs-url");
        match load(Function::SamlValidator, &env, &store()).await {
            Err(ConfigError::Field { field, .. }) => assert_eq!(field, "login.presign_function"),
            other => panic!("{other:?}"),
        }
        let both = env.with(ENV_CONFIG_INLINE, DEPLOYED);
        assert_eq!(
            load(Function::SamlValidator, &both, &store())
                .await
                .unwrap_err(),
            ConfigError::Ambiguous
        );
    }
}
