//! `[targets.KEY]`: where a login can lead. RelayState is only ever a key into these.
//!
//! A target holds what every kind shares (its display name, the roles that may use it) and its
//! [`TargetKind`]. Each kind is one module that owns its configuration and its check, its AWS port,
//! its provisioning flow and the names of what it opens on the wire ([`sagemaker`], [`emr`]). A new
//! kind is a new module plus its registration here: a variant of [`TargetKind`], a line in
//! [`TargetKind::from_table`], [`TargetKind::check`], [`TargetKind::requested_attributes`] and
//! [`open`], and an associated type of
//! [`KindPorts`] (README, "Where to change what").

pub mod emr;
pub mod sagemaker;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use std::time::Duration;
use studiogate_kernel::retry::Budget;
use studiogate_kernel::wire::{Action, FederatedCredentials, Identity, PresignError};

/// A configuration field that cannot work: its path and what to put there.
pub type FieldProblem = (String, String);

/// One configured target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// What the user sees on chooser pages.
    pub display_name: String,
    /// IAM roles (role ARNs) allowed to use this target; empty: any role the broker allows.
    pub allowed_roles: Vec<String>,
    /// What it is.
    pub kind: TargetKind,
}

/// The kinds of target, each with its own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetKind {
    /// A SageMaker Studio domain (`kind = "sagemaker"`).
    Sagemaker(sagemaker::SagemakerTarget),
    /// An EMR Studio (`kind = "emr"`).
    Emr(emr::EmrTarget),
}

impl TargetKind {
    /// The kind named `kind`, from the rest of its table. Unknown fields are refused.
    fn from_table(kind: &str, table: toml::Table) -> Result<Self, String> {
        let value = toml::Value::Table(table);
        match kind {
            "sagemaker" => value
                .try_into()
                .map(TargetKind::Sagemaker)
                .map_err(|e| e.to_string()),
            "emr" => value
                .try_into()
                .map(TargetKind::Emr)
                .map_err(|e| e.to_string()),
            other => Err(format!(
                "unknown target kind {other:?}; expected \"sagemaker\" or \"emr\""
            )),
        }
    }

    /// The SAML attributes this kind reads beyond the broker's own (the SP metadata requests them).
    pub fn requested_attributes(&self) -> Vec<String> {
        match self {
            TargetKind::Sagemaker(t) => t.requested_attributes(),
            TargetKind::Emr(_) => Vec::new(),
        }
    }

    /// Checks the kind's own settings; `path` is `targets.KEY`.
    fn check(&self, path: &str) -> Result<(), FieldProblem> {
        match self {
            TargetKind::Sagemaker(t) => t.check(path),
            TargetKind::Emr(t) => t.check(path),
        }
    }
}

impl<'de> Deserialize<'de> for Target {
    /// `kind`, the shared fields, then the kind's own fields (unknown ones refused), from one table.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut table = toml::Table::deserialize(deserializer)?;
        let kind = match table.remove("kind") {
            Some(toml::Value::String(kind)) => kind,
            Some(_) => return Err(D::Error::custom("`kind` must be a string")),
            None => return Err(D::Error::missing_field("kind")),
        };
        let display_name = match table.remove("display_name") {
            Some(value) => String::deserialize(value).map_err(D::Error::custom)?,
            None => return Err(D::Error::missing_field("display_name")),
        };
        let allowed_roles = match table.remove("allowed_roles") {
            Some(value) => Vec::<String>::deserialize(value).map_err(D::Error::custom)?,
            None => Vec::new(),
        };
        let kind = TargetKind::from_table(&kind, table).map_err(D::Error::custom)?;
        Ok(Target {
            display_name,
            allowed_roles,
            kind,
        })
    }
}

/// Checks every target, naming the first bad field.
pub fn check(targets: &std::collections::BTreeMap<String, Target>) -> Result<(), FieldProblem> {
    for (key, target) in targets {
        let path = format!("targets.{key}");
        if key.is_empty()
            || key.len() > 64
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err((
                path,
                "target keys are 1-64 letters, digits, '-' or '_' (they travel as RelayState)"
                    .into(),
            ));
        }
        target.kind.check(&path)?;
    }
    Ok(())
}

/// The AWS access of every target kind, one associated type per kind: a new kind adds one here.
pub trait KindPorts: Send + Sync {
    /// SageMaker (profiles with the function's role, presigning with the user's credentials).
    type SageMaker: sagemaker::SageMakerApi;
    /// EMR Studio (session mappings) and the console federation endpoint.
    type Emr: emr::EmrStudioAccess;
    /// The SageMaker port for `target`'s domain: presign's own, or a spoke's provisioning role's.
    fn sagemaker(&self, target: &sagemaker::SagemakerTarget) -> &Self::SageMaker;
    /// The EMR Studio port.
    fn emr(&self) -> &Self::Emr;
}

/// What a kind's flow is given for one request.
#[derive(Debug, Clone, Copy)]
pub struct FlowContext<'a> {
    /// The request's time budget: every AWS call and wait spends from it.
    pub budget: &'a Budget,
    /// Who is signing in (verified by saml-validator, sealed).
    pub identity: &'a Identity,
    /// Their federated credentials.
    pub credentials: &'a FederatedCredentials,
    /// How long the credentials still live.
    pub credentials_left: Duration,
    /// `presign.update_existing_profiles`.
    pub update_existing: bool,
    /// `presign.profile_ready_seconds`, as a duration.
    pub profile_ready: Duration,
    /// The `Issuer` of console sign-ins (`presign.broker_url`).
    pub console_issuer: &'a str,
    /// Today (UTC), for the profile's last-login tag.
    pub today: time::Date,
}

/// Opens `target` for the identity in `context`: the URL to send the browser to, and what was done.
pub async fn open<P: KindPorts>(
    ports: &P,
    target: &Target,
    context: &FlowContext<'_>,
) -> Result<(String, Action), PresignError> {
    match &target.kind {
        TargetKind::Sagemaker(t) => sagemaker::flow::open(ports.sagemaker(t), t, context).await,
        TargetKind::Emr(t) => emr::flow::open(ports.emr(), t, context).await,
    }
}
