//! The scan engine: runs units of work (table × target) concurrently and hands
//! back each unit's outcome as soon as it is known.
//!
//! A unit that fails does not stop the scan: its [`FetchError`] is an outcome
//! like any other, for the caller to record. The engine never touches a store;
//! the caller decides what an outcome becomes.

use crate::{FetchError, Row, Table, TableDef, Target};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// One unit of work: one table for one target.
pub struct Unit<C: 'static> {
    /// The table.
    pub table: &'static dyn Table<C>,
    /// Where to fetch it.
    pub target: Target,
    /// The cursor the previous successful unit left (incremental tables).
    pub cursor: Option<String>,
}

impl<C> std::fmt::Debug for Unit<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unit({} @ {})", self.table.def().name, self.target)
    }
}

/// What one unit produced.
#[derive(Debug)]
pub struct Outcome {
    /// The table.
    pub table: &'static TableDef,
    /// The target.
    pub target: Target,
    /// Every row of the table for the target, or why there are none.
    pub result: Result<Vec<Row>, FetchError>,
    /// The cursor to store with the rows (incremental tables).
    pub cursor: Option<String>,
    /// How long the unit took.
    pub elapsed: Duration,
}

/// Supplies the cloud-specific context (clients, credentials) for a target.
#[async_trait::async_trait]
pub trait Contexts<C>: Send + Sync {
    /// The context to fetch `target` with; an error fails every unit of the target.
    async fn context(&self, target: &Target) -> Result<Arc<C>, FetchError>;

    /// Called when the provider answered a unit fetched with `stale` that its
    /// credentials have expired: forget them, so that the next [`Contexts::context`]
    /// call for the target gets fresh ones. Several units may report the same
    /// stale context; only the first should cost a new session.
    async fn refresh(&self, _target: &Target, _stale: &Arc<C>) {}
}

/// How many times a unit starts again after its credentials expired under it.
const EXPIRED_RETRIES: usize = 3;

