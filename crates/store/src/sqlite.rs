//! The embedded store: one SQLite file.
//!
//! WAL journaling with `synchronous = NORMAL` makes every committed unit
//! survive a killed process; each unit's replacement is one transaction, so a
//! reader sees the previous snapshot or the new one, never a mix.

use crate::{Error, QueryResult, QueryValue, RunRecord, RunTotals, Store};
use cloudbuilder_core::{ColumnType, FetchError, Row, TableDef, Target, UnitId, Value, WriteMode};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql, params};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Tables whose staging table exists in this connection's temp schema.
    staged: HashSet<&'static str>,
}

const BOOKKEEPING: &str = "
CREATE TABLE IF NOT EXISTS cloudbuilder_run (
    run_id TEXT PRIMARY KEY,
    cloud TEXT NOT NULL,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    units INTEGER,
    rows INTEGER,
    errors INTEGER
);
CREATE TABLE IF NOT EXISTS cloudbuilder_scan_error (
    run_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT,
    kind TEXT NOT NULL,
    error_code TEXT NOT NULL,
    message TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cloudbuilder_scan_error_run ON cloudbuilder_scan_error (run_id);
CREATE TABLE IF NOT EXISTS cloudbuilder_cursor (
    table_name TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    cursor TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (table_name, account_id, region)
);
";

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`; a new file is private to the user.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| Error::Open {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(|e| fail(e.into()))?;
        }
        let created = !path.exists();
        let conn = Connection::open(path).map_err(|e| fail(e.into()))?;
        #[cfg(unix)]
        if created {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| fail(e.into()))?;
        }
        // A scan commits a transaction per unit; checkpointing the WAL into the
        // database every 10,000 pages (40 MB) rather than SQLite's 1,000 copies
        // each often-rewritten page (index tails, bookkeeping) once, not ten
        // times. finish_run checkpoints what is left.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; PRAGMA wal_autocheckpoint = 10000;",
        )
        .and_then(|()| conn.execute_batch(BOOKKEEPING))
        .map_err(|e| fail(e.into()))?;
        Ok(SqliteStore {
            conn,
            path: path.to_owned(),
            staged: HashSet::new(),
        })
    }

    /// Opens an existing store for reading only.
    pub fn open_read_only(path: &Path) -> Result<Self, Error> {
        if !path.exists() {
            return Err(Error::Open {
                path: path.to_owned(),
                source: "no such file; run a scan first, or pass --store".into(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::Open {
            path: path.to_owned(),
            source: e.into(),
        })?;
        Ok(SqliteStore {
            conn,
            path: path.to_owned(),
            staged: HashSet::new(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates `table`'s staging table (once per connection).
    fn ensure_stage(&mut self, table: &TableDef) -> Result<(), Error> {
        if self.staged.contains(table.name) {
            return Ok(());
        }
        let stage = quote(&stage_name(table));
        let mut columns = vec!["_unit INTEGER NOT NULL".to_owned()];
        columns.extend(
            table
                .columns
                .iter()
                .map(|c| format!("{} {}", quote(c.name), sql_type(c.ty))),
        );
        let mut index = vec!["_unit".to_owned()];
        if let WriteMode::Incremental { key } = table.mode {
            index.extend(key.iter().map(|k| quote(k)));
        }
        self.conn
            .execute_batch(&format!(
                "CREATE TEMP TABLE IF NOT EXISTS {stage} ({});\nCREATE INDEX IF NOT EXISTS temp.{} ON {stage} ({});",
                columns.join(", "),
                quote(&format!("{}_unit", stage_name(table))),
                index.join(", ")
            ))
            .map_err(Error::write(format!("stage {}", table.name)))?;
        self.staged.insert(table.name);
        Ok(())
    }

    fn existing_columns(&self, table: &str) -> Result<Vec<String>, rusqlite::Error> {
        let mut stmt = self
            .conn
            .prepare(&format!("PRAGMA table_info({})", quote(table)))?;
        stmt.query_map([], |row| row.get::<_, String>(1))?.collect()
    }
}

/// The staging table of `table`: private to the connection (SQLite's temp
/// schema, kept in a file, not in memory), so staged rows are invisible to
/// readers and vanish with the process if it dies.
fn stage_name(table: &TableDef) -> String {
    format!("stage_{}", table.name)
}

/// A unit id as SQLite's signed integer (same bits).
fn unit_key(unit: UnitId) -> i64 {
    i64::from_ne_bytes(unit.to_ne_bytes())
}

/// Quotes an identifier for SQL.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn sql_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Text | ColumnType::Timestamp | ColumnType::Json => "TEXT",
        ColumnType::Integer | ColumnType::Boolean => "INTEGER",
        ColumnType::Real => "REAL",
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Stores an incremental table's `cursor` for `target`, in the transaction
/// that writes the rows it stands for.
fn store_cursor(
    tx: &rusqlite::Transaction<'_>,
    table: &TableDef,
    target: &Target,
    cursor: Option<&str>,
    scanned_at: &str,
) -> Result<(), Error> {
    let Some(cursor) = cursor else {
        return Ok(());
    };
    tx.execute(
        "INSERT INTO cloudbuilder_cursor (table_name, account_id, region, cursor, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (table_name, account_id, region) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
        params![table.name, target.account_id, target.region.as_deref().unwrap_or(""), cursor, scanned_at],
    )
    .map_err(Error::write(format!("store the cursor of {} for {target}", table.name)))?;
    Ok(())
}

/// A cell as SQLite stores it.
struct Cell<'a>(&'a Value);

impl Cell<'_> {
    /// The cell as an owned SQL value, for parameters built from temporaries.
    fn to_sql_owned(&self) -> rusqlite::types::Value {
        use rusqlite::types::Value as Sql;
        match self.0 {
            Value::Null => Sql::Null,
            Value::Text(s) => Sql::Text(s.clone()),
            Value::Integer(n) => Sql::Integer(*n),
            Value::Real(x) => Sql::Real(*x),
            Value::Boolean(b) => Sql::Integer(i64::from(*b)),
            Value::Timestamp(t) => Sql::Text(rfc3339(*t)),
            // serde_json's writer, not `Display`: the latter goes through
            // `core::fmt` per string and costs twice as much (bench/ingest).
            Value::Json(j) => Sql::Text(serde_json::to_string(j).unwrap_or_else(|_| j.to_string())),
        }
    }
}

impl ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            // Text is the bulk of most rows: bind it without copying.
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            _ => ToSqlOutput::Owned(self.to_sql_owned()),
        })
    }
}

impl Store for SqliteStore {
    fn prepare(&mut self, defs: &[&'static TableDef]) -> Result<(), Error> {
        let tx = self
            .conn
            .transaction()
            .map_err(Error::write("begin schema"))?;
        for def in defs {
            let mut columns = vec![
                "\"_run_id\" TEXT NOT NULL".to_owned(),
                "\"_scanned_at\" TEXT NOT NULL".to_owned(),
            ];
            columns.extend(
                def.all_columns()
                    .map(|c| format!("{} {}", quote(c.name), sql_type(c.ty))),
            );
            tx.execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {} ({});\nCREATE INDEX IF NOT EXISTS {} ON {} ({});",
                quote(def.name),
                columns.join(", "),
                quote(&format!("{}_scope", def.name)),
                quote(def.name),
                def.scope
                    .columns()
                    .iter()
                    .map(|c| quote(c.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            ))
            .map_err(Error::write(format!("create table {}", def.name)))?;
        }
        tx.commit().map_err(Error::write("commit schema"))?;
        // Columns added to a table since the store was made are appended.
        for def in defs {
            let existing = self
                .existing_columns(def.name)
                .map_err(Error::write(format!("inspect {}", def.name)))?;
            for column in def
                .all_columns()
                .filter(|c| !existing.iter().any(|e| e == c.name))
            {
                self.conn
                    .execute_batch(&format!(
                        "ALTER TABLE {} ADD COLUMN {} {}",
                        quote(def.name),
                        quote(column.name),
                        sql_type(column.ty)
                    ))
                    .map_err(Error::write(format!(
                        "add column {}.{}",
                        def.name, column.name
                    )))?;
            }
        }
        Ok(())
    }

    fn begin_run(&mut self, run: &RunRecord) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT INTO cloudbuilder_run (run_id, cloud, command, started_at, status) VALUES (?1, ?2, ?3, ?4, 'running')",
                params![run.run_id, run.cloud, run.command, rfc3339(run.started_at)],
            )
            .map_err(Error::write("record the run"))?;
        Ok(())
    }

    fn stage(&mut self, unit: UnitId, table: &TableDef, rows: &[Row]) -> Result<(), Error> {
        self.ensure_stage(table)?;
        let action = || format!("stage rows of {}", table.name);
        let tx = self.conn.transaction().map_err(Error::write(action()))?;
        {
            let placeholders: Vec<String> = (1..=table.columns.len() + 1)
                .map(|i| format!("?{i}"))
                .collect();
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO temp.{} VALUES ({})",
                    quote(&stage_name(table)),
                    placeholders.join(", ")
                ))
                .map_err(Error::write(action()))?;
            let unit = Value::Integer(unit_key(unit));
            for row in rows {
                let cells = std::iter::once(&unit).chain(row.iter()).map(Cell);
                insert
                    .execute(rusqlite::params_from_iter(cells))
                    .map_err(Error::write(action()))?;
            }
        }
        tx.commit().map_err(Error::write(action()))
    }

    fn discard(&mut self, unit: UnitId, table: &TableDef) -> Result<(), Error> {
        if !self.staged.contains(table.name) {
            return Ok(());
        }
        self.conn
            .execute(
                &format!(
                    "DELETE FROM temp.{} WHERE _unit = ?1",
                    quote(&stage_name(table))
                ),
                [unit_key(unit)],
            )
            .map_err(Error::write(format!(
                "discard staged rows of {}",
                table.name
            )))?;
        Ok(())
    }

    fn commit(
        &mut self,
        unit: UnitId,
        run_id: &str,
        scanned_at: OffsetDateTime,
        table: &TableDef,
        target: &Target,
        cursor: Option<&str>,
    ) -> Result<u64, Error> {
        self.ensure_stage(table)?;
        let scanned_at = rfc3339(scanned_at);
        let action = || format!("write {} for {target}", table.name);
        let stage = format!("temp.{}", quote(&stage_name(table)));
        let unit = unit_key(unit);
        let scope = table.scope.columns();
        let scope_values: Vec<Option<&str>> = scope
            .iter()
            .map(|c| {
                if c.name == "region" {
                    target.region.as_deref()
                } else {
                    Some(target.account_id.as_str())
                }
            })
            .collect();
        // Parameters: ?1 the unit, ?2 the run, ?3 the scan time, then the scope values.
        let scope_filter: Vec<String> = scope
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} IS ?{}", quote(c.name), i + 4))
            .collect();
        let mut params: Vec<rusqlite::types::Value> = vec![
            unit.into(),
            run_id.to_owned().into(),
            scanned_at.clone().into(),
        ];
        params.extend(
            scope_values
                .iter()
                .map(|v| Cell(&Value::from(*v)).to_sql_owned()),
        );
        let own: Vec<String> = table.columns.iter().map(|c| quote(c.name)).collect();
        let names: Vec<String> = ["_run_id", "_scanned_at"]
            .into_iter()
            .chain(table.all_columns().map(|c| c.name))
            .map(quote)
            .collect();
        let scope_params: Vec<String> = (0..scope.len()).map(|i| format!("?{}", i + 4)).collect();
        let (replace, chosen) = match table.mode {
            // The scope's rows are the staged ones.
            WriteMode::Snapshot => (
                format!(
                    "DELETE FROM {} WHERE {}",
                    quote(table.name),
                    scope_filter.join(" AND ")
                ),
                format!("SELECT rowid FROM {stage} WHERE _unit = ?1"),
            ),
            // Stored rows with a staged key go; of the staged rows with one
            // key, the last staged stays.
            WriteMode::Incremental { key } => {
                let same_key: Vec<String> = key
                    .iter()
                    .map(|k| format!("s.{k} IS {t}.{k}", k = quote(k), t = quote(table.name)))
                    .collect();
                let keys: Vec<String> = key.iter().map(|k| quote(k)).collect();
                (
                    format!(
                        "DELETE FROM {t} WHERE {scope} AND EXISTS (SELECT 1 FROM {stage} s WHERE s._unit = ?1 AND {same})",
                        t = quote(table.name),
                        scope = scope_filter.join(" AND "),
                        same = same_key.join(" AND "),
                    ),
                    format!(
                        "SELECT max(rowid) FROM {stage} WHERE _unit = ?1 GROUP BY {}",
                        keys.join(", ")
                    ),
                )
            }
        };
        let insert = format!(
            "INSERT INTO {t} ({names}) SELECT ?2, ?3, {scope}{comma}{own} FROM {stage} WHERE _unit = ?1 AND rowid IN ({chosen}) ORDER BY rowid",
            t = quote(table.name),
            names = names.join(", "),
            scope = scope_params.join(", "),
            comma = if own.is_empty() { "" } else { ", " },
            own = own.join(", "),
        );
        let tx = self.conn.transaction().map_err(Error::write(action()))?;
        // Each statement takes the parameters up to the highest it names.
        let run = |sql: &str| -> rusqlite::Result<usize> {
            let mut stmt = tx.prepare(sql)?;
            let n = stmt.parameter_count().min(params.len());
            stmt.execute(rusqlite::params_from_iter(&params[..n]))
        };
        run(&replace).map_err(Error::write(action()))?;
        let written = run(&insert).map_err(Error::write(action()))?;
        tx.execute(&format!("DELETE FROM {stage} WHERE _unit = ?1"), [unit])
            .map_err(Error::write(action()))?;
        store_cursor(&tx, table, target, cursor, &scanned_at)?;
        tx.commit().map_err(Error::write("commit"))?;
        Ok(written as u64)
    }

    /// A snapshot table's one-batch unit goes straight into the table — the
    /// scope's rows deleted and the new ones inserted in one transaction —
    /// instead of through the staging table, which would write every row twice.
    fn write(
        &mut self,
        run_id: &str,
        scanned_at: OffsetDateTime,
        table: &TableDef,
        target: &Target,
        rows: &[Row],
        cursor: Option<&str>,
    ) -> Result<u64, Error> {
        if !matches!(table.mode, WriteMode::Snapshot) {
            return crate::stage_and_commit(self, run_id, scanned_at, table, target, rows, cursor);
        }
        let scanned_at = rfc3339(scanned_at);
        let action = || format!("write {} for {target}", table.name);
        let scope = table.scope.columns();
        let scope_values: Vec<Value> = scope
            .iter()
            .map(|c| {
                Value::from(if c.name == "region" {
                    target.region.as_deref()
                } else {
                    Some(target.account_id.as_str())
                })
            })
            .collect();
        let scope_filter: Vec<String> = scope
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} IS ?{}", quote(c.name), i + 1))
            .collect();
        let names: Vec<String> = ["_run_id", "_scanned_at"]
            .into_iter()
            .chain(table.all_columns().map(|c| c.name))
            .map(quote)
            .collect();
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let delete = if scope_filter.is_empty() {
            format!("DELETE FROM {}", quote(table.name))
        } else {
            format!(
                "DELETE FROM {} WHERE {}",
                quote(table.name),
                scope_filter.join(" AND ")
            )
        };
        let insert = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(table.name),
            names.join(", "),
            placeholders.join(", ")
        );
        let run = Value::Text(run_id.to_owned());
        let at = Value::Text(scanned_at.clone());
        let tx = self.conn.transaction().map_err(Error::write(action()))?;
        {
            tx.prepare_cached(&delete)
                .and_then(|mut stmt| {
                    stmt.execute(rusqlite::params_from_iter(scope_values.iter().map(Cell)))
                })
                .map_err(Error::write(action()))?;
            let mut stmt = tx.prepare_cached(&insert).map_err(Error::write(action()))?;
            for row in rows {
                let cells = [&run, &at]
                    .into_iter()
                    .chain(scope_values.iter())
                    .chain(row.iter())
                    .map(Cell);
                stmt.execute(rusqlite::params_from_iter(cells))
                    .map_err(Error::write(action()))?;
            }
        }
        store_cursor(&tx, table, target, cursor, &scanned_at)?;
        tx.commit().map_err(Error::write("commit"))?;
        Ok(rows.len() as u64)
    }

    fn cursor(&self, table: &TableDef, target: &Target) -> Result<Option<String>, Error> {
        let mut stmt = self
            .conn
            .prepare("SELECT cursor FROM cloudbuilder_cursor WHERE table_name = ?1 AND account_id = ?2 AND region = ?3")
            .map_err(|e| Error::Query(one_line(&e)))?;
        let mut rows = stmt
            .query(params![
                table.name,
                target.account_id,
                target.region.as_deref().unwrap_or("")
            ])
            .map_err(|e| Error::Query(one_line(&e)))?;
        match rows.next().map_err(|e| Error::Query(one_line(&e)))? {
            Some(row) => Ok(Some(row.get(0).map_err(|e| Error::Query(one_line(&e)))?)),
            None => Ok(None),
        }
    }

    fn record_error(
        &mut self,
        run_id: &str,
        table: &TableDef,
        target: &Target,
        error: &FetchError,
    ) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT INTO cloudbuilder_scan_error (run_id, table_name, account_id, region, kind, error_code, message, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    run_id,
                    table.name,
                    target.account_id,
                    target.region,
                    error.kind.as_str(),
                    error.code,
                    error.message,
                    rfc3339(OffsetDateTime::now_utc())
                ],
            )
            .map_err(Error::write("record an error"))?;
        Ok(())
    }

    fn finish_run(
        &mut self,
        run_id: &str,
        finished_at: OffsetDateTime,
        totals: RunTotals,
    ) -> Result<(), Error> {
        let status = if totals.errors == 0 {
            "complete"
        } else {
            "partial"
        };
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.conn
            .execute(
                "UPDATE cloudbuilder_run SET finished_at = ?2, status = ?3, units = ?4, rows = ?5, errors = ?6 WHERE run_id = ?1",
                params![run_id, rfc3339(finished_at), status, n(totals.units), n(totals.rows), n(totals.errors)],
            )
            .map_err(Error::write("finish the run"))?;
        // Readers then find everything in the database file; a checkpoint that
        // cannot finish (a reader holds the WAL) is left to the next one.
        if let Err(e) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        {
            tracing::debug!("checkpoint after the run: {e}");
        }
        Ok(())
    }

    fn query(&self, sql: &str) -> Result<QueryResult, Error> {
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| Error::Query(one_line(&e)))?;
        if !stmt.readonly() {
            return Err(Error::NotReadOnly);
        }
        let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let width = columns.len();
        let mut rows = Vec::new();
        let mut cursor = stmt.query([]).map_err(|e| Error::Query(one_line(&e)))?;
        while let Some(row) = cursor.next().map_err(|e| Error::Query(one_line(&e)))? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                let cell = row.get_ref(i).map_err(|e| Error::Query(one_line(&e)))?;
                values.push(match cell {
                    ValueRef::Null => QueryValue::Null,
                    ValueRef::Integer(n) => QueryValue::Integer(n),
                    ValueRef::Real(x) => QueryValue::Real(x),
                    ValueRef::Text(t) => QueryValue::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => QueryValue::Blob(b.to_vec()),
                });
            }
            rows.push(values);
        }
        Ok(QueryResult { columns, rows })
    }
}

fn one_line(e: &rusqlite::Error) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudbuilder_core::{Cloud, ColumnDef, Scope};

    static THING: TableDef = TableDef {
        name: "aws_thing",
        cloud: Cloud::Aws,
        description: "A thing.",
        scope: Scope::Region,
        columns: &[
            ColumnDef::new("id", ColumnType::Text, "Id."),
            ColumnDef::new("size", ColumnType::Integer, "Size."),
            ColumnDef::new("on", ColumnType::Boolean, "On."),
            ColumnDef::new("tags", ColumnType::Json, "Tags."),
            ColumnDef::new("born", ColumnType::Timestamp, "Born."),
        ],
        permissions: &[],
        mode: WriteMode::Snapshot,
        ignored_errors: &[],
    };

    fn target(account: &str, region: &str) -> Target {
        Target {
            account_id: account.into(),
            region: Some(region.into()),
        }
    }

    fn row(id: &str) -> Row {
        vec![
            id.into(),
            Value::Integer(3),
            Value::Boolean(true),
            Value::Json(serde_json::json!({"Name": "wéb-1 🚀", "env": "prod"})),
            Value::Timestamp(time::macros::datetime!(2026-01-02 03:04:05 UTC)),
        ]
    }

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = SqliteStore::open(&dir.path().join("sub/store.db")).expect("open");
        store.prepare(&[&THING]).expect("prepare");
        (dir, store)
    }

    fn count(store: &SqliteStore, sql: &str) -> i64 {
        match store.query(sql).expect("query").rows[0][0] {
            QueryValue::Integer(n) => n,
            ref other => panic!("{other:?}"),
        }
    }

    #[test]
    fn replace_swaps_one_scope_and_leaves_the_others() {
        let (_dir, mut store) = store();
        let now = OffsetDateTime::now_utc();
        store
            .write(
                "r1",
                now,
                &THING,
                &target("1", "a"),
                &[row("x"), row("y")],
                None,
            )
            .expect("write");
        store
            .write("r1", now, &THING, &target("1", "b"), &[row("z")], None)
            .expect("write");
        store
            .write("r2", now, &THING, &target("1", "a"), &[row("x")], None)
            .expect("rewrite");
        assert_eq!(count(&store, "SELECT count(*) FROM aws_thing"), 2);
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM aws_thing WHERE region = 'a' AND _run_id = 'r2'"
            ),
            1
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM aws_thing WHERE region = 'b' AND _run_id = 'r1'"
            ),
            1
        );
    }

    static EVENT: TableDef = TableDef {
        name: "aws_event",
        cloud: Cloud::Aws,
        description: "An event.",
        scope: Scope::Region,
        columns: &[
            ColumnDef::new("day", ColumnType::Text, "Day."),
            ColumnDef::new("service", ColumnType::Text, "Service."),
            ColumnDef::new("amount", ColumnType::Real, "Amount."),
        ],
        permissions: &[],
        mode: WriteMode::Incremental {
            key: &["day", "service"],
        },
        ignored_errors: &[],
    };

    #[test]
    fn incremental_rows_replace_by_key_and_the_cursor_commits_with_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = SqliteStore::open(&dir.path().join("s.db")).expect("open");
        store.prepare(&[&EVENT]).expect("prepare");
        let now = OffsetDateTime::now_utc();
        let t = target("1", "a");
        let day = |d: &str, s: &str, a: f64| vec![Value::from(d), Value::from(s), Value::Real(a)];
        assert_eq!(store.cursor(&EVENT, &t).expect("cursor"), None);
        store
            .write(
                "r1",
                now,
                &EVENT,
                &t,
                &[day("01", "ec2", 1.0), day("02", "ec2", 2.0)],
                Some("01"),
            )
            .expect("first");
        store
            .write(
                "r2",
                now,
                &EVENT,
                &t,
                &[day("02", "ec2", 2.5), day("03", "ec2", 3.0)],
                Some("02"),
            )
            .expect("second");
        let out = store
            .query("SELECT day, amount FROM aws_event ORDER BY day")
            .expect("query");
        assert_eq!(
            out.rows,
            [
                [QueryValue::Text("01".into()), QueryValue::Real(1.0)],
                [QueryValue::Text("02".into()), QueryValue::Real(2.5)],
                [QueryValue::Text("03".into()), QueryValue::Real(3.0)],
            ]
        );
        assert_eq!(
            store.cursor(&EVENT, &t).expect("cursor").as_deref(),
            Some("02")
        );
        assert_eq!(
            store.cursor(&EVENT, &target("1", "b")).expect("cursor"),
            None,
            "cursors are per target"
        );
    }

    #[test]
    fn staged_batches_are_invisible_until_their_unit_commits_and_units_stay_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.db");
        let mut store = SqliteStore::open(&path).expect("open");
        store.prepare(&[&THING]).expect("prepare");
        let now = OffsetDateTime::now_utc();
        store
            .write("r1", now, &THING, &target("1", "a"), &[row("old")], None)
            .expect("first snapshot");
        // Two units stage interleaved batches; a reader sees only the old snapshot.
        store
            .stage(10, &THING, &[row("a1"), row("a2")])
            .expect("stage");
        store.stage(11, &THING, &[row("b1")]).expect("stage");
        store.stage(10, &THING, &[row("a3")]).expect("stage");
        let reader = SqliteStore::open_read_only(&path).expect("reader");
        assert_eq!(count(&reader, "SELECT count(*) FROM aws_thing"), 1);
        let written = store
            .commit(10, "r2", now, &THING, &target("1", "a"), None)
            .expect("commit");
        assert_eq!(written, 3);
        assert_eq!(
            count(
                &reader,
                "SELECT count(*) FROM aws_thing WHERE id IN ('a1', 'a2', 'a3') AND _run_id = 'r2'"
            ),
            3
        );
        assert_eq!(
            count(&reader, "SELECT count(*) FROM aws_thing WHERE id = 'old'"),
            0
        );
        // Unit 11 failed: its batch is dropped and scope 2/a keeps what it had (nothing).
        store.discard(11, &THING).expect("discard");
        assert_eq!(
            store
                .commit(11, "r2", now, &THING, &target("2", "a"), None)
                .expect("an empty unit commits"),
            0
        );
        assert_eq!(count(&reader, "SELECT count(*) FROM aws_thing"), 3);
    }

    #[test]
    fn an_incremental_unit_keeps_the_last_staged_row_of_each_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = SqliteStore::open(&dir.path().join("s.db")).expect("open");
        store.prepare(&[&EVENT]).expect("prepare");
        let t = target("1", "a");
        let day =
            |d: &str, amount: f64| vec![Value::from(d), Value::from("ec2"), Value::Real(amount)];
        store
            .write(
                "r1",
                OffsetDateTime::now_utc(),
                &EVENT,
                &t,
                &[day("01", 1.0), day("02", 1.0)],
                Some("01"),
            )
            .expect("first");
        store.stage(5, &EVENT, &[day("02", 2.0)]).expect("stage");
        store
            .stage(5, &EVENT, &[day("02", 2.5), day("03", 3.0)])
            .expect("stage");
        store
            .commit(5, "r2", OffsetDateTime::now_utc(), &EVENT, &t, Some("02"))
            .expect("commit");
        let out = store
            .query("SELECT day, amount FROM aws_event ORDER BY day")
            .expect("query");
        assert_eq!(
            out.rows,
            [
                [QueryValue::Text("01".into()), QueryValue::Real(1.0)],
                [QueryValue::Text("02".into()), QueryValue::Real(2.5)],
                [QueryValue::Text("03".into()), QueryValue::Real(3.0)],
            ]
        );
    }

    #[test]
    fn json_columns_work_with_sqlite_json_functions_and_round_trip_unicode() {
        let (_dir, mut store) = store();
        store
            .write(
                "r",
                OffsetDateTime::now_utc(),
                &THING,
                &target("1", "a"),
                &[row("x")],
                None,
            )
            .expect("write");
        let out = store
            .query("SELECT tags ->> '$.Name', \"on\", born, account_id FROM aws_thing")
            .expect("query");
        assert_eq!(
            out.columns,
            ["tags ->> '$.Name'", "on", "born", "account_id"]
        );
        assert_eq!(
            out.rows[0],
            [
                QueryValue::Text("wéb-1 🚀".into()),
                QueryValue::Integer(1),
                QueryValue::Text("2026-01-02T03:04:05Z".into()),
                QueryValue::Text("1".into())
            ]
        );
    }

    #[test]
    fn errors_and_runs_are_recorded() {
        let (_dir, mut store) = store();
        let started = OffsetDateTime::now_utc();
        store
            .begin_run(&RunRecord {
                run_id: "r".into(),
                cloud: "aws".into(),
                command: "scan aws".into(),
                started_at: started,
            })
            .expect("begin");
        let err = FetchError::classify("UnauthorizedOperation", "You are not authorized");
        store
            .record_error("r", &THING, &target("2", "a"), &err)
            .expect("error");
        store
            .finish_run(
                "r",
                started,
                RunTotals {
                    units: 4,
                    rows: 10,
                    errors: 1,
                },
            )
            .expect("finish");
        let out = store
            .query("SELECT kind, error_code, account_id, region FROM cloudbuilder_scan_error")
            .expect("query");
        assert_eq!(out.rows[0][0], QueryValue::Text("denied".into()));
        assert_eq!(
            out.rows[0][1],
            QueryValue::Text("UnauthorizedOperation".into())
        );
        let run = store
            .query("SELECT status, units, rows, errors FROM cloudbuilder_run")
            .expect("query");
        assert_eq!(
            run.rows[0],
            [
                QueryValue::Text("partial".into()),
                QueryValue::Integer(4),
                QueryValue::Integer(10),
                QueryValue::Integer(1)
            ]
        );
    }

    #[test]
    fn queries_are_read_only_and_bad_sql_is_one_line() {
        let (_dir, store) = store();
        assert!(matches!(
            store.query("DELETE FROM aws_thing"),
            Err(Error::NotReadOnly)
        ));
        let err = store
            .query("SELEC nonsense")
            .expect_err("bad sql")
            .to_string();
        assert!(
            err.starts_with("query: ") && err.contains("syntax error"),
            "{err}"
        );
        let err = store
            .query("SELECT * FROM nowhere")
            .expect_err("no table")
            .to_string();
        assert!(err.contains("no such table: nowhere"), "{err}");
    }

    #[test]
    fn new_columns_are_added_to_an_existing_table() {
        static V1: TableDef = TableDef {
            name: "aws_thing",
            cloud: Cloud::Aws,
            description: "A thing.",
            scope: Scope::Region,
            columns: &[ColumnDef::new("id", ColumnType::Text, "Id.")],
            permissions: &[],
            mode: WriteMode::Snapshot,
            ignored_errors: &[],
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.db");
        SqliteStore::open(&path)
            .expect("open")
            .prepare(&[&V1])
            .expect("v1");
        let mut store = SqliteStore::open(&path).expect("reopen");
        store.prepare(&[&THING]).expect("v2");
        store
            .write(
                "r",
                OffsetDateTime::now_utc(),
                &THING,
                &target("1", "a"),
                &[row("x")],
                None,
            )
            .expect("write");
        assert_eq!(count(&store, "SELECT size FROM aws_thing"), 3);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_store_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, _store) = store();
        let mode = std::fs::metadata(dir.path().join("sub/store.db"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
