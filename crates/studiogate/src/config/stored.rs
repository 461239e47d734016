//! A configuration checked as the stack's functions will load it from their parameter, before
//! it is stored (`studiogate config put`), without AWS: the stack's parameters are stood in.

use super::deployment::{
    load, Environment, Function, ParameterStore, ENV_ACS_URL_PARAMETER, ENV_CONFIG_PARAMETER,
    ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES, ENV_IDP_METADATA_PARAMETER, ENV_PRESIGN_FUNCTION,
    ENV_PRESIGN_SEAL_KEY, ENV_REPLAY_TABLE, ENV_SAGEMAKER_ENDPOINT_URL, ENV_SP_KEY_PARAMETER,
};
use super::{BrokerConfig, ConfigError};
use std::future::Future;
use studiogate_kernel::AwsError;

/// Checks a configuration as the stack's functions will load it from their parameter, before it
/// is stored (`studiogate config put`): each function's view, with `idp_metadata` as the stack's
/// IdP metadata and stand-ins for what else the stack supplies (its ACS URL, table, function, seal
/// key, endpoint) and, when given, `sp_key` as the stack's SP key (read here, never stored): an
/// `sp.certificate` is checked against it. Returns saml-validator's view.
pub fn check_stored(
    text: &str,
    idp_metadata: &str,
    sp_key: Option<&str>,
) -> Result<BrokerConfig, ConfigError> {
    let store = StoredCheck {
        text,
        idp_metadata,
        sp_key,
    };
    let environment = |function: Function| {
        let env = Environment::default()
            .with(ENV_CONFIG_PARAMETER, StoredCheck::CONFIG)
            .with(
                ENV_PRESIGN_SEAL_KEY,
                "arn:aws:kms:us-east-1:000000000000:key/the-stacks-seal-key",
            );
        match function {
            Function::SamlValidator if sp_key.is_some() => env
                .with(ENV_IDP_METADATA_PARAMETER, StoredCheck::IDP_METADATA)
                .with(ENV_SP_KEY_PARAMETER, StoredCheck::SP_KEY)
                .with(ENV_ACS_URL_PARAMETER, StoredCheck::ACS_URL)
                .with(ENV_REPLAY_TABLE, "the-stacks-replay-table")
                .with(ENV_PRESIGN_FUNCTION, "the-stacks-presign-function"),
            Function::SamlValidator => env
                .with(ENV_IDP_METADATA_PARAMETER, StoredCheck::IDP_METADATA)
                .with(ENV_ACS_URL_PARAMETER, StoredCheck::ACS_URL)
                .with(ENV_REPLAY_TABLE, "the-stacks-replay-table")
                .with(ENV_PRESIGN_FUNCTION, "the-stacks-presign-function"),
            Function::Presign => env
                .with(
                    ENV_SAGEMAKER_ENDPOINT_URL,
                    "https://the-stacks-sagemaker-endpoint.invalid",
                )
                .with(ENV_DEFAULT_IDLE_SHUTDOWN_MINUTES, "60"),
            // Offboarding reads what presign reads of it (the targets): checked with presign.
            Function::Offboard => env,
        }
    };
    ready(load(
        Function::Presign,
        &environment(Function::Presign),
        &store,
    ))?;
    ready(load(
        Function::SamlValidator,
        &environment(Function::SamlValidator),
        &store,
    ))
    .map_err(|error| match error {
        // The certificate is checked against the key, which only the stack has.
        ConfigError::Field { field, .. } if field == "sp.certificate" && sp_key.is_none() => {
            ConfigError::field(
                field,
                "is checked against the SP key: pass it with --sp-key FILE (read here, never stored)",
            )
        }
        other => other,
    })
}

/// The parameters `check_stored` stands in for the stack's: answered at once, never pending.
struct StoredCheck<'a> {
    text: &'a str,
    idp_metadata: &'a str,
    sp_key: Option<&'a str>,
}

