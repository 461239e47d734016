//! presign: provisions the user's Studio identity and returns a one-time URL. [`build`] is its
//! composition root (the presigner on the SDK, once per cold start); the logic is
//! `studiogate::provision`. It reads no IdP metadata: it never validates an assertion, and acts only
//! on requests saml-validator sealed.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use std::collections::BTreeMap;
use studiogate::config::{BrokerConfig, SealLedgerSetting};
use studiogate::provision::{PresignPorts, Presigner};
use studiogate::targets::sagemaker::SagemakerTarget;
use studiogate::targets::{KindPorts, TargetKind};
use studiogate_aws::dynamodb::DynamoReplayCache;
use studiogate_aws::emr::SdkEmr;
use studiogate_aws::federation::HttpFederation;
use studiogate_aws::kms::KmsMacKey;
use studiogate_aws::sagemaker::SdkSageMaker;
use studiogate_aws::sts::SdkSts;
use studiogate_kernel::clock::SystemClock;
use studiogate_kernel::seal::{InMemorySealLedger, SealLedger, SEAL_TIMEOUT};
use studiogate_kernel::AwsError;
use time::OffsetDateTime;

/// Where presign spends seals: the stack's replay table, or process memory in a local run.
pub enum SealLedgerBackend {
    /// DynamoDB (deployments).
    DynamoDb(DynamoReplayCache),
    /// Process memory (`presign.seal_ledger_in_memory`, local runs only).
    InMemory(InMemorySealLedger),
}

impl SealLedger for SealLedgerBackend {
    async fn spend(
        &self,
        key: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, AwsError> {
        match self {
            SealLedgerBackend::DynamoDb(table) => table.spend(key, keep_until, now).await,
            SealLedgerBackend::InMemory(memory) => memory.spend(key, keep_until, now).await,
        }
    }
}

/// presign's ports on the SDK.
pub struct SdkPresignPorts {
    seal_verifier: KmsMacKey,
    seal_ledger: SealLedgerBackend,
    identity: SdkSts,
    sagemaker: SdkSageMaker,
    /// Per spoke provisioning role: SageMaker with that role's credentials.
    spokes: BTreeMap<String, SdkSageMaker>,
    emr: SdkEmr,
    clock: SystemClock,
}

impl KindPorts for SdkPresignPorts {
    type SageMaker = SdkSageMaker;
    type Emr = SdkEmr;
    fn sagemaker(&self, target: &SagemakerTarget) -> &SdkSageMaker {
        // Every spoke role in the configuration has its client (built with the targets).
        target
            .spoke
            .as_ref()
            .and_then(|spoke| self.spokes.get(&spoke.provisioning_role_arn))
            .unwrap_or(&self.sagemaker)
    }
    fn emr(&self) -> &SdkEmr {
        &self.emr
    }
}

impl PresignPorts for SdkPresignPorts {
    type SealVerifier = KmsMacKey;
    type SealLedger = SealLedgerBackend;
    type Identity = SdkSts;
    type Clock = SystemClock;
    fn seal_verifier(&self) -> &KmsMacKey {
        &self.seal_verifier
    }
    fn seal_ledger(&self) -> &SealLedgerBackend {
        &self.seal_ledger
    }
    fn identity(&self) -> &SdkSts {
        &self.identity
    }
    fn clock(&self) -> &SystemClock {
        &self.clock
    }
}

/// The presigner on the SDK adapters.
pub type SdkPresigner = Presigner<SdkPresignPorts>;

/// SageMaker clients for the spokes' domains: each with its provisioning role's credentials,
/// assumed with presign's own and the spoke's external ID when first needed and refreshed before
/// they expire (the SDK's AssumeRoleProvider, through the same STS endpoint as everything else).
async fn spoke_clients(
    config: &BrokerConfig,
    aws: &aws_config::SdkConfig,
) -> BTreeMap<String, SdkSageMaker> {
    let mut spokes = BTreeMap::new();
    for target in config.targets.values() {
        let TargetKind::Sagemaker(SagemakerTarget {
            spoke: Some(spoke), ..
        }) = &target.kind
        else {
            continue;
        };
        if spokes.contains_key(&spoke.provisioning_role_arn) {
            continue;
        }
        let provider = AssumeRoleProvider::builder(spoke.provisioning_role_arn.clone())
            .external_id(spoke.external_id.clone())
            .session_name("studiogate-presign")
            .configure(aws)
            .build()
            .await;
        let spoke_config = aws
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        spokes.insert(
            spoke.provisioning_role_arn.clone(),
            SdkSageMaker::new(&spoke_config, config.presign.sagemaker_endpoint_url.clone()),
        );
    }
    spokes
}

/// The presigner for `config` (checked by the loader for presign), on clients built from `aws`.
pub async fn build(
    config: &BrokerConfig,
    aws: &aws_config::SdkConfig,
) -> Result<SdkPresigner, studiogate::config::ConfigError> {
    let seal_ledger = match config.presign.seal_ledger()? {
        SealLedgerSetting::Table(table) => {
            SealLedgerBackend::DynamoDb(DynamoReplayCache::new(aws, table, SEAL_TIMEOUT))
        }
        SealLedgerSetting::InMemory => {
            tracing::warn!(
                "seal ledger: in memory, for local runs only (each instance has its own)"
            );
            SealLedgerBackend::InMemory(InMemorySealLedger::default())
        }
    };
    let ports = SdkPresignPorts {
        seal_verifier: KmsMacKey::new(aws, config.presign.seal_key()?, SEAL_TIMEOUT),
        seal_ledger,
        identity: SdkSts::new(aws),
        sagemaker: SdkSageMaker::new(aws, config.presign.sagemaker_endpoint_url.clone()),
        spokes: spoke_clients(config, aws).await,
        emr: SdkEmr::new(
            aws,
            HttpFederation::new(config.presign.federation_url.clone()),
        ),
        clock: SystemClock,
    };
    Ok(Presigner {
        ports,
        settings: config.presign.clone(),
        targets: config.targets.clone(),
    })
}
