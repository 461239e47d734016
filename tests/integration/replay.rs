//! The DynamoDB replay cache against the emulator, as saml-validator's role: consumed once, reusable
//! after expiry, and fail closed when DynamoDB cannot answer (or IAM refuses).

use std::time::Duration;
use studiogate::login::replay::{Consumed, ReplayCache};
use studiogate_aws::dynamodb::DynamoReplayCache;
use studiogate_aws::sdk_config;
use studiogate_tests::emulator::{self, Function};
use time::OffsetDateTime;

async fn cache(table: &str) -> DynamoReplayCache {
    DynamoReplayCache::new(&sdk_config().await, table, Duration::from_secs(3))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_assertion_is_consumed_once_and_an_expired_entry_does_not_count() {
    let world = emulator::exclusive_world();
    world.act_as(Function::SamlValidator);
    let replay = cache("studiogate-replay").await;
    let now = OffsetDateTime::now_utc();
    let until = now + time::Duration::minutes(8);
    assert_eq!(
        replay.consume("https://idp", "_a1", until, now).await,
        Ok(Consumed::First)
    );
    assert_eq!(
        replay.consume("https://idp", "_a1", until, now).await,
        Ok(Consumed::Replayed)
    );
    assert_eq!(
        replay.consume("https://other-idp", "_a1", until, now).await,
        Ok(Consumed::First)
    );
    // DynamoDB TTL deletes lazily: an item past its expiry must not block a (new) use.
    let later = until + time::Duration::seconds(1);
    assert_eq!(
        replay
            .consume(
                "https://idp",
                "_a1",
                later + time::Duration::minutes(8),
                later
            )
            .await,
        Ok(Consumed::First)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_table_or_persistent_throttling_fails_closed_and_brief_throttling_is_ridden_out()
{
    let world = emulator::exclusive_world();
    world.act_as(Function::SamlValidator);
    let now = OffsetDateTime::now_utc();
    let until = now + time::Duration::minutes(8);
    let missing = cache("no-such-table").await;
    assert!(missing
        .consume("https://idp", "_b1", until, now)
        .await
        .is_err());
    let replay = cache("studiogate-replay").await;
    world.aws.fault("dynamodb:PutItem", "throttle", Some(2));
    assert_eq!(
        replay.consume("https://idp", "_b2", until, now).await,
        Ok(Consumed::First)
    );
    world.aws.fault("dynamodb:PutItem", "throttle", None);
    let started = std::time::Instant::now();
    assert!(replay
        .consume("https://idp", "_b3", until, now)
        .await
        .is_err());
    // Throttled for ever, the retries would never end: twice the 3 s budget proves they stop and
    // leaves a loaded CI machine room.
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "bounded by the budget: {:?}",
        started.elapsed()
    );
    world.aws.control("DELETE", "/faults", None).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authn_request_is_answered_once_within_its_lifetime_with_put_item_alone() {
    use studiogate::login::replay::{OutstandingRequest, RequestId};
    let world = emulator::exclusive_world();
    // saml-validator's role may only PutItem on the table: both steps must work with it.
    world.act_as(Function::SamlValidator);
    let replay = cache("studiogate-replay").await;
    let now = OffsetDateTime::now_utc();
    let until = now + time::Duration::minutes(10);
    let request = OutstandingRequest {
        target: Some("sagemaker-ml".into()),
        browser: "ab".repeat(32),
    };
    let id = RequestId::random().unwrap();
    assert_eq!(replay.take_request(&id, now).await, Ok(None), "never sent");
    replay
        .remember_request(&id, &request, until, now)
        .await
        .unwrap();
    assert_eq!(
        replay.take_request(&id, now).await,
        Ok(Some(request.clone()))
    );
    assert_eq!(replay.take_request(&id, now).await, Ok(None), "answered");

    let no_target = RequestId::random().unwrap();
    let untargeted = OutstandingRequest {
        target: None,
        browser: "cd".repeat(32),
    };
    replay
        .remember_request(&no_target, &untargeted, until, now)
        .await
        .unwrap();
    // TTL deletes lazily: a request past its lifetime must not be answerable.
    assert_eq!(
        replay
            .take_request(&no_target, until + time::Duration::seconds(1))
            .await,
        Ok(None)
    );
    assert_eq!(
        replay.take_request(&no_target, until).await,
        Ok(Some(untargeted))
    );

    world.aws.fault("dynamodb:PutItem", "throttle", None);
    assert!(replay
        .remember_request(&RequestId::random().unwrap(), &request, until, now)
        .await
        .is_err());
    world.aws.control("DELETE", "/faults", None).unwrap();
}
