//! saml-validator's composition root: the login flow on the SDK adapters and the wall clock, built
//! once at cold start from the loaded configuration.

use std::time::Duration;
use studiogate::config::{BrokerConfig, ConfigError};
use studiogate::login::replay::{
    Consumed, InMemoryReplayCache, OutstandingRequest, ReplayCache, ReplayUnavailable, RequestId,
};
use studiogate::login::{LoginFlow, LoginPorts};
use studiogate::web::Broker;
use studiogate_aws::dynamodb::DynamoReplayCache;
use studiogate_aws::kms::KmsMacKey;
use studiogate_aws::lambda::SdkPresignInvoker;
use studiogate_aws::sts::SdkSamlFederation;
use studiogate_kernel::clock::SystemClock;
use studiogate_kernel::seal::SEAL_TIMEOUT;
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

    async fn remember_request(
        &self,
        id: &RequestId,
        request: &OutstandingRequest,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), ReplayUnavailable> {
        match self {
            ReplayBackend::DynamoDb(cache) => cache.remember_request(id, request, until, now).await,
            ReplayBackend::InMemory(cache) => cache.remember_request(id, request, until, now).await,
        }
    }

    async fn take_request(
        &self,
        id: &RequestId,
        now: OffsetDateTime,
    ) -> Result<Option<OutstandingRequest>, ReplayUnavailable> {
        match self {
            ReplayBackend::DynamoDb(cache) => cache.take_request(id, now).await,
            ReplayBackend::InMemory(cache) => cache.take_request(id, now).await,
        }
    }
}

/// The login flow's ports on the SDK.
pub struct SdkLoginPorts {
    replay: ReplayBackend,
    sts: SdkSamlFederation,
    sealer: KmsMacKey,
    presign: SdkPresignInvoker,
    clock: SystemClock,
}

impl LoginPorts for SdkLoginPorts {
    type Replay = ReplayBackend;
    type Sts = SdkSamlFederation;
    type Sealer = KmsMacKey;
    type Presign = SdkPresignInvoker;
    type Clock = SystemClock;
    fn replay(&self) -> &ReplayBackend {
        &self.replay
    }
    fn sts(&self) -> &SdkSamlFederation {
        &self.sts
    }
    fn sealer(&self) -> &KmsMacKey {
        &self.sealer
    }
    fn presign(&self) -> &SdkPresignInvoker {
        &self.presign
    }
    fn clock(&self) -> &SystemClock {
        &self.clock
    }
}

/// The broker on the SDK adapters.
pub type SdkBroker = Broker<SdkLoginPorts>;

/// The broker for `config`, on clients built from `aws`. Fails, naming the field, when the
/// configuration cannot run the ACS endpoint.
pub fn build(config: &BrokerConfig, aws: &aws_config::SdkConfig) -> Result<SdkBroker, ConfigError> {
    let login = config.login()?;
    // One deadline for the replay write and STS (the flow's budget); each client is bounded by it.
    let budget = Duration::from_secs(login.budget_seconds);
    let replay = match &login.replay_table {
        Some(table) => ReplayBackend::DynamoDb(DynamoReplayCache::new(aws, table.clone(), budget)),
        None => ReplayBackend::InMemory(InMemoryReplayCache::new_for_local_runs()),
    };
    let ports = SdkLoginPorts {
        replay,
        sts: SdkSamlFederation::new(aws, budget),
        sealer: KmsMacKey::new(aws, config.presign.seal_key()?, SEAL_TIMEOUT),
        presign: SdkPresignInvoker::new(aws, login.presign_function.clone()),
        clock: SystemClock,
    };
    Ok(Broker::new(LoginFlow::new(config, ports)?, config))
}
