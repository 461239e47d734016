//! The replay cache: an assertion is consumed once. Keyed by a hash of issuer and assertion ID, kept
//! until its NotOnOrAfter plus skew. The DynamoDB implementation (`studiogate_aws::dynamodb`) writes
//! conditionally (`attribute_not_exists(pk) OR expires_at < :now`, since TTL deletion is lazy);
//! if the cache cannot be reached the login is refused (fail closed). The in-memory cache is for
//! local runs only and says so when built.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use time::OffsetDateTime;

/// What consuming an assertion found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumed {
    /// First use: go on.
    First,
    /// Seen before and not yet expired: refuse.
    Replayed,
}

/// The cache could not answer; the caller must refuse the login.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("replay cache unavailable: {0}")]
pub struct ReplayUnavailable(pub String);

/// Records assertions as used.
pub trait ReplayCache: Send + Sync {
    /// Marks `(issuer, assertion_id)` as used until `keep_until`, atomically.
    fn consume(
        &self,
        issuer: &str,
        assertion_id: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Consumed, ReplayUnavailable>> + Send;
}

/// The cache key: SHA-256 (hex) of the issuer and the assertion ID, so neither is stored in clear.
pub fn replay_key(issuer: &str, assertion_id: &str) -> String {
    studiogate_kernel::digest::sha256_hex(format!("{}\n{}", issuer, assertion_id).as_bytes())
}

/// A process-local cache for `cargo lambda watch` and tests. Not for deployment: each Lambda
/// instance would have its own.
#[derive(Debug, Default)]
pub struct InMemoryReplayCache {
    seen: Mutex<HashMap<String, OffsetDateTime>>,
}

impl InMemoryReplayCache {
    /// A new cache; logs that it is for local runs only.
    pub fn new_for_local_runs() -> Self {
        tracing::warn!("replay cache: in memory, for local runs only (each instance has its own)");
        Self::default()
    }
}

impl ReplayCache for InMemoryReplayCache {
    async fn consume(
        &self,
        issuer: &str,
        assertion_id: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Consumed, ReplayUnavailable> {
        let key = replay_key(issuer, assertion_id);
        let mut seen = self
            .seen
            .lock()
            .map_err(|_| ReplayUnavailable("lock poisoned".into()))?;
        seen.retain(|_, until| *until >= now);
        match seen.get(&key) {
            Some(_) => Ok(Consumed::Replayed),
            None => {
                seen.insert(key, keep_until);
                Ok(Consumed::First)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).unwrap()
    }

    #[test]
    fn keys_are_stable_hex_hashes_that_separate_issuer_and_id() {
        let key = replay_key("https://idp", "_a1");
        assert_eq!(key.len(), 64);
        assert_eq!(key, replay_key("https://idp", "_a1"));
        assert_ne!(replay_key("https://idp_", "a1"), key);
        assert!(!key.contains("idp"));
    }

    #[tokio::test]
    async fn an_assertion_is_consumed_once_until_it_expires() {
        let cache = InMemoryReplayCache::default();
        let until = at(300);
        assert_eq!(
            cache.consume("idp", "_a", until, at(0)).await,
            Ok(Consumed::First)
        );
        assert_eq!(
            cache.consume("idp", "_a", until, at(10)).await,
            Ok(Consumed::Replayed)
        );
        assert_eq!(
            cache.consume("idp", "_b", until, at(10)).await,
            Ok(Consumed::First)
        );
        assert_eq!(
            cache
                .consume("idp", "_a", at(900), at(300) + Duration::seconds(1))
                .await,
            Ok(Consumed::First)
        );
    }
}
