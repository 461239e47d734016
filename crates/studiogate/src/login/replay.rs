//! The replay cache: an assertion is consumed once. Keyed by a hash of issuer and assertion ID, kept
//! until its NotOnOrAfter plus skew. The same table holds the AuthnRequests of SP-initiated sign-in
//! until they are answered (keys `authn#…`): each Response may answer one, once, in its lifetime. The DynamoDB implementation (`studiogate_aws::dynamodb`) writes
//! conditionally (`attribute_not_exists(pk) OR expires_at < :now`, since TTL deletion is lazy);
//! if the cache cannot be reached the login is refused (fail closed). The in-memory cache is for
//! local runs only and says so when built.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
pub use studiogate_saml::authn_request::RequestId;
use time::OffsetDateTime;

/// Keys of outstanding AuthnRequests begin with this (then the SHA-256 of the request ID).
pub const REQUEST_KEY_PREFIX: &str = "authn#";

/// An AuthnRequest the broker sent and has not seen answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutstandingRequest {
    /// The target the user asked for (the RelayState sent with the request); the answer must
    /// come back with the same.
    pub target: Option<String>,
    /// SHA-256 (hex) of the nonce in the cookie of the browser that asked: the answer must come
    /// back from that browser.
    pub browser: String,
}

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

    /// Records a new AuthnRequest as outstanding until `until`.
    fn remember_request(
        &self,
        id: &RequestId,
        request: &OutstandingRequest,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), ReplayUnavailable>> + Send;

    /// Takes an outstanding request, atomically: `Some` once within its lifetime, `None` when it
    /// is unknown, expired or already answered.
    fn take_request(
        &self,
        id: &RequestId,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<OutstandingRequest>, ReplayUnavailable>> + Send;
}

/// The key of an outstanding request: [`REQUEST_KEY_PREFIX`] and the SHA-256 (hex) of its ID.
pub fn request_key(id: &RequestId) -> String {
    format!(
        "{REQUEST_KEY_PREFIX}{}",
        studiogate_kernel::digest::sha256_hex(id.as_str().as_bytes())
    )
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
    requests: Mutex<HashMap<String, (OutstandingRequest, OffsetDateTime)>>,
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

    async fn remember_request(
        &self,
        id: &RequestId,
        request: &OutstandingRequest,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), ReplayUnavailable> {
        let mut requests = self
            .requests
            .lock()
            .map_err(|_| ReplayUnavailable("lock poisoned".into()))?;
        requests.retain(|_, (_, until)| *until >= now);
        requests.insert(request_key(id), (request.clone(), until));
        Ok(())
    }

    async fn take_request(
        &self,
        id: &RequestId,
        now: OffsetDateTime,
    ) -> Result<Option<OutstandingRequest>, ReplayUnavailable> {
        let mut requests = self
            .requests
            .lock()
            .map_err(|_| ReplayUnavailable("lock poisoned".into()))?;
        Ok(requests
            .remove(&request_key(id))
            .filter(|(_, until)| *until >= now)
            .map(|(request, _)| request))
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
    async fn a_request_is_answered_once_within_its_lifetime() {
        let cache = InMemoryReplayCache::default();
        let id = RequestId::parse("_0123456789abcdef0123456789abcdef").unwrap();
        let other = RequestId::parse("_ffffffffffffffffffffffffffffffff").unwrap();
        let request = OutstandingRequest {
            target: Some("sagemaker-ml".into()),
            browser: "ab".repeat(32),
        };
        assert_eq!(cache.take_request(&id, at(0)).await, Ok(None));
        cache
            .remember_request(&id, &request, at(600), at(0))
            .await
            .unwrap();
        cache
            .remember_request(&other, &request, at(600), at(0))
            .await
            .unwrap();
        assert_eq!(cache.take_request(&id, at(599)).await, Ok(Some(request)));
        assert_eq!(cache.take_request(&id, at(599)).await, Ok(None));
        assert_eq!(cache.take_request(&other, at(601)).await, Ok(None));
        assert!(request_key(&id).starts_with("authn#"));
        assert!(!request_key(&id).contains("0123456789abcdef"));
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
