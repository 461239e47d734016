//! The replay cache on DynamoDB: one conditional PutItem per login (saml-validator), and the seal
//! ledger in the same table (presign: one per sealed request, keys `seal#…`). SP-initiated
//! sign-in keeps its outstanding AuthnRequests there too (keys `authn#…`), with PutItem alone: one
//! to remember a request, one conditional overwrite that marks it answered and returns what it
//! held, so saml-validator's role needs no other action on the table.

use aws_sdk_dynamodb::types::AttributeValue;
use studiogate::login::replay::{
    replay_key, request_key, Consumed, OutstandingRequest, ReplayCache, ReplayUnavailable,
    RequestId,
};
use studiogate_kernel::retry::{with_retry_by_deadline, Budget};
use studiogate_kernel::seal::SealLedger;
use studiogate_kernel::{AwsError, ErrorKind};
use time::OffsetDateTime;

/// The replay table: partition key `pk` (string), TTL attribute `expires_at` (epoch seconds).
#[derive(Clone, Debug)]
pub struct DynamoReplayCache {
    client: aws_sdk_dynamodb::Client,
    table: String,
    budget: std::time::Duration,
}

impl DynamoReplayCache {
    /// `budget`: how long one write may take, retries of throttling included, before failing
    /// closed.
    pub fn new(
        config: &aws_config::SdkConfig,
        table: impl Into<String>,
        budget: std::time::Duration,
    ) -> Self {
        DynamoReplayCache {
            client: aws_sdk_dynamodb::Client::new(config),
            table: table.into(),
            budget,
        }
    }

    /// Writes `key`, kept until `keep_until`, unless a live item has it; `extra` are more
    /// attributes to store. `Replayed` when the key was live.
    async fn put(
        &self,
        key: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
        extra: &[(&str, &str)],
    ) -> Result<Consumed, AwsError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(key.to_owned()))
            .item("expires_at", epoch(keep_until))
            // TTL deletes lazily, so an expired item may still be there: it does not count.
            .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
            .expression_attribute_values(":now", epoch(now));
        for (name, value) in extra {
            put = put.item(*name, AttributeValue::S((*value).to_owned()));
        }
        match put.send().await {
            Ok(_) => Ok(Consumed::First),
            Err(e) => condition_failed(e).map(|()| Consumed::Replayed),
        }
    }

    /// Marks an outstanding request answered and returns what it held; `None` when there was no
    /// such request, it had expired (TTL deletes lazily) or it was answered before.
    async fn answer_request(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<OutstandingRequest>, AwsError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(key.to_owned()))
            // Kept an hour more, longer than any assertion that could still answer it.
            .item("expires_at", epoch(now + time::Duration::hours(1)))
            .item("answered_at", epoch(now))
            .condition_expression(
                "attribute_exists(pk) AND expires_at >= :now AND attribute_not_exists(answered_at)",
            )
            .expression_attribute_values(":now", epoch(now))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => {
                let text = |name: &str| {
                    output
                        .attributes()
                        .and_then(|item| item.get(name))
                        .and_then(|value| value.as_s().ok())
                        .cloned()
                };
                Ok(Some(OutstandingRequest {
                    target: text(TARGET),
                    // Absent (never written so): no browser can match it.
                    browser: text(BROWSER).unwrap_or_default(),
                }))
            }
            Err(e) => condition_failed(e).map(|()| None),
        }
    }

    /// [`Self::put`], retried within the budget; a failure is logged with `refusal` (every caller
    /// fails closed).
    async fn put_within_budget(
        &self,
        key: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
        extra: &[(&str, &str)],
        refusal: &'static str,
    ) -> Result<Consumed, AwsError> {
        self.within_budget(refusal, || self.put(key, keep_until, now, extra))
            .await
    }

    /// `call`, retried and cut off within the budget; a failure is logged with `refusal`.
    async fn within_budget<T, F, Fut>(&self, refusal: &'static str, call: F) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, AwsError>>,
    {
        let budget = Budget::new(self.budget);
        let (result, attempts) = with_retry_by_deadline(&budget, "dynamodb:PutItem", call).await;
        if let Err(error) = &result {
            tracing::error!(operation = error.operation, code = %error.code, kind = ?error.kind, attempts, "{refusal}");
        }
        result
    }
}

impl ReplayCache for DynamoReplayCache {
    async fn consume(
        &self,
        issuer: &str,
        assertion_id: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Consumed, ReplayUnavailable> {
        let key = replay_key(issuer, assertion_id);
        let result = self
            .put_within_budget(
                &key,
                keep_until,
                now,
                &[],
                "replay cache unavailable: refusing the login",
            )
            .await;
        result.map_err(as_unavailable)
    }

    async fn remember_request(
        &self,
        id: &RequestId,
        request: &OutstandingRequest,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), ReplayUnavailable> {
        let key = request_key(id);
        let mut attributes = vec![(BROWSER, request.browser.as_str())];
        if let Some(target) = &request.target {
            attributes.push((TARGET, target.as_str()));
        }
        let result = self
            .put_within_budget(
                &key,
                until,
                now,
                &attributes,
                "cannot remember the AuthnRequest",
            )
            .await;
        match result.map_err(as_unavailable)? {
            Consumed::First => Ok(()),
            // 128 random bits: a live request of the same ID means the random source is broken.
            Consumed::Replayed => Err(ReplayUnavailable("AuthnRequest ID collision".into())),
        }
    }

    async fn take_request(
        &self,
        id: &RequestId,
        now: OffsetDateTime,
    ) -> Result<Option<OutstandingRequest>, ReplayUnavailable> {
        let key = request_key(id);
        self.within_budget("cannot check the AuthnRequest", || {
            self.answer_request(&key, now)
        })
        .await
        .map_err(as_unavailable)
    }
}

/// The attribute of an outstanding request that holds its target.
const TARGET: &str = "target";
/// The attribute that holds the hash of the asking browser's nonce.
const BROWSER: &str = "browser";

fn epoch(at: OffsetDateTime) -> AttributeValue {
    AttributeValue::N(at.unix_timestamp().to_string())
}

/// A PutItem failure that is its condition not holding (`Ok`), or the call's failure.
fn condition_failed(
    e: aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::put_item::PutItemError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> Result<(), AwsError> {
    let modeled = e
        .as_service_error()
        .is_some_and(|se| se.is_conditional_check_failed_exception());
    let error = crate::sdk_error("dynamodb:PutItem", e);
    if modeled || error.code == "ConditionalCheckFailedException" {
        Ok(())
    } else {
        Err(error)
    }
}

/// A failure of the table as the flow reports it (it fails closed).
fn as_unavailable(error: AwsError) -> ReplayUnavailable {
    ReplayUnavailable(match error.kind {
        ErrorKind::Throttled | ErrorKind::ServerError | ErrorKind::Network => {
            "DynamoDB is not answering".into()
        }
        _ => format!("{}: {}", error.code, error.message),
    })
}

impl SealLedger for DynamoReplayCache {
    async fn spend(
        &self,
        key: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, AwsError> {
        let consumed = self
            .put_within_budget(
                key,
                keep_until,
                now,
                &[],
                "seal ledger unavailable: refusing the request",
            )
            .await?;
        Ok(consumed == Consumed::First)
    }
}
