//! The broker's one configuration format (TOML), loaded once at cold start by [`deployment::load`]:
//! from an SSM parameter (`STUDIOGATE_CONFIG_PARAMETER`, deployments) or, for local runs,
//! `STUDIOGATE_CONFIG_FILE` (a path) or `STUDIOGATE_CONFIG` (the TOML text). Every field is checked
//! at load, and an error names the field and says what to put there.
//!
//! ```toml
//! [idp]
//! metadata_file = "idp-metadata.xml"   # entity ID and signing certificates, or:
//! # entity_id = "http://www.okta.com/exk123"
//! # certificate_files = ["okta-2025.pem", "okta-2026.pem"]   # several, for rollover
//!
//! [sp]
//! acs_urls = ["https://sso.example.com/saml/acs"]
//! # audiences = ["urn:amazon:webservices"]                      # default
//! # recipients = [...]                                        # default: the acs_urls
//! # decryption_key_file = "sp-key.pem"                          # for encrypted assertions
//!
//! [saml]
//! # clock_skew_seconds = 180, max_assertion_age_seconds = 300, allow_sha1 = false, ...
//! ```

mod checks;
pub mod deployment;
mod login;
mod presign;
mod sign_in;
pub mod stored;

pub use login::{LoginConfig, ACS_DEADLINE_SECONDS, PRESIGN_MARGIN_SECONDS};
pub use presign::{PresignConfig, SealLedgerSetting};
pub use sign_in::SpInitiated;

use crate::targets::{self, Target};
use checks::{check_policy, require_non_empty};
use deployment::Function;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use studiogate_saml::aws::{is_aws_signin_recipient, AWS_AUDIENCE};
use studiogate_saml::keys::{self, pem_certificates, pinned_key_from_der};
use studiogate_saml::metadata::parse_idp_metadata;
use studiogate_saml::{SamlPolicy, SamlValidator, Settings};

/// Environment variable holding a path to the TOML configuration.
pub const ENV_CONFIG_FILE: &str = "STUDIOGATE_CONFIG_FILE";
/// Environment variable holding the TOML configuration itself.
pub const ENV_CONFIG_INLINE: &str = "STUDIOGATE_CONFIG";

/// Why configuration could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Neither environment variable is set.
    #[error("no configuration: set {ENV_CONFIG_FILE} to a TOML file or {ENV_CONFIG_INLINE} to the TOML text")]
    NotProvided,
    /// Both environment variables are set.
    #[error("both {ENV_CONFIG_FILE} and {ENV_CONFIG_INLINE} are set; set only one")]
    Ambiguous,
    /// A file or parameter could not be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// The file, or "SSM parameter NAME (from VARIABLE)".
        path: String,
        /// Why.
        message: String,
    },
    /// Not TOML, or a field of the wrong type or an unknown field.
    #[error("configuration is not valid: {0}")]
    Syntax(String),
    /// A field has a value that cannot work.
    #[error("config field `{field}`: {message}")]
    Field {
        /// Its path (`targets.ml.domain_id`).
        field: String,
        /// What is wrong and what to put there.
        message: String,
    },
}

impl ConfigError {
    /// A problem with one field (or deployment variable), named.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Field {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A secret string whose `Debug` never shows it.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl Secret {
    /// The secret value. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `[idp]`: who signs the assertions.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct IdpConfig {
    /// The IdP entity ID (the Issuer). Taken from the metadata when not set.
    pub entity_id: Option<String>,
    /// Pinned signing certificates, PEM text.
    pub certificates: Vec<String>,
    /// Pinned signing certificates, PEM files (relative to the config file).
    pub certificate_files: Vec<PathBuf>,
    /// IdP metadata XML text.
    pub metadata: Option<String>,
    /// IdP metadata XML file (relative to the config file).
    pub metadata_file: Option<PathBuf>,
    /// The IdP's SingleSignOnService URL for the HTTP-Redirect binding: where SP-initiated sign-in
    /// (`GET /login`) sends its AuthnRequest. Taken from the metadata when not set; without either,
    /// SP-initiated sign-in is off.
    pub sso_url: Option<String>,
    /// Accept IdP-initiated sign-in (a Response that answers no AuthnRequest, as a tile click
    /// sends). Default true; false needs SP-initiated sign-in.
    pub idp_initiated: Option<bool>,
}

