use super::*;
use crate::error::ErrorKind;
use crate::wire::{FederatedCredentials, Identity};
use std::sync::Mutex;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-12-01 12:00:00 UTC);

/// A keyed SHA-256 standing in for KMS: what matters here is who holds which key.
struct KeyedMac {
    key: &'static str,
    messages: Mutex<Vec<Vec<u8>>>,
}

fn key(key: &'static str) -> KeyedMac {
    KeyedMac {
        key,
        messages: Mutex::new(Vec::new()),
    }
}

impl KeyedMac {
    fn mac(&self, message: &[u8]) -> Vec<u8> {
        crate::digest::sha256(&[self.key.as_bytes(), b"\n", message].concat())
    }
}

impl MacGenerator for KeyedMac {
    async fn generate_mac(&self, message: &[u8]) -> Result<Vec<u8>, AwsError> {
        self.messages.lock().unwrap().push(message.to_vec());
        Ok(self.mac(message))
    }
}

impl MacVerifier for KeyedMac {
    async fn verify_mac(&self, message: &[u8], mac: &[u8]) -> Result<bool, AwsError> {
        Ok(self.mac(message) == mac)
    }
}

struct KmsDown;

impl MacVerifier for KmsDown {
    async fn verify_mac(&self, _: &[u8], _: &[u8]) -> Result<bool, AwsError> {
        Err(AwsError::new(
            "kms:VerifyMac",
            ErrorKind::Throttled,
            "ThrottlingException",
            "slow down",
        ))
    }
}

fn request(groups: &[&str]) -> PresignRequest {
    PresignRequest {
        request_id: "req-1".into(),
        target: "sagemaker-ml".into(),
        identity: Identity::alice(groups),
        credentials: FederatedCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "secret-7c1".into(),
            session_token: "token-9d2".into(),
            expiration: "2026-12-01T13:00:00Z".into(),
        },
    }
}

fn as_event(sealed: &SealedRequest) -> serde_json::Value {
    serde_json::to_value(sealed).unwrap()
}

#[tokio::test]
async fn a_request_sealed_by_the_validator_opens_unchanged() {
    let validator_key = key("k1");
    let sealed = seal(&validator_key, &request(&["ml-engineers"]), NOW)
        .await
        .unwrap();
    assert_eq!(sealed.sealed_at, NOW.unix_timestamp());
    let opened = open(
        &validator_key,
        &InMemorySealLedger::default(),
        as_event(&sealed),
        NOW + time::Duration::seconds(3),
    )
    .await
    .unwrap();
    assert_eq!(opened, request(&["ml-engineers"]));
}

#[tokio::test]
async fn kms_sees_a_digest_never_the_credentials() {
    let validator_key = key("k1");
    seal(&validator_key, &request(&[]), NOW).await.unwrap();
    let messages = validator_key.messages.lock().unwrap();
    let message = String::from_utf8(messages[0].clone()).unwrap();
    assert!(
        message.starts_with("studiogate-presign-request-v1\n1796126400\n"),
        "{message}"
    );
    assert!(!message.contains("secret-7c1") && !message.contains("token-9d2"));
    assert_eq!(message.len(), SEAL_VERSION.len() + 1 + 10 + 1 + 64);
}

#[tokio::test]
async fn rejects_a_request_with_groups_changed_after_sealing() {
    let validator_key = key("k1");
    let mut sealed = seal(&validator_key, &request(&["ml-engineers"]), NOW)
        .await
        .unwrap();
    sealed.request = sealed.request.replace("ml-engineers", "ml-admins");
    assert_eq!(
        open(
            &validator_key,
            &InMemorySealLedger::default(),
            as_event(&sealed),
            NOW
        )
        .await,
        Err(SealError::Forged)
    );
}

#[tokio::test]
async fn rejects_a_request_sealed_with_another_key() {
    let sealed = seal(&key("someone-elses"), &request(&["ml-admins"]), NOW)
        .await
        .unwrap();
    let err = open(
        &key("k1"),
        &InMemorySealLedger::default(),
        as_event(&sealed),
        NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(err, SealError::Forged);
    assert_eq!(err.reason_code(), "seal-mismatch");
}

#[tokio::test]
async fn rejects_a_seal_moved_to_another_time() {
    let validator_key = key("k1");
    let mut sealed = seal(&validator_key, &request(&[]), NOW).await.unwrap();
    sealed.sealed_at += 1;
    assert_eq!(
        open(
            &validator_key,
            &InMemorySealLedger::default(),
            as_event(&sealed),
            NOW
        )
        .await,
        Err(SealError::Forged),
        "the time is under the MAC"
    );
}

#[tokio::test]
async fn rejects_a_seal_older_or_newer_than_its_lifetime() {
    let validator_key = key("k1");
    let sealed = seal(&validator_key, &request(&[]), NOW).await.unwrap();
    let at = |seconds| NOW + time::Duration::seconds(seconds);
    assert!(open(
        &validator_key,
        &InMemorySealLedger::default(),
        as_event(&sealed),
        at(60)
    )
    .await
    .is_ok());
    assert_eq!(
        open(
            &validator_key,
            &InMemorySealLedger::default(),
            as_event(&sealed),
            at(61)
        )
        .await,
        Err(SealError::Stale { age_seconds: 61 })
    );
    assert!(open(
        &validator_key,
        &InMemorySealLedger::default(),
        as_event(&sealed),
        at(-60)
    )
    .await
    .is_ok());
    let err = open(
        &validator_key,
        &InMemorySealLedger::default(),
        as_event(&sealed),
        at(-61),
    )
    .await
    .unwrap_err();
    assert_eq!(err.reason_code(), "seal-expired");
}

#[tokio::test]
async fn rejects_a_bare_unsealed_request_without_reading_it() {
    let event = serde_json::to_value(request(&["ml-admins"])).unwrap();
    let err = open(&key("k1"), &InMemorySealLedger::default(), event, NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, SealError::Malformed(_)), "{err:?}");
    assert_eq!(err.reason_code(), "unsealed-request");
    assert!(!err.to_string().contains("secret-7c1"), "{err}");
}

