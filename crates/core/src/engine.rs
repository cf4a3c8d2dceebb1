//! The scan engine: runs units of work (table × target) concurrently and hands
//! their rows on batch by batch, then each unit's outcome, as soon as known.
//!
//! A unit that fails does not stop the scan: its [`FetchError`] is an outcome
//! like any other, for the caller to record. The engine never touches a store;
//! the caller decides what batches and outcomes become (see [`Event`]).

use crate::sink::{Event, ROWS_IN_FLIGHT, RowBudget, RowSink, UnitId};
use crate::{FetchError, Table, TableDef, Target};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};
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

/// How one unit ended.
#[derive(Debug)]
pub struct Outcome {
    /// The unit, as its [`Event::Rows`] batches name it.
    pub unit: UnitId,
    /// The table.
    pub table: &'static TableDef,
    /// The target.
    pub target: Target,
    /// How many rows the unit handed on (its batches are the table's whole
    /// truth for the target), or why the unit failed (its batches are void).
    pub result: Result<u64, FetchError>,
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

/// How many batches may wait for the caller at once. Together with the page
/// size this bounds the rows in memory, however large the estate.
const BATCHES_IN_FLIGHT: usize = 8;

/// Orders units so that consecutive ones hit different targets: concurrency
/// then spreads over accounts and regions (each with its own rate budgets)
/// instead of queueing on one.
pub fn spread<C>(units: Vec<Unit<C>>) -> Vec<Unit<C>> {
    spread_by(units, |unit| &unit.target)
}

/// [`spread`] for anything that has a target.
fn spread_by<T>(items: Vec<T>, target: impl Fn(&T) -> &Target) -> Vec<T> {
    let mut by_target: BTreeMap<Target, Vec<T>> = BTreeMap::new();
    for item in items {
        by_target
            .entry(target(&item).clone())
            .or_default()
            .push(item);
    }
    let mut queues: Vec<std::vec::IntoIter<T>> =
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

/// Runs `units`, at most `concurrency` at a time, calling `on_event` with each
/// batch of rows and each unit's outcome as they come (on the calling task,
/// so it may hold non-`Send` state such as a store connection). Units are
/// numbered from 0 in the order given.
pub async fn run<C, F>(
    units: Vec<Unit<C>>,
    contexts: Arc<dyn Contexts<C>>,
    concurrency: usize,
    mut on_event: F,
) where
    C: Send + Sync + 'static,
    F: FnMut(Event),
{
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let budget = RowBudget::new(ROWS_IN_FLIGHT).shared_by(units.len(), concurrency);
    let (tx, mut rx) = mpsc::channel(BATCHES_IN_FLIGHT);
    let mut tasks = JoinSet::new();
    let numbered: Vec<(UnitId, Unit<C>)> = (0..).zip(units).collect();
    let mut spawned = std::collections::HashMap::new();
    for (id, unit) in spread_by(numbered, |(_, unit)| &unit.target) {
        let permits = Arc::clone(&permits);
        let contexts = Arc::clone(&contexts);
        let tx = tx.clone();
        let budget = budget.clone();
        let about = (
            id,
            unit.table.def(),
            unit.target.clone(),
            unit.cursor.clone(),
        );
        let task = tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let outcome = run_unit(id, unit, contexts.as_ref(), tx.clone(), budget.clone()).await;
            budget.unit_ended();
            // The receiver lives until every sender is gone.
            let _ = tx.send(Event::Done(outcome)).await;
        });
        spawned.insert(task.id(), about);
    }
    drop(tx);
    while let Some(event) = rx.recv().await {
        on_event(event);
    }
    // Every sender is gone, so every task has ended; a panicking one (a bug in
    // a table) sent no outcome: it becomes a failed unit like any other.
    while let Some(done) = tasks.join_next_with_id().await {
        if let Err(e) = done
            && let Some((unit, table, target, cursor)) = spawned.remove(&e.id())
        {
            tracing::error!(table = table.name, %target, "a scan unit stopped unexpectedly: {e}");
            on_event(Event::Done(Outcome {
                unit,
                table,
                target,
                result: Err(FetchError::classify(
                    "InternalError",
                    format!(
                        "{} stopped unexpectedly (a bug; the log has the details)",
                        table.name
                    ),
                )),
                cursor,
                elapsed: Duration::ZERO,
            }));
        }
    }
}