/// `[sp]`: what the broker is.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SpConfig {
    /// The broker's SAML entity ID (published in its metadata).
    pub entity_id: Option<String>,
    /// Accepted audiences.
    pub audiences: Vec<String>,
    /// The broker's ACS URLs: the accepted Response Destinations.
    pub acs_urls: Vec<String>,
    /// Accepted bearer Recipients (`SubjectConfirmationData/@Recipient`, which STS reads as
    /// `SAML:aud`). Empty, the default: the ACS URLs, so an assertion is good at this broker only.
    /// An AWS sign-in endpoint here makes every assertion the broker accepts also good for a
    /// console sign-in ([`BrokerConfig::warnings`] says so).
    pub recipients: Vec<String>,
    /// SP private key (PEM file) for encrypted assertions.
    pub decryption_key_file: Option<PathBuf>,
    /// SP private key (PEM text) for encrypted assertions.
    pub decryption_key_pem: Option<Secret>,
    /// The certificate of the SP key (PEM text): the metadata publishes it, and with it
    /// AuthnRequests are signed with the SP key.
    pub certificate: Option<String>,
    /// The same, as a PEM file (relative to the config file).
    pub certificate_file: Option<PathBuf>,
}

impl Default for SpConfig {
    fn default() -> Self {
        Self {
            entity_id: None,
            audiences: vec![AWS_AUDIENCE.to_owned()],
            acs_urls: Vec::new(),
            recipients: Vec::new(),
            decryption_key_file: None,
            decryption_key_pem: None,
            certificate: None,
            certificate_file: None,
        }
    }
}

/// The whole broker configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BrokerConfig {
    /// `[idp]` (a deployment may leave it out: the stack provides the IdP metadata).
    #[serde(default)]
    pub idp: IdpConfig,
    /// `[sp]`.
    #[serde(default)]
    pub sp: SpConfig,
    /// `[saml]`.
    #[serde(default)]
    pub saml: SamlPolicy,
    /// `[presign]`.
    #[serde(default)]
    pub presign: PresignConfig,
    /// `[targets.KEY]`: where logins can lead (RelayState is a key into these).
    #[serde(default)]
    pub targets: std::collections::BTreeMap<String, Target>,
    /// `[login]`: the ACS flow (saml-validator needs it; presign ignores it).
    #[serde(default)]
    pub login: Option<LoginConfig>,
}

fn read_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

