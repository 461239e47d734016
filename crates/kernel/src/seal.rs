//! Sealed presign requests: presign trusts the identity in a request (groups pick execution roles)
//! only if saml-validator sealed it.
//!
//! saml-validator MACs every request with a KMS HMAC key whose key policy lets only its own role
//! call `kms:GenerateMac`; presign checks the MAC with `kms:VerifyMac` before it reads a field.
//! So a principal that may invoke presign (`lambda:InvokeFunction` on `*`, say) cannot make it
//! provision a profile with groups of its choosing: the Lambda resource policy alone could not
//! promise that, because IAM policies in the same account can grant the invoke without it. What is
//! left is who may change the key policy or the functions (their code, configuration or roles):
//! see the README's "Known gaps".
//!
//! The MAC covers a version tag, the sealing time and the SHA-256 of the request's exact JSON
//! bytes (KMS never sees the credentials inside, and a MAC message stays far below KMS's 4 KB).
//! A seal is good once, within [`SEAL_LIFETIME_SECONDS`]: presign spends it in a [`SealLedger`]
//! (a conditional write to DynamoDB) before it reads the request, so a captured invocation cannot
//! be sent again, and if the ledger cannot answer the request is refused.

use crate::error::AwsError;
use crate::wire::PresignRequest;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::future::Future;
use time::OffsetDateTime;

/// What the MAC message starts with; a new format gets a new tag.
pub const SEAL_VERSION: &str = "studiogate-presign-request-v1";

/// How long a seal is accepted after it was made, and how far ahead of presign's clock it may be.
/// The ledger keeps a spent seal at least this long, so it is refused again for as long as its
/// time alone would accept it.
pub const SEAL_LIFETIME_SECONDS: i64 = 60;

/// What the ledger's keys start with (they share the replay table with assertions, whose keys are
/// bare hex digests), so presign's role can be limited to these keys (`dynamodb:LeadingKeys`).
pub const SEAL_KEY_PREFIX: &str = "seal#";

/// How long either function waits for KMS (a MAC call normally takes milliseconds). saml-validator
/// spends it inside the time it waits for presign; presign inside its own budget.
pub const SEAL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Makes MACs (saml-validator: KMS GenerateMac).
pub trait MacGenerator: Send + Sync {
    /// The MAC of `message`.
    fn generate_mac(
        &self,
        message: &[u8],
    ) -> impl Future<Output = Result<Vec<u8>, AwsError>> + Send;
}

/// Checks MACs (presign: KMS VerifyMac).
pub trait MacVerifier: Send + Sync {
    /// Whether `mac` is the MAC of `message` (`Ok(false)`: it is not; `Err`: KMS could not say).
    fn verify_mac(
        &self,
        message: &[u8],
        mac: &[u8],
    ) -> impl Future<Output = Result<bool, AwsError>> + Send;
}

/// Records seals as spent (presign: a conditional PutItem in the replay table).
pub trait SealLedger: Send + Sync {
    /// Spends the seal `key` until `keep_until`, atomically: `Ok(true)` the first time, `Ok(false)`
    /// if it was spent before and is still kept; `Err` if the ledger could not answer.
    fn spend(
        &self,
        key: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, AwsError>> + Send;
}

/// A ledger in process memory: for tests and single-process local runs only (each Lambda
/// instance would have its own, so a replay to another instance would pass).
#[derive(Debug, Default)]
pub struct InMemorySealLedger {
    spent: std::sync::Mutex<std::collections::HashMap<String, OffsetDateTime>>,
}

impl SealLedger for InMemorySealLedger {
    async fn spend(
        &self,
        key: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, AwsError> {
        let mut spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        spent.retain(|_, until| *until >= now);
        Ok(spent.insert(key.to_owned(), keep_until).is_none())
    }
}

/// The ledger key of a seal: the prefix and the SHA-256 of its MAC (a MAC names exactly one
/// sealed request and time).
pub fn ledger_key(mac: &[u8]) -> String {
    format!("{SEAL_KEY_PREFIX}{}", crate::digest::sha256_hex(mac))
}

/// The presign function's input: a [`PresignRequest`] and its seal.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedRequest {
    /// The request as JSON: exactly the bytes the MAC covers.
    pub request: String,
    /// When saml-validator sealed it, Unix seconds.
    pub sealed_at: i64,
    /// The MAC, base64.
    pub mac: String,
}

impl std::fmt::Debug for SealedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The request holds the user's credentials.
        f.debug_struct("SealedRequest")
            .field("request", &format_args!("<{} bytes>", self.request.len()))
            .field("sealed_at", &self.sealed_at)
            .finish_non_exhaustive()
    }
}