impl StoredCheck<'_> {
    const CONFIG: &'static str = "/the-stacks/config";
    const IDP_METADATA: &'static str = "/the-stacks/idp-metadata";
    const ACS_URL: &'static str = "/the-stacks/acs-url";
    const SP_KEY: &'static str = "/the-stacks/sp-key";
}

impl ParameterStore for StoredCheck<'_> {
    fn parameter(&self, name: &str) -> impl Future<Output = Result<String, AwsError>> + Send {
        let value = match name {
            Self::CONFIG => Some(self.text.to_owned()),
            Self::IDP_METADATA => Some(self.idp_metadata.to_owned()),
            Self::ACS_URL => Some("https://the-stacks-acs-url.invalid/saml/acs".to_owned()),
            Self::SP_KEY => self.sp_key.map(str::to_owned),
            _ => None,
        };
        std::future::ready(value.ok_or_else(|| {
            AwsError::new(
                "ssm:GetParameter",
                studiogate_kernel::ErrorKind::NotFound,
                "ParameterNotFound",
                name,
            )
        }))
    }
}

/// The output of a future that is ready when first polled (`StoredCheck` answers at once).
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => unreachable!("StoredCheck answers at once"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::deployment::tests::DEPLOYED;
    use studiogate_saml::testkit;

    #[test]
    fn a_configuration_is_checked_as_both_functions_will_load_it_before_it_is_stored() {
        let metadata = testkit::idp_metadata(&[&testkit::IDP]);
        let checked =
            check_stored(DEPLOYED, &metadata, None).expect("the operator's configuration");
        assert_eq!(
            checked.saml_validator().unwrap().settings().idp_entity_id,
            testkit::IDP_ENTITY_ID
        );
        let field_of = |text: &str| match check_stored(text, &metadata, None) {
            Err(ConfigError::Field { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field_of(&format!("[idp]\nmetadata_file = \"idp.xml\"\n{DEPLOYED}")),
            "idp.metadata_file",
            "no files in a stored configuration"
        );
        assert_eq!(
            field_of(&format!(
                "[sp]\ndecryption_key_pem = \"-----BEGIN PRIVATE KEY-----\"\n{DEPLOYED}"
            )),
            "sp.decryption_key_pem",
            "the SP key comes from the stack, for STS too"
        );
        assert_eq!(
            field_of(&DEPLOYED.replace("role/Exec", "user/Exec")),
            "targets.ml.default.execution_role",
            "presign's part is checked as well"
        );
        assert!(
            field_of(&DEPLOYED.replace("role/StudioUser", "user/StudioUser"))
                .starts_with("login.allowed_roles"),
            "and saml-validator's"
        );
        assert_eq!(
            field_of(&format!("[sp]\ncertificate_file = \"sp.pem\"\n{DEPLOYED}")),
            "sp.certificate_file",
            "the certificate goes in whole"
        );
    }

    #[test]
    fn an_sp_certificate_is_checked_against_the_key_the_stack_will_supply() {
        let metadata = testkit::idp_metadata(&[&testkit::IDP]);
        let with = |cert: &str| format!("[sp]\ncertificate = \"\"\"{cert}\"\"\"\n{DEPLOYED}");
        let signed = with(testkit::SP_ENCRYPTION.cert_pem);
        let checked =
            check_stored(&signed, &metadata, Some(testkit::SP_ENCRYPTION.key_pem)).unwrap();
        assert!(checked.sp_certificate().unwrap().is_some());
        match check_stored(&signed, &metadata, None) {
            Err(ConfigError::Field { field, message }) => {
                assert_eq!(field, "sp.certificate");
                assert!(message.contains("--sp-key"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check_stored(&with(testkit::IDP.cert_pem), &metadata, Some(testkit::SP_ENCRYPTION.key_pem)),
            Err(ConfigError::Field { field, .. }) if field == "sp.certificate"
        ));
    }
}