/// Orders units so that consecutive ones hit different targets: concurrency
/// then spreads over accounts and regions (each with its own rate budgets)
/// instead of queueing on one.
pub fn spread<C>(units: Vec<Unit<C>>) -> Vec<Unit<C>> {
    let mut by_target: BTreeMap<Target, Vec<Unit<C>>> = BTreeMap::new();
    for unit in units {
        by_target.entry(unit.target.clone()).or_default().push(unit);
    }
    let mut queues: Vec<std::vec::IntoIter<Unit<C>>> =
        by_target.into_values().map(Vec::into_iter).collect();
    let mut out = Vec::new();
    loop {
        let before = out.len();
        for queue in &mut queues {
            out.extend(queue.next());
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Runs `units`, at most `concurrency` at a time, calling `on_outcome` for each
/// as it completes (on the calling task, so it may hold non-`Send` state).
pub async fn run<C, F>(
    units: Vec<Unit<C>>,
    contexts: Arc<dyn Contexts<C>>,
    concurrency: usize,
    mut on_outcome: F,
) where
    C: Send + Sync + 'static,
    F: FnMut(Outcome),
{
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for unit in spread(units) {
        let permits = Arc::clone(&permits);
        let contexts = Arc::clone(&contexts);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            run_unit(unit, contexts.as_ref()).await
        });
        // Hand over finished outcomes while spawning, so memory holds few of them.
        while let Some(done) = tasks.try_join_next() {
            deliver(done, &mut on_outcome);
        }
    }
    while let Some(done) = tasks.join_next().await {
        deliver(done, &mut on_outcome);
    }
}

fn deliver<F: FnMut(Outcome)>(done: Result<Outcome, tokio::task::JoinError>, on_outcome: &mut F) {
    match done {
        Ok(outcome) => on_outcome(outcome),
        // A panicking table is a bug; the scan goes on without that unit, and
        // the log says which one (the task's panic message is already printed).
        Err(e) => tracing::error!("a scan unit stopped unexpectedly: {e}"),
    }
}

async fn run_unit<C>(unit: Unit<C>, contexts: &dyn Contexts<C>) -> Outcome {
    let started = Instant::now();
    let def = unit.table.def();
    let mut cursor = unit.cursor.clone();
    let result = async {
        let mut refreshed = 0;
        let rows = loop {
            let ctx = contexts.context(&unit.target).await?;
            let mut rows = Vec::new();
            cursor = unit.cursor.clone();
            match unit.table.fetch(&ctx, &unit.target, &mut cursor, &mut rows).await {
                Ok(()) => break rows,
                Err(e) if def.ignored_errors.contains(&e.code.as_str()) => {
                    tracing::debug!(table = def.name, target = %unit.target, code = e.code, "nothing to list here");
                    return Ok(Vec::new());
                }
                // Credentials can expire under a long unit (or be revoked):
                // fresh ones, and the unit starts again from its stored cursor.
                Err(e) if e.is_expired_credentials() && refreshed < EXPIRED_RETRIES => {
                    refreshed += 1;
                    tracing::info!(table = def.name, target = %unit.target, "credentials expired; refreshing them and starting the unit again");
                    contexts.refresh(&unit.target, &ctx).await;
                }
                Err(e) => return Err(e),
            }
        };
        if let Some(bad) = rows.iter().find(|r| r.len() != def.columns.len()) {
            return Err(FetchError::classify(
                "InternalError",
                format!(
                    "{} produced a row of {} values for {} columns",
                    def.name,
                    bad.len(),
                    def.columns.len()
                ),
            ));
        }
        Ok(rows)
    }
    .await;
    let elapsed = started.elapsed();
    match &result {
        Ok(rows) => {
            tracing::debug!(table = def.name, target = %unit.target, rows = rows.len(), ?elapsed, "unit done")
        }
        Err(e) => {
            tracing::info!(table = def.name, target = %unit.target, error = %e, "unit failed")
        }
    }
    Outcome {
        table: def,
        target: unit.target,
        cursor: if result.is_ok() { cursor } else { unit.cursor },
        result,
        elapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cloud, ColumnDef, ColumnType, Scope, Value, WriteMode};
    use std::sync::atomic::{AtomicUsize, Ordering};

    static DEF: TableDef = TableDef {
        name: "test_thing",
        cloud: Cloud::Aws,
        description: "A test table.",
        scope: Scope::Region,
        columns: &[ColumnDef::new("id", ColumnType::Text, "Its id.")],
        permissions: &["test:ListThings"],
        mode: WriteMode::Snapshot,
        ignored_errors: &[],
    };

    struct Things;

    #[async_trait::async_trait]
    impl Table<AtomicUsize> for Things {
        fn def(&self) -> &'static TableDef {
            &DEF
        }
        async fn fetch(
            &self,
            ctx: &AtomicUsize,
            target: &Target,
            _cursor: &mut Option<String>,
            rows: &mut Vec<Row>,
        ) -> Result<(), FetchError> {
            ctx.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            if target.account_id == "denied" {
                return Err(FetchError::classify("AccessDenied", "no"));
            }
            rows.push(vec![Value::from(format!("{target}"))]);
            Ok(())
        }
    }

    struct Shared(Arc<AtomicUsize>);

    #[async_trait::async_trait]
    impl Contexts<AtomicUsize> for Shared {
        async fn context(&self, target: &Target) -> Result<Arc<AtomicUsize>, FetchError> {
            if target.account_id == "unreachable" {
                return Err(FetchError::classify("Unreachable", "no route"));
            }
            Ok(Arc::clone(&self.0))
        }
    }

    fn unit(account: &str, region: &str) -> Unit<AtomicUsize> {
        Unit {
            table: &Things,
            target: Target {
                account_id: account.into(),
                region: Some(region.into()),
            },
            cursor: None,
        }
    }

    #[tokio::test]
    async fn failures_are_outcomes_and_the_rest_complete() {
        let calls = Arc::new(AtomicUsize::new(0));
        let units = vec![
            unit("1", "a"),
            unit("denied", "a"),
            unit("unreachable", "a"),
            unit("2", "b"),
        ];
        let mut outcomes = Vec::new();
        run(units, Arc::new(Shared(Arc::clone(&calls))), 2, |o| {
            outcomes.push(o)
        })
        .await;
        assert_eq!(outcomes.len(), 4);
        let rows: usize = outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok())
            .map(Vec::len)
            .sum();
        assert_eq!(rows, 2);
        let codes: Vec<_> = outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().err())
            .map(|e| e.code.as_str())
            .collect();
        assert!(
            codes.contains(&"AccessDenied") && codes.contains(&"Unreachable"),
            "{codes:?}"
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "no fetch without a context"
        );
    }

    #[tokio::test]
    async fn concurrency_overlaps_units() {
        let units: Vec<_> = (0..10).map(|i| unit(&i.to_string(), "r")).collect();
        let start = Instant::now();
        let mut n = 0;
        run(
            units,
            Arc::new(Shared(Arc::new(AtomicUsize::new(0)))),
            10,
            |_| n += 1,
        )
        .await;
        assert_eq!(n, 10);
        assert!(
            start.elapsed() < Duration::from_millis(150),
            "10 × 20 ms ran concurrently: {:?}",
            start.elapsed()
        );
    }

    /// Answers ExpiredToken while its context (the credentials' generation) is
    /// 0, or always for the account `revoked`.
    struct Expiring;

    #[async_trait::async_trait]
    impl Table<AtomicUsize> for Expiring {
        fn def(&self) -> &'static TableDef {
            &DEF
        }
        async fn fetch(
            &self,
            ctx: &AtomicUsize,
            target: &Target,
            _cursor: &mut Option<String>,
            rows: &mut Vec<Row>,
        ) -> Result<(), FetchError> {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if ctx.load(Ordering::SeqCst) == 0 || target.account_id == "revoked" {
                return Err(FetchError::classify("ExpiredToken", "expired"));
            }
            rows.push(vec![Value::from("x")]);
            Ok(())
        }
    }

    /// Hands out the current generation; refresh makes the next one.
    struct Rotating {
        current: std::sync::Mutex<Arc<AtomicUsize>>,
        refreshes: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl Contexts<AtomicUsize> for Rotating {
        async fn context(&self, _target: &Target) -> Result<Arc<AtomicUsize>, FetchError> {
            Ok(Arc::clone(&self.current.lock().expect("lock")))
        }
        async fn refresh(&self, _target: &Target, stale: &Arc<AtomicUsize>) {
            let mut current = self.current.lock().expect("lock");
            if Arc::ptr_eq(&current, stale) {
                *current = Arc::new(AtomicUsize::new(stale.load(Ordering::SeqCst) + 1));
                self.refreshes.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    fn rotating() -> Arc<Rotating> {
        Arc::new(Rotating {
            current: std::sync::Mutex::new(Arc::new(AtomicUsize::new(0))),
            refreshes: AtomicUsize::new(0),
        })
    }

    fn expiring(account: &str, region: &str) -> Unit<AtomicUsize> {
        Unit {
            table: &Expiring,
            target: Target {
                account_id: account.into(),
                region: Some(region.into()),
            },
            cursor: None,
        }
    }

    #[tokio::test]
    async fn expired_credentials_are_refreshed_once_and_the_units_start_again() {
        let contexts = rotating();
        let units = (0..6).map(|i| expiring("1", &format!("r{i}"))).collect();
        let mut outcomes = Vec::new();
        let shared: Arc<dyn Contexts<AtomicUsize>> = contexts.clone();
        run(units, shared, 8, |o| outcomes.push(o)).await;
        assert_eq!(outcomes.len(), 6);
        assert!(
            outcomes
                .iter()
                .all(|o| o.result.as_ref().is_ok_and(|r| r.len() == 1))
        );
        // Six units shared one stale session: it cost one refresh.
        assert_eq!(contexts.refreshes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn credentials_that_stay_expired_fail_the_unit_after_a_few_refreshes() {
        let contexts = rotating();
        let mut outcomes = Vec::new();
        let shared: Arc<dyn Contexts<AtomicUsize>> = contexts.clone();
        run(vec![expiring("revoked", "r")], shared, 1, |o| {
            outcomes.push(o)
        })
        .await;
        assert!(
            outcomes[0]
                .result
                .as_ref()
                .is_err_and(|e| e.code == "ExpiredToken")
        );
        assert_eq!(contexts.refreshes.load(Ordering::SeqCst), EXPIRED_RETRIES);
    }

    #[test]
    fn spread_alternates_targets() {
        let units = vec![
            unit("1", "a"),
            unit("1", "a"),
            unit("2", "a"),
            unit("2", "a"),
        ];
        let order: Vec<String> = spread(units).iter().map(|u| u.target.to_string()).collect();
        assert_eq!(order, ["1/a", "2/a", "1/a", "2/a"]);
    }
}