/// Why presign refused a request before reading it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The input is not a sealed request, or its request is not a [`PresignRequest`].
    #[error("the input is not a sealed presign request: {0}")]
    Malformed(String),
    /// The MAC does not match: not sealed by saml-validator's key, or changed since.
    #[error("the seal does not match the request")]
    Forged,
    /// Sealed too long ago (or too far in the future).
    #[error("the seal is {age_seconds} s old; at most {SEAL_LIFETIME_SECONDS} s is accepted")]
    Stale {
        /// Presign's clock minus the sealing time.
        age_seconds: i64,
    },
    /// KMS could not check the MAC.
    #[error("the seal could not be checked: {0}")]
    Unverifiable(AwsError),
    /// The seal was spent already: the same invocation, sent again.
    #[error("the seal was used before; a sealed request is accepted once")]
    Replayed,
    /// The ledger could not record the seal as spent, so it is not accepted (fail closed).
    #[error("the seal could not be recorded as spent: {0}")]
    LedgerUnavailable(AwsError),
}

impl SealError {
    /// Stable reason code for the log.
    pub fn reason_code(&self) -> &'static str {
        match self {
            SealError::Malformed(_) => "unsealed-request",
            SealError::Forged => "seal-mismatch",
            SealError::Stale { .. } => "seal-expired",
            SealError::Unverifiable(_) => "seal-unverifiable",
            SealError::Replayed => "seal-replayed",
            SealError::LedgerUnavailable(_) => "seal-ledger-unavailable",
        }
    }
}

/// The bytes the MAC covers.
fn mac_message(sealed_at: i64, request_json: &str) -> Vec<u8> {
    let digest = crate::digest::sha256_hex(request_json.as_bytes());
    format!("{SEAL_VERSION}\n{sealed_at}\n{digest}").into_bytes()
}

/// A request waiting for its MAC: the envelope without it, and the bytes the MAC must cover.
/// [`seal`] MACs them through KMS; tools that reach KMS by other means (the emulator's tests, through
/// `studiogate presign-request seal-input`) use this, so the format is written once.
#[derive(Clone)]
pub struct SealInput {
    /// The request as JSON (what the envelope carries) and the sealing time.
    pub request: String,
    /// Unix seconds.
    pub sealed_at: i64,
    /// What the MAC covers.
    pub mac_message: Vec<u8>,
}

impl SealInput {
    /// `request`, to be sealed at `now`.
    pub fn new(request: &PresignRequest, now: OffsetDateTime) -> Self {
        // A PresignRequest is strings, maps and numbers: encoding it cannot fail.
        let request = serde_json::to_string(request).unwrap_or_default();
        let sealed_at = now.unix_timestamp();
        let mac_message = mac_message(sealed_at, &request);
        SealInput {
            request,
            sealed_at,
            mac_message,
        }
    }

    /// The sealed envelope, given the MAC of [`SealInput::mac_message`].
    pub fn with_mac(self, mac: &[u8]) -> SealedRequest {
        SealedRequest {
            request: self.request,
            sealed_at: self.sealed_at,
            mac: base64::engine::general_purpose::STANDARD.encode(mac),
        }
    }
}

/// Seals `request` at `now`.
pub async fn seal<G: MacGenerator>(
    generator: &G,
    request: &PresignRequest,
    now: OffsetDateTime,
) -> Result<SealedRequest, AwsError> {
    let input = SealInput::new(request, now);
    let mac = generator.generate_mac(&input.mac_message).await?;
    Ok(input.with_mac(&mac))
}

/// Checks the seal of an invocation's input at `now`, spends it in `ledger`, then reads the
/// request. Nothing in the request is looked at before the MAC matches and the seal is spent.
pub async fn open<V: MacVerifier, L: SealLedger>(
    verifier: &V,
    ledger: &L,
    event: serde_json::Value,
    now: OffsetDateTime,
) -> Result<PresignRequest, SealError> {
    let sealed: SealedRequest = serde_json::from_value(event)
        .map_err(|e| SealError::Malformed(format!("{:?} error", e.classify())))?;
    let age_seconds = now.unix_timestamp().saturating_sub(sealed.sealed_at);
    if !(-SEAL_LIFETIME_SECONDS..=SEAL_LIFETIME_SECONDS).contains(&age_seconds) {
        return Err(SealError::Stale { age_seconds });
    }
    let mac = base64::engine::general_purpose::STANDARD
        .decode(sealed.mac.as_bytes())
        .map_err(|_| SealError::Forged)?;
    let matches = verifier
        .verify_mac(&mac_message(sealed.sealed_at, &sealed.request), &mac)
        .await
        .map_err(SealError::Unverifiable)?;
    if !matches {
        return Err(SealError::Forged);
    }
    // Spent only once the MAC matched: an attacker cannot burn another request's seal.
    let keep_until = OffsetDateTime::from_unix_timestamp(
        sealed.sealed_at.saturating_add(SEAL_LIFETIME_SECONDS + 1),
    )
    .unwrap_or(now);
    let first = ledger
        .spend(&ledger_key(&mac), keep_until, now)
        .await
        .map_err(SealError::LedgerUnavailable)?;
    if !first {
        return Err(SealError::Replayed);
    }
    serde_json::from_str(&sealed.request)
        .map_err(|e| SealError::Malformed(format!("sealed request: {:?} error", e.classify())))
}

#[cfg(test)]
#[path = "seal_tests.rs"]
mod tests;
