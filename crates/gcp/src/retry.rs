//! How a scan calls Google: every request first waits on its API's rate
//! budget (the published quota, see [`CLOUD_ASSET_SEARCH`] and
//! [`LOGGING_READ`]), and a throttled or briefly unavailable answer (429
//! `RESOURCE_EXHAUSTED`, 503, 500, a dropped connection) is tried again after
//! `Retry-After` or an exponential backoff, each retry paying the budget again.
//! Google's clients are built with their own retries off, so this loop is the
//! only one and every attempt is paced.

use crate::error::Error;
use cloudbuilder_core::{ApiBudget, RateBudgets, Target};
use std::future::Future;
use std::time::Duration;

/// Cloud Asset Inventory `searchAllResources`: 400 requests per minute per
/// consumer project. A bucket of 100 refilled at 5 per second (4.5 after the
/// engine's headroom) allows at most 100 + 270 = 370 in any minute.
pub const CLOUD_ASSET_SEARCH: ApiBudget = ApiBudget {
    name: "cloudasset:SearchAllResources",
    burst: 100,
    per_second: 5,
};

/// Cloud Logging `entries.list`: 60 requests per minute per project. A
/// bucket of 5 refilled at 1 per second (0.9 after headroom) allows at most
/// 5 + 54 = 59 in any minute.
pub const LOGGING_READ: ApiBudget = ApiBudget {
    name: "logging:EntriesList",
    burst: 5,
    per_second: 1,
};

/// The budgets' key: every request of one scan bills the same consumer
/// project (the caller's quota project), so one bucket per API serves them all.
fn consumer() -> Target {
    Target {
        account_id: "consumer-project".to_owned(),
        region: None,
    }
}

/// How often and how patiently throttled calls are tried again.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait after the first failure; it doubles after each.
    pub first_wait: Duration,
    /// The longest wait, whatever the backoff or `Retry-After` says.
    pub max_wait: Duration,
}

impl Default for Retry {
    /// 8 attempts, waiting 1, 2, 4 … up to 32 seconds: a per-minute quota
    /// window has always rolled over before the last one.
    fn default() -> Self {
        Retry {
            attempts: 8,
            first_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(32),
        }
    }
}

impl Retry {
    /// The wait before attempt `failures + 1`.
    fn wait(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self
            .first_wait
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1)));
        retry_after.unwrap_or(backoff).min(self.max_wait)
    }
}

/// One failed attempt: the error, and the wait the service asked for.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong.
    pub error: Error,
    /// The answer's `Retry-After`, if any.
    pub retry_after: Option<Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            retry_after: None,
        }
    }
}

impl Failure {
    /// A google-cloud-gax error, with its `Retry-After`.
    pub fn from_gax(operation: &'static str, err: google_cloud_gax::error::Error) -> Self {
        let retry_after = err
            .http_headers()
            .and_then(|h| h.get(http::header::RETRY_AFTER))
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        Failure {
            error: Error::from_gax(operation, err),
            retry_after,
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by Google APIs).
pub fn parse_retry_after(text: &str) -> Option<Duration> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Whether an error is worth another attempt: throttling, a service that is
/// briefly unavailable or failed internally, or a dropped connection.
pub fn is_transient(err: &Error) -> bool {
    match err {
        Error::Service { code, .. } => matches!(
            code.as_str(),
            "RESOURCE_EXHAUSTED"
                | "UNAVAILABLE"
                | "INTERNAL"
                | "DEADLINE_EXCEEDED"
                | "HTTP 429"
                | "HTTP 500"
                | "HTTP 502"
                | "HTTP 503"
                | "HTTP 504"
        ),
        Error::Transport { .. } => true,
        _ => false,
    }
}

/// Calls `attempt` until it succeeds, fails for good, or `retry` gives up,
/// waiting on `budget` (if any) in `budgets` before every attempt.
pub async fn call<T, F, Fut>(
    budgets: &RateBudgets,
    budget: Option<&ApiBudget>,
    retry: &Retry,
    mut attempt: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut failures = 0;
    loop {
        if let Some(budget) = budget {
            budgets.acquire(budget, &consumer()).await;
        }
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(failure) if is_transient(&failure.error) && failures + 1 < retry.attempts => {
                failures += 1;
                let wait = retry.wait(failures, failure.retry_after);
                tracing::debug!(
                    error = %failure.error,
                    attempt = failures,
                    wait_ms = wait.as_millis() as u64,
                    "transient error; trying again"
                );
                tokio::time::sleep(wait).await;
            }
            Err(failure) => return Err(failure.error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick() -> Retry {
        Retry {
            attempts: 4,
            first_wait: Duration::from_millis(1),
            max_wait: Duration::from_millis(5),
        }
    }

    fn exhausted() -> Failure {
        Failure::from(Error::Service {
            operation: "searchAllResources",
            code: "RESOURCE_EXHAUSTED".into(),
            message: "Quota exceeded".into(),
        })
    }

    #[tokio::test]
    async fn throttling_is_tried_again_until_it_passes() {
        let calls = &AtomicU32::new(0);
        let budgets = RateBudgets::default();
        let got = call(
            &budgets,
            Some(&CLOUD_ASSET_SEARCH),
            &quick(),
            || async move {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(exhausted())
                } else {
                    Ok(7)
                }
            },
        )
        .await;
        assert_eq!(got.ok(), Some(7));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn throttling_that_never_ends_fails_after_the_last_attempt() {
        let calls = &AtomicU32::new(0);
        let got: Result<(), _> = call(&RateBudgets::default(), None, &quick(), || async move {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(exhausted())
        })
        .await;
        assert_eq!(
            got.err().and_then(|e| e.code().map(str::to_owned)),
            Some("RESOURCE_EXHAUSTED".to_owned())
        );
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_denial_is_not_tried_again() {
        let calls = &AtomicU32::new(0);
        let got: Result<(), _> = call(&RateBudgets::default(), None, &quick(), || async move {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Failure::from(Error::Service {
                operation: "entries.list",
                code: "PERMISSION_DENIED".into(),
                message: "denied".into(),
            }))
        })
        .await;
        assert!(got.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn waits_double_and_retry_after_wins_up_to_the_cap() {
        let retry = Retry::default();
        assert_eq!(retry.wait(1, None), Duration::from_secs(1));
        assert_eq!(retry.wait(3, None), Duration::from_secs(4));
        assert_eq!(retry.wait(30, None), Duration::from_secs(32));
        assert_eq!(
            retry.wait(1, Some(Duration::from_secs(5))),
            Duration::from_secs(5)
        );
        assert_eq!(parse_retry_after(" 2 "), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn the_budgets_stay_inside_the_published_per_minute_quotas() {
        // The most a bucket allows in any 60 s: its burst plus a minute of refill at 90 %.
        let most = |b: &ApiBudget| f64::from(b.burst) + 60.0 * f64::from(b.per_second) * 0.9;
        assert!(most(&CLOUD_ASSET_SEARCH) <= 400.0);
        assert!(most(&LOGGING_READ) <= 60.0);
    }
}
