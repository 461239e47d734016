//! Building the broker on the real SDK clients, once, at cold start.

use super::LoginFlow;
use crate::aws::dynamodb::DynamoReplayCache;
use crate::aws::kms::KmsMacKey;
use crate::aws::lambda::SdkPresignInvoker;
use crate::aws::sts::SdkSamlFederation;
use crate::clock::SystemClock;
use crate::config::{BrokerConfig, ConfigError};
use crate::replay::{Consumed, InMemoryReplayCache, ReplayCache, ReplayUnavailable};
use crate::web::Broker;
use std::time::Duration;
use time::OffsetDateTime;

/// The replay cache the configuration names.
#[derive(Debug)]
pub enum ReplayBackend {
    /// DynamoDB (deployments).
    DynamoDb(DynamoReplayCache),
    /// In memory (`login.replay_in_memory`, local runs only).
    InMemory(InMemoryReplayCache),
}

impl ReplayCache for ReplayBackend {
    async fn consume(
        &self,
        issuer: &str,
        assertion_id: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Consumed, ReplayUnavailable> {
        match self {
            ReplayBackend::DynamoDb(cache) => {
                cache.consume(issuer, assertion_id, keep_until, now).await
            }
            ReplayBackend::InMemory(cache) => {
                cache.consume(issuer, assertion_id, keep_until, now).await
            }
        }
    }
}

/// Seconds beyond `presign.budget_seconds` that saml-validator waits for presign's answer.
pub const PRESIGN_MARGIN_SECONDS: u64 = 5;

/// The broker on the SDK adapters and the wall clock.
pub type SdkBroker = Broker<ReplayBackend, SdkSamlFederation, SdkPresignInvoker, SystemClock>;

/// The broker for `config`, on clients built from `aws`. Fails, naming the field, when the
/// configuration cannot run the ACS endpoint.
pub fn sdk_broker(
    config: &BrokerConfig,
    aws: &aws_config::SdkConfig,
) -> Result<SdkBroker, ConfigError> {
    let login = config.login()?.clone();
    let validator = config.saml_validator()?;
    let budget = Duration::from_secs(login.budget_seconds);
    let replay = match &login.replay_table {
        Some(table) => ReplayBackend::DynamoDb(DynamoReplayCache::new(aws, table.clone(), budget)),
        None => ReplayBackend::InMemory(InMemoryReplayCache::new_for_local_runs()),
    };
    // presign answers within its own budget; the margin covers sealing, the invoke itself and a
    // cold start.
    let presign_timeout =
        Duration::from_secs(config.presign.budget_seconds + PRESIGN_MARGIN_SECONDS);
    let sealer = KmsMacKey::new(
        aws,
        config.presign.seal_key()?,
        crate::provision::seal::SEAL_TIMEOUT,
    );
    let flow = LoginFlow {
        validator,
        presign: SdkPresignInvoker::new(
            aws,
            login.presign_function.clone(),
            presign_timeout,
            sealer,
        ),
        sts: SdkSamlFederation::new(aws, budget),
        login,
        targets: config.targets.clone(),
        replay,
        clock: SystemClock,
    };
    Ok(Broker::new(flow, config))
}
