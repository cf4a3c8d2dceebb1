//! Rate budgets per (account, region, API), at the providers' published limits.
//!
//! The SDKs retry throttled calls, but retrying is the slow way to find a limit:
//! a scan that knows EC2's Describe bucket (burst 100, refill 20/s per account
//! and region) paces itself and is never throttled at all. The token buckets
//! are `governor`'s; this module only keys them.

use crate::Target;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

/// A published rate limit for one family of API calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiBudget {
    /// The family, e.g. `ec2:Describe`.
    pub name: &'static str,
    /// Requests that may be made at once before the refill rate applies.
    pub burst: u32,
    /// Sustained requests per second.
    pub per_second: u32,
}

type Key = (String, Option<String>, &'static str);

/// The share of a published refill rate a scan uses.
const HEADROOM: f64 = 0.9;

/// The token buckets of one scan, created on first use.
#[derive(Debug)]
pub struct RateBudgets {
    scale: f64,
    buckets: Mutex<HashMap<Key, Arc<DefaultDirectRateLimiter>>>,
}

impl Default for RateBudgets {
    fn default() -> Self {
        Self::scaled(1.0)
    }
}

impl RateBudgets {
    /// Budgets at `scale` × the published limits (1.0 in production; benchmarks
    /// scale them down to make the limits, not latency, the bottleneck).
    pub fn scaled(scale: f64) -> Self {
        RateBudgets {
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until `api` may be called once more for `target`.
    pub async fn acquire(&self, api: &ApiBudget, target: &Target) {
        let bucket = self.bucket(api, target);
        bucket.until_ready().await;
    }

    fn bucket(&self, api: &ApiBudget, target: &Target) -> Arc<DefaultDirectRateLimiter> {
        let key = (target.account_id.clone(), target.region.clone(), api.name);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        buckets
            .entry(key)
            .or_insert_with(|| {
                let scaled = |n: u32| {
                    let value = (f64::from(n) * self.scale)
                        .round()
                        .clamp(1.0, f64::from(u32::MAX));
                    // The clamp keeps the value in 1..=u32::MAX, so the conversion is exact.
                    NonZeroU32::new(value as u32).unwrap_or(NonZeroU32::MIN)
                };
                // Refill a little under the published rate: requests reach the
                // provider later than they leave, and a bucket paced exactly at
                // its limit is throttled on that jitter.
                let per_second = (f64::from(api.per_second) * self.scale * HEADROOM).max(0.001);
                let quota =
                    Quota::with_period(std::time::Duration::from_secs_f64(1.0 / per_second))
                        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                        .allow_burst(scaled(api.burst));
                Arc::new(RateLimiter::direct(quota))
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    const API: ApiBudget = ApiBudget {
        name: "test:Describe",
        burst: 5,
        per_second: 10,
    };

    fn target(account: &str) -> Target {
        Target {
            account_id: account.into(),
            region: Some("us-east-1".into()),
        }
    }

    #[tokio::test]
    async fn a_burst_is_immediate_then_the_refill_rate_paces_calls() {
        let budgets = RateBudgets::default();
        let start = Instant::now();
        for _ in 0..5 {
            budgets.acquire(&API, &target("1")).await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(50),
            "the burst is free"
        );
        for _ in 0..5 {
            budgets.acquire(&API, &target("1")).await;
        }
        // Five more at 10/s take about half a second.
        assert!(
            start.elapsed() >= Duration::from_millis(400),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn each_account_has_its_own_bucket() {
        let budgets = RateBudgets::default();
        let start = Instant::now();
        for account in ["1", "2", "3"] {
            for _ in 0..5 {
                budgets.acquire(&API, &target(account)).await;
            }
        }
        assert!(start.elapsed() < Duration::from_millis(50));
    }
}
