//! Retrying AWS calls that throttle or fail server-side: exponential backoff with full jitter, inside
//! a total time budget that stays below the Lambda timeout. Past the budget the caller gets the last
//! error back, to turn into a typed "try again".

use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Whether an error is worth another attempt.
pub trait Retryable {
    /// Throttling and 5xx: yes. Everything else: no.
    fn is_retryable(&self) -> bool;
}

/// A deadline shared by every call of one request.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Instant,
}

impl Budget {
    /// A budget of `total` from now.
    pub fn new(total: Duration) -> Self {
        Budget {
            deadline: Instant::now() + total,
        }
    }

    /// Time left.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Whether time is up.
    pub fn is_spent(&self) -> bool {
        self.remaining().is_zero()
    }
}

/// Backoff for attempt `n` (0-based): uniform in [0, min(cap, base * 2^n)] ("full jitter").
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = base
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(cap);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(fastrand::u64(0..=millis))
}

/// Runs `op` until it succeeds, fails with a non-retryable error, or the budget would be spent by the
/// next wait. Returns the last result and how many attempts were made.
pub async fn with_retry<T, E, F, Fut>(budget: &Budget, mut op: F) -> (Result<T, E>, u32)
where
    E: Retryable,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    const BASE: Duration = Duration::from_millis(100);
    const CAP: Duration = Duration::from_secs(2);
    let mut attempt = 0;
    loop {
        let result = op().await;
        attempt += 1;
        match result {
            Err(error) if error.is_retryable() => {
                let wait = backoff(attempt - 1, BASE, CAP);
                if wait >= budget.remaining() {
                    return (Err(error), attempt);
                }
                tokio::time::sleep(wait).await;
            }
            done => return (done, attempt),
        }
    }
}

/// [`with_retry`] for one AWS operation, each attempt cut off where the budget ends: the whole step,
/// retries and the slowest answer included, is over by the deadline. An attempt cut off is a
/// [`AwsError::timed_out`] (a network error); an attempt never starts with nothing left.
pub async fn with_retry_by_deadline<T, F, Fut>(
    budget: &Budget,
    operation: &'static str,
    mut op: F,
) -> (Result<T, crate::AwsError>, u32)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, crate::AwsError>>,
{
    with_retry(budget, || {
        let left = budget.remaining();
        let attempt = (!left.is_zero()).then(&mut op);
        async move {
            match attempt {
                Some(attempt) => tokio::time::timeout(left, attempt)
                    .await
                    .unwrap_or_else(|_| Err(crate::AwsError::timed_out(operation, left))),
                None => Err(crate::AwsError::timed_out(operation, left)),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug, PartialEq)]
    enum Fake {
        Throttled,
        Denied,
    }

    impl Retryable for Fake {
        fn is_retryable(&self) -> bool {
            *self == Fake::Throttled
        }
    }

    #[test]
    fn backoff_is_jittered_below_an_exponential_capped_ceiling() {
        for attempt in 0..20 {
            let wait = backoff(attempt, Duration::from_millis(100), Duration::from_secs(2));
            let ceiling =
                Duration::from_millis(100 * 2u64.pow(attempt.min(16))).min(Duration::from_secs(2));
            assert!(wait <= ceiling, "attempt {attempt}: {wait:?} > {ceiling:?}");
        }
    }

    // Real time: waits are 100 ms-scale jitter inside small budgets, and nothing asserts a duration.
    #[tokio::test]
    async fn retries_throttling_until_it_clears() {
        let calls = AtomicU32::new(0);
        let budget = Budget::new(Duration::from_secs(10));
        let (result, attempts) = with_retry(&budget, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(Fake::Throttled)
            } else {
                Ok("done")
            }
        })
        .await;
        assert_eq!((result, attempts), (Ok("done"), 4));
    }

    #[tokio::test]
    async fn does_not_retry_what_retrying_cannot_fix() {
        let budget = Budget::new(Duration::from_secs(10));
        let (result, attempts) = with_retry(&budget, || async { Err::<(), _>(Fake::Denied) }).await;
        assert_eq!((result, attempts), (Err(Fake::Denied), 1));
    }

    #[tokio::test]
    async fn gives_up_with_the_last_error_rather_than_wait_past_the_budget() {
        let budget = Budget::new(Duration::from_millis(400));
        let (result, attempts) =
            with_retry(&budget, || async { Err::<(), _>(Fake::Throttled) }).await;
        assert_eq!(result, Err(Fake::Throttled));
        // The first wait is at most 100 ms, so a 400 ms budget always allows a second attempt.
        assert!(attempts >= 2, "{attempts}");
    }

    #[tokio::test]
    async fn by_deadline_cuts_off_an_attempt_that_outlasts_the_budget() {
        let budget = Budget::new(Duration::from_millis(50));
        let calls = AtomicU32::new(0);
        let (result, attempts) = with_retry_by_deadline(&budget, "PutItem", || {
            calls.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok::<_, crate::AwsError>(())
            }
        })
        .await;
        let error = result.unwrap_err();
        assert_eq!(
            (error.operation, error.code.as_str()),
            ("PutItem", "TimedOut")
        );
        assert_eq!((attempts, calls.load(Ordering::SeqCst)), (1, 1));
        assert!(budget.is_spent());
    }

    #[tokio::test]
    async fn by_deadline_makes_no_attempt_once_the_budget_is_spent() {
        let budget = Budget::new(Duration::ZERO);
        let calls = AtomicU32::new(0);
        let (result, attempts) = with_retry_by_deadline(&budget, "AssumeRoleWithSAML", || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, crate::AwsError>(()) }
        })
        .await;
        assert_eq!(result.unwrap_err().code, "TimedOut");
        assert_eq!((attempts, calls.load(Ordering::SeqCst)), (1, 0));
    }

    #[tokio::test]
    async fn by_deadline_passes_an_answer_in_time_through() {
        let budget = Budget::new(Duration::from_secs(5));
        let (result, attempts) =
            with_retry_by_deadline(&budget, "PutItem", || async { Ok::<_, crate::AwsError>(7) })
                .await;
        assert_eq!((result.unwrap(), attempts), (7, 1));
    }
}