impl BrokerConfig {
    /// Loads a file and validates; relative paths inside resolve against its directory.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = read_file(path)?;
        Self::from_toml(&text, path.parent())
    }

    /// Parses TOML, reads referenced files, and validates every field.
    pub fn from_toml(text: &str, base_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = Self::parse_unvalidated(text)?;
        config.resolve_files(base_dir)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every field (the SAML settings, `[presign]`, `[targets]`, `[login]` when present),
    /// naming the first bad one. `from_toml` calls it (and so `studiogate config check`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.saml_validator()?;
        self.sp_initiated()?;
        self.validate_shared()?;
        if let Some(login) = &self.login {
            login::check(login, &self.presign, &self.targets)
                .map_err(|(field, message)| ConfigError::field(field, message))?;
        }
        Ok(())
    }

    /// Checks what `function` uses and nothing else: saml-validator its SAML settings, `[login]`,
    /// `[presign]` and `[targets]`; presign `[presign]` and `[targets]` (no IdP, no `[login]`).
    /// The deployment loader calls it after its overlays.
    pub fn validate_for(&self, function: Function) -> Result<(), ConfigError> {
        match function {
            Function::SamlValidator => {
                self.saml_validator()?;
                self.sp_initiated()?;
                self.validate_shared()?;
                login::check(self.login()?, &self.presign, &self.targets)
                    .map_err(|(field, message)| ConfigError::field(field, message))?;
            }
            Function::Presign => self.validate_shared()?,
            // Offboarding reads the targets; it neither seals nor checks a request.
            Function::Offboard => return self.validate_shared(),
        }
        self.presign.seal_key().map(|_| ())
    }

    /// `[presign]` and `[targets]`, which both functions read.
    fn validate_shared(&self) -> Result<(), ConfigError> {
        presign::check(&self.presign)?;
        targets::check(&self.targets).map_err(|(field, message)| ConfigError::field(field, message))
    }

    /// `[login]`, which the ACS endpoint cannot run without.
    pub fn login(&self) -> Result<&LoginConfig, ConfigError> {
        self.login.as_ref().ok_or_else(|| {
            ConfigError::field(
                "login",
                "saml-validator needs a [login] section (presign_function, replay_table, allowed_roles)",
            )
        })
    }

    /// The broker's SAML entity ID, as its metadata publishes it: `sp.entity_id`, or else the
    /// first audience (what the IdP must put in the Audience for STS to accept the assertion).
    pub fn sp_entity_id(&self) -> &str {
        self.sp
            .entity_id
            .as_deref()
            .or(self.sp.audiences.first().map(String::as_str))
            .unwrap_or(AWS_AUDIENCE)
    }

    /// Parses TOML without validating (for tools that override fields first).
    pub fn parse_unvalidated(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))
    }

    /// Reads every `*_file` field into its text counterpart, relative to `base_dir`.
    pub fn resolve_files(&mut self, base_dir: Option<&Path>) -> Result<(), ConfigError> {
        let resolve = |p: &Path| match base_dir {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_path_buf(),
        };
        for path in std::mem::take(&mut self.idp.certificate_files) {
            self.idp.certificates.push(read_file(&resolve(&path))?);
        }
        if let Some(path) = self.idp.metadata_file.take() {
            if self.idp.metadata.is_some() {
                return Err(ConfigError::field(
                    "idp.metadata_file",
                    "set metadata or metadata_file, not both",
                ));
            }
            self.idp.metadata = Some(read_file(&resolve(&path))?);
        }
        if let Some(path) = self.sp.decryption_key_file.take() {
            if self.sp.decryption_key_pem.is_some() {
                return Err(ConfigError::field(
                    "sp.decryption_key_file",
                    "set decryption_key_pem or decryption_key_file, not both",
                ));
            }
            self.sp.decryption_key_pem = Some(Secret(read_file(&resolve(&path))?));
        }
        if let Some(path) = self.sp.certificate_file.take() {
            if self.sp.certificate.is_some() {
                return Err(ConfigError::field(
                    "sp.certificate_file",
                    "set certificate or certificate_file, not both",
                ));
            }
            self.sp.certificate = Some(read_file(&resolve(&path))?);
        }
        Ok(())
    }

    /// Builds the validator, checking every SAML-related field on the way.
    pub fn saml_validator(&self) -> Result<SamlValidator, ConfigError> {
        self.build_validator(true)
    }

    /// Like [`Self::saml_validator`] but tolerates an empty `sp.acs_urls`, so `studiogate inspect`
    /// can still show every other check (the destination check then fails and says why).
    pub fn saml_validator_for_inspection(&self) -> Result<SamlValidator, ConfigError> {
        self.build_validator(false)
    }

    /// The bearer Recipients the broker accepts: `sp.recipients`, or else the ACS URLs.
    pub fn recipients(&self) -> Vec<String> {
        if self.sp.recipients.is_empty() {
            self.sp.acs_urls.clone()
        } else {
            self.sp.recipients.clone()
        }
    }

    /// What a valid configuration gives up, for `config check` and the cold-start log.
    pub fn warnings(&self) -> Vec<String> {
        self.recipients()
            .iter()
            .filter(|r| is_aws_signin_recipient(r))
            .map(|r| {
                format!(
                    "sp.recipients accepts {r:?}, an AWS sign-in endpoint: every assertion the broker accepts is then \
                     also a console sign-in for anyone who gets hold of it before it is used, and the user role must \
                     trust that audience (AcceptAwsSignInRecipient=true). Prefer the ACS URL as Recipient (the default)."
                )
            })
            .collect()
    }

    fn build_validator(&self, require_acs_urls: bool) -> Result<SamlValidator, ConfigError> {
        let (entity_id, ders) = self.idp_trust()?;
        let policy = &self.saml;
        check_policy(policy)?;
        let mut pinned = Vec::with_capacity(ders.len());
        for (index, (field, der)) in ders.iter().enumerate() {
            let key = pinned_key_from_der(der, policy.min_rsa_key_bits)
                .map_err(|m| ConfigError::field(format!("{field}[{index}]"), m))?;
            pinned.push(key);
        }
        require_non_empty("sp.audiences", &self.sp.audiences)?;
        if require_acs_urls || !self.sp.acs_urls.is_empty() {
            require_non_empty("sp.acs_urls", &self.sp.acs_urls)?;
        }
        let recipients = self.recipients();
        if !self.sp.recipients.is_empty() {
            require_non_empty("sp.recipients", &self.sp.recipients)?;
        }
        if let Some(entity_id) = &self.sp.entity_id {
            // An IdP that imports the broker's metadata puts its entityID in the Audience.
            if !self.sp.audiences.contains(entity_id) {
                return Err(ConfigError::field(
                    "sp.entity_id",
                    format!("{entity_id:?} must be one of sp.audiences (an IdP importing the broker's metadata uses it as the Audience)"),
                ));
            }
        }
        for (index, url) in self.sp.acs_urls.iter().enumerate() {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(ConfigError::field(
                    format!("sp.acs_urls[{index}]"),
                    format!("{url:?} is not an http(s) URL"),
                ));
            }
        }
        let decryption_key = match &self.sp.decryption_key_pem {
            Some(pem) => Some(
                keys::decryption_key(pem.expose())
                    .map_err(|m| ConfigError::field("sp.decryption_key_pem", m))?,
            ),
            None => None,
        };
        let settings = Settings {
            idp_entity_id: entity_id,
            audiences: self.sp.audiences.clone(),
            acs_urls: self.sp.acs_urls.clone(),
            recipients,
            policy: SamlPolicy {
                // The login flow matches it against its outstanding AuthnRequests.
                allow_in_response_to: policy.allow_in_response_to || self.sso_url()?.is_some(),
                ..if policy.allow_sha1 {
                    policy.clone().with_sha1()
                } else {
                    policy.clone()
                }
            },
        };
        Ok(SamlValidator::new(settings, pinned, decryption_key))
    }

    /// The IdP entity ID and pinned certificates (DER), each with the field it came from.
    fn idp_trust(&self) -> Result<(String, Vec<SourcedCertificate>), ConfigError> {
        let mut ders = Vec::new();
        let mut entity_id = self.idp.entity_id.clone();
        if let Some(xml) = &self.idp.metadata {
            let metadata =
                parse_idp_metadata(xml).map_err(|m| ConfigError::field("idp.metadata", m))?;
            match &entity_id {
                Some(id) if *id != metadata.entity_id => {
                    return Err(ConfigError::field(
                        "idp.entity_id",
                        format!(
                            "{id:?} differs from the metadata's entityID {:?}",
                            metadata.entity_id
                        ),
                    ))
                }
                _ => entity_id = Some(metadata.entity_id),
            }
            ders.extend(
                metadata
                    .signing_certificates
                    .into_iter()
                    .map(|d| ("idp.metadata.certificates", d)),
            );
        }
        for pem in &self.idp.certificates {
            let found =
                pem_certificates(pem).map_err(|m| ConfigError::field("idp.certificates", m))?;
            ders.extend(found.into_iter().map(|d| ("idp.certificates", d)));
        }
        let entity_id = entity_id
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                ConfigError::field(
                    "idp.entity_id",
                    "set the IdP entity ID (the Issuer of its assertions), or idp.metadata_file",
                )
            })?;
        if ders.is_empty() {
            return Err(ConfigError::field(
                "idp.certificates",
                "pin at least one IdP signing certificate (certificate_files, certificates or metadata_file)",
            ));
        }
        Ok((entity_id, ders))
    }
}

/// A DER certificate and the config field it came from (for error messages).
type SourcedCertificate = (&'static str, Vec<u8>);

#[cfg(test)]
mod tests;
