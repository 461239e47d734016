//! The replay cache on DynamoDB: one conditional PutItem per login (saml-validator), and the seal
//! ledger in the same table (presign: one per sealed request, keys `seal#…`).

use aws_sdk_dynamodb::types::AttributeValue;
use studiogate::login::replay::{replay_key, Consumed, ReplayCache, ReplayUnavailable};
use studiogate_kernel::retry::{with_retry, Budget};
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
    /// `budget`: how long to retry throttling before failing closed.
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

    async fn put(
        &self,
        key: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Consumed, AwsError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(key.to_owned()))
            .item(
                "expires_at",
                AttributeValue::N(keep_until.unix_timestamp().to_string()),
            )
            // TTL deletes lazily, so an expired item may still be there: it does not count.
            .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
            .expression_attribute_values(
                ":now",
                AttributeValue::N(now.unix_timestamp().to_string()),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(Consumed::First),
            Err(e) => {
                let modeled = e
                    .as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception());
                let error = crate::sdk_error("dynamodb:PutItem", e);
                if modeled || error.code == "ConditionalCheckFailedException" {
                    Ok(Consumed::Replayed)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// [`Self::put`], retried within the budget; a failure is logged with `refusal` (both callers
    /// fail closed).
    async fn put_within_budget(
        &self,
        key: &str,
        keep_until: OffsetDateTime,
        now: OffsetDateTime,
        refusal: &'static str,
    ) -> Result<Consumed, AwsError> {
        let budget = Budget::new(self.budget);
        let (result, attempts) = with_retry(&budget, || self.put(key, keep_until, now)).await;
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
                "replay cache unavailable: refusing the login",
            )
            .await;
        result.map_err(|error| {
            ReplayUnavailable(match error.kind {
                ErrorKind::Throttled | ErrorKind::ServerError | ErrorKind::Network => {
                    "DynamoDB is not answering".into()
                }
                _ => format!("{}: {}", error.code, error.message),
            })
        })
    }
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
                "seal ledger unavailable: refusing the request",
            )
            .await?;
        Ok(consumed == Consumed::First)
    }
}