async fn run_unit<C>(
    id: UnitId,
    unit: Unit<C>,
    contexts: &dyn Contexts<C>,
    out: mpsc::Sender<Event>,
    budget: RowBudget,
) -> Outcome {
    let started = Instant::now();
    let def = unit.table.def();
    let mut cursor = unit.cursor.clone();
    let mut rows = RowSink::new(id, def, unit.target.clone(), out, budget);
    let result = async {
        let mut refreshed = 0;
        loop {
            let ctx = contexts.context(&unit.target).await?;
            cursor = unit.cursor.clone();
            match unit.table.fetch(&ctx, &unit.target, &mut cursor, &mut rows).await {
                Ok(()) => break,
                Err(e) if def.ignored_errors.contains(&e.code.as_str()) => {
                    tracing::debug!(table = def.name, target = %unit.target, code = e.code, "nothing to list here");
                    rows.restart().await?;
                    return Ok(0);
                }
                // Credentials can expire under a long unit (or be revoked):
                // fresh ones, and the unit starts again from its stored cursor.
                Err(e) if e.is_expired_credentials() && refreshed < EXPIRED_RETRIES => {
                    refreshed += 1;
                    tracing::info!(table = def.name, target = %unit.target, "credentials expired; refreshing them and starting the unit again");
                    contexts.refresh(&unit.target, &ctx).await;
                    rows.restart().await?;
                }
                Err(e) => return Err(e),
            }
        }
        // The fetch is over: there is no next page to keep room for.
        rows.release();
        if let Some(invalid) = rows.take_invalid() {
            return Err(invalid);
        }
        rows.flush().await?;
        Ok(rows.len())
    }
    .await;
    let elapsed = started.elapsed();
    match &result {
        Ok(rows) => {
            tracing::debug!(table = def.name, target = %unit.target, rows, ?elapsed, "unit done")
        }
        Err(e) => {
            tracing::info!(table = def.name, target = %unit.target, error = %e, "unit failed")
        }
    }
    Outcome {
        unit: id,
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
    use crate::{Cloud, ColumnDef, ColumnType, Row, Scope, Value, WriteMode};
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Runs `units` and returns each outcome with the rows its unit staged
    /// (batches kept, restarts honoured), as a store would see them.
    async fn scan<C: Send + Sync + 'static>(
        units: Vec<Unit<C>>,
        contexts: Arc<dyn Contexts<C>>,
        concurrency: usize,
    ) -> Vec<(Outcome, Vec<Row>)> {
        let mut staged: HashMap<UnitId, Vec<Row>> = HashMap::new();
        let mut outcomes = Vec::new();
        run(units, contexts, concurrency, |event| match event {
            Event::Rows { unit, rows, .. } => staged.entry(unit).or_default().extend(rows),
            Event::Restart { unit, .. } => {
                staged.remove(&unit);
            }
            Event::Done(outcome) => {
                let rows = staged.remove(&outcome.unit).unwrap_or_default();
                outcomes.push((outcome, rows));
            }
        })
        .await;
        assert!(
            staged.is_empty(),
            "every staged batch belongs to an ended unit"
        );
        outcomes
    }

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
            rows: &mut RowSink,
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
        let outcomes = scan(units, Arc::new(Shared(Arc::clone(&calls))), 2).await;
        assert_eq!(outcomes.len(), 4);
        let rows: usize = outcomes
            .iter()
            .filter(|(o, _)| o.result.is_ok())
            .map(|(_, rows)| rows.len())
            .sum();
        assert_eq!(rows, 2);
        let codes: Vec<_> = outcomes
            .iter()
            .filter_map(|(o, _)| o.result.as_ref().err())
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
            |event| {
                if matches!(event, Event::Done(_)) {
                    n += 1
                }
            },
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
            rows: &mut RowSink,
        ) -> Result<(), FetchError> {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if ctx.load(Ordering::SeqCst) == 0 || target.account_id == "revoked" {
                // A first page made it out before the session was refused.
                rows.push(vec![Value::from("stale")]);
                rows.flush().await?;
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
        let shared: Arc<dyn Contexts<AtomicUsize>> = contexts.clone();
        let outcomes = scan(units, shared, 8).await;
        assert_eq!(outcomes.len(), 6);
        // The rows staged before the expiry were dropped: one row per unit, not two.
        assert!(
            outcomes
                .iter()
                .all(|(o, rows)| o.result == Ok(1) && rows.len() == 1),
            "{outcomes:?}"
        );
        // Six units shared one stale session: it cost one refresh.
        assert_eq!(contexts.refreshes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn credentials_that_stay_expired_fail_the_unit_after_a_few_refreshes() {
        let contexts = rotating();
        let shared: Arc<dyn Contexts<AtomicUsize>> = contexts.clone();
        let outcomes = scan(vec![expiring("revoked", "r")], shared, 1).await;
        assert!(
            outcomes[0]
                .0
                .result
                .as_ref()
                .is_err_and(|e| e.code == "ExpiredToken")
        );
        assert_eq!(contexts.refreshes.load(Ordering::SeqCst), EXPIRED_RETRIES);
    }

    /// Many pages of rows, flushed page by page; panics for account `buggy`.
    struct Paged;

    const PAGES: usize = 200;

    #[async_trait::async_trait]
    impl Table<AtomicUsize> for Paged {
        fn def(&self) -> &'static TableDef {
            &DEF
        }
        async fn fetch(
            &self,
            ctx: &AtomicUsize,
            target: &Target,
            _cursor: &mut Option<String>,
            rows: &mut RowSink,
        ) -> Result<(), FetchError> {
            assert!(target.account_id != "buggy", "a bug in a table");
            for page in 0..PAGES {
                for i in 0..10 {
                    rows.push(vec![Value::from(format!("{page}-{i}"))]);
                }
                rows.flush().await?;
                ctx.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        }
    }

    #[tokio::test]
    async fn rows_reach_the_caller_page_by_page_while_the_unit_runs() {
        let pages = Arc::new(AtomicUsize::new(0));
        let units = vec![Unit {
            table: &Paged as &dyn Table<AtomicUsize>,
            target: Target {
                account_id: "1".into(),
                region: Some("r".into()),
            },
            cursor: None,
        }];
        let (mut batches, mut most_pages_ahead, mut rows) = (0, 0, 0);
        let seen = Arc::clone(&pages);
        run(units, Arc::new(Shared(pages)), 1, |event| match event {
            Event::Rows { rows: batch, .. } => {
                batches += 1;
                rows += batch.len();
                // How far the fetch ran ahead of the caller: bounded by the channel.
                most_pages_ahead = most_pages_ahead.max(seen.load(Ordering::SeqCst) - batches + 1);
            }
            Event::Done(outcome) => assert_eq!(outcome.result, Ok((PAGES * 10) as u64)),
            Event::Restart { .. } => panic!("no restart"),
        })
        .await;
        assert_eq!((batches, rows), (PAGES, PAGES * 10));
        assert!(
            most_pages_ahead <= BATCHES_IN_FLIGHT + 1,
            "the fetch ran {most_pages_ahead} pages ahead of the caller"
        );
    }

    #[tokio::test]
    async fn a_panicking_table_is_a_failed_unit_and_the_others_complete() {
        let unit = |account: &str| Unit {
            table: &Paged as &dyn Table<AtomicUsize>,
            target: Target {
                account_id: account.into(),
                region: None,
            },
            cursor: None,
        };
        let outcomes = scan(
            vec![unit("1"), unit("buggy"), unit("2")],
            Arc::new(Shared(Arc::new(AtomicUsize::new(0)))),
            3,
        )
        .await;
        assert_eq!(outcomes.len(), 3);
        for (outcome, rows) in &outcomes {
            if outcome.target.account_id == "buggy" {
                assert!(
                    outcome
                        .result
                        .as_ref()
                        .is_err_and(|e| e.code == "InternalError"),
                    "{outcome:?}"
                );
            } else {
                assert_eq!(rows.len(), PAGES * 10);
            }
        }
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