#[tokio::test]
async fn rejects_a_mac_that_is_not_base64() {
    let validator_key = key("k1");
    let mut sealed = seal(&validator_key, &request(&[]), NOW).await.unwrap();
    sealed.mac = "not base64!".into();
    assert_eq!(
        open(
            &validator_key,
            &InMemorySealLedger::default(),
            as_event(&sealed),
            NOW
        )
        .await,
        Err(SealError::Forged)
    );
}

#[tokio::test]
async fn a_seal_kms_cannot_check_is_refused_not_trusted() {
    let sealed = seal(&key("k1"), &request(&[]), NOW).await.unwrap();
    let err = open(
        &KmsDown,
        &InMemorySealLedger::default(),
        as_event(&sealed),
        NOW,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SealError::Unverifiable(_)));
    assert_eq!(err.reason_code(), "seal-unverifiable");
}

/// A ledger that cannot be reached.
struct LedgerDown;

impl SealLedger for LedgerDown {
    async fn spend(&self, _: &str, _: OffsetDateTime, _: OffsetDateTime) -> Result<bool, AwsError> {
        Err(AwsError::new(
            "dynamodb:PutItem",
            ErrorKind::Network,
            "dispatch failure",
            "connection reset",
        ))
    }
}

#[tokio::test]
async fn a_sealed_request_is_accepted_once() {
    let validator_key = key("k1");
    let ledger = InMemorySealLedger::default();
    let sealed = seal(&validator_key, &request(&[]), NOW).await.unwrap();
    assert!(open(&validator_key, &ledger, as_event(&sealed), NOW)
        .await
        .is_ok());
    let again = open(
        &validator_key,
        &ledger,
        as_event(&sealed),
        NOW + time::Duration::seconds(1),
    )
    .await
    .unwrap_err();
    assert_eq!(again, SealError::Replayed);
    assert_eq!(again.reason_code(), "seal-replayed");
}

#[tokio::test]
async fn the_ledger_keeps_a_spent_seal_as_long_as_its_time_would_accept_it() {
    let validator_key = key("k1");
    let ledger = InMemorySealLedger::default();
    let sealed = seal(&validator_key, &request(&[]), NOW).await.unwrap();
    let at = |seconds| NOW + time::Duration::seconds(seconds);
    assert!(open(&validator_key, &ledger, as_event(&sealed), at(-60))
        .await
        .is_ok());
    assert_eq!(
        open(&validator_key, &ledger, as_event(&sealed), at(60)).await,
        Err(SealError::Replayed),
        "still kept at the last second the seal's time accepts"
    );
}

#[tokio::test]
async fn a_forged_seal_spends_nothing() {
    let ledger = InMemorySealLedger::default();
    let genuine = seal(&key("k1"), &request(&[]), NOW).await.unwrap();
    let mut forged = genuine.clone();
    forged.request = forged.request.replace("sagemaker-ml", "sagemaker-admin");
    assert_eq!(
        open(&key("k1"), &ledger, as_event(&forged), NOW).await,
        Err(SealError::Forged)
    );
    assert!(open(&key("k1"), &ledger, as_event(&genuine), NOW)
        .await
        .is_ok());
}

#[tokio::test]
async fn a_seal_the_ledger_cannot_record_is_refused_not_trusted() {
    let sealed = seal(&key("k1"), &request(&[]), NOW).await.unwrap();
    let err = open(&key("k1"), &LedgerDown, as_event(&sealed), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, SealError::LedgerUnavailable(_)));
    assert_eq!(err.reason_code(), "seal-ledger-unavailable");
}

#[test]
fn ledger_keys_are_prefixed_digests_of_the_mac() {
    let key = ledger_key(b"mac");
    assert!(key.starts_with("seal#"));
    assert_eq!(key.len(), "seal#".len() + 64);
}

#[test]
fn debug_never_shows_the_sealed_credentials() {
    let sealed = SealedRequest {
        request: serde_json::to_string(&request(&[])).unwrap(),
        sealed_at: 1,
        mac: "bWFj".into(),
    };
    let shown = format!("{sealed:?}");
    assert!(
        !shown.contains("secret-7c1") && !shown.contains("token-9d2"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_seal_time_at_the_ends_of_the_integer_range_is_stale_not_a_panic() {
    let validator_key = key("k1");
    for sealed_at in [i64::MIN, i64::MAX] {
        let mut sealed = seal(&validator_key, &request(&[]), NOW).await.unwrap();
        sealed.sealed_at = sealed_at;
        let err = open(
            &validator_key,
            &InMemorySealLedger::default(),
            as_event(&sealed),
            NOW,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, SealError::Stale { .. }), "{err:?}");
    }
}
