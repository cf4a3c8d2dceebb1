//! `gcp_audit_log`: Cloud Audit Logs entries of each project (and the
//! organization or folder), read with Logging's `entries.list` from the
//! stored timestamp cursor, so each entry is read once.

use crate::retry::{self, LOGGING_READ};
use crate::scan::{GcpContext, fetch_error, json, text, timestamp};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_audit_log",
    cloud: Cloud::Gcp,
    description: "A Cloud Audit Logs entry (cloudaudit.googleapis.com logs). The organization's and folders' own entries carry organizations/ID or folders/ID as project_id.",
    scope: Scope::Project,
    columns: &[
        ColumnDef::new("insert_id", Text, "The entry's unique id within its log."),
        ColumnDef::new(
            "log_name",
            Text,
            "The log, e.g. projects/p/logs/cloudaudit.googleapis.com%2Factivity.",
        ),
        ColumnDef::new("timestamp", Timestamp, "When the event happened."),
        ColumnDef::new("severity", Text, "The severity."),
        ColumnDef::new(
            "service_name",
            Text,
            "The API service, e.g. compute.googleapis.com.",
        ),
        ColumnDef::new("method_name", Text, "The API method."),
        ColumnDef::new("resource_name", Text, "The resource acted on."),
        ColumnDef::new("principal_email", Text, "Who acted."),
        ColumnDef::new("entry", Json, "The whole LogEntry."),
    ],
    permissions: &["logging.logEntries.list"],
    mode: WriteMode::Incremental {
        key: &["log_name", "insert_id"],
    },
    ignored_errors: &[],
};

/// The table.
pub struct GcpAuditLog;

/// How far back the first scan of a project reads (Data Access logs are kept 30 days).
const FIRST_SCAN: time::Duration = time::Duration::days(30);
/// Entries asked for per page (the API's maximum).
const PAGE: u32 = 1000;
/// The audit logs, by log id.
const AUDIT_LOGS: [&str; 4] = [
    "cloudaudit.googleapis.com/activity",
    "cloudaudit.googleapis.com/data_access",
    "cloudaudit.googleapis.com/system_event",
    "cloudaudit.googleapis.com/policy",
];

#[async_trait::async_trait]
impl Table<GcpContext> for GcpAuditLog {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    /// Reads the target's own audit entries from the cursor (the newest
    /// entry's timestamp stored, inclusive: rows are keyed by log and insert
    /// id, so the overlap is harmless), oldest first, following every
    /// `nextPageToken`. The cursor moves to the newest entry read.
    async fn fetch(
        &self,
        ctx: &GcpContext,
        target: &Target,
        cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        let oldest = ctx.now - FIRST_SCAN;
        let from = cursor
            .as_deref()
            .and_then(|c| OffsetDateTime::parse(c, &Rfc3339).ok())
            .filter(|c| *c > oldest)
            .unwrap_or(oldest);
        let filter = audit_filter(from);
        let mut request = json!({
            "resourceNames": [resource_name(&target.account_id)],
            "filter": filter,
            "orderBy": "timestamp asc",
            "pageSize": PAGE,
        });
        let mut newest = from;
        loop {
            let page = retry::call(&ctx.budgets, Some(&LOGGING_READ), &ctx.retry, || {
                ctx.logging.list(&request)
            })
            .await
            .map_err(fetch_error)?;
            for entry in page["entries"].as_array().into_iter().flatten() {
                if let Some(when) = entry["timestamp"]
                    .as_str()
                    .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                {
                    newest = newest.max(when);
                }
                rows.push(row(entry));
            }
            rows.flush().await?;
            match page["nextPageToken"].as_str().filter(|t| !t.is_empty()) {
                Some(token) => request["pageToken"] = json!(token),
                None => break,
            }
        }
        *cursor = Some(newest.format(&Rfc3339).unwrap_or_default());
        Ok(())
    }
}

/// Logging's name for a target: a project id becomes `projects/ID`; folders
/// and organizations are named already.
fn resource_name(target: &str) -> String {
    if target.contains('/') {
        target.to_owned()
    } else {
        format!("projects/{target}")
    }
}

/// The audit logs from `from` on, in the Logging query language.
fn audit_filter(from: OffsetDateTime) -> String {
    let logs: Vec<String> = AUDIT_LOGS
        .iter()
        .map(|id| format!("LOG_ID(\"{id}\")"))
        .collect();
    format!(
        "({}) AND timestamp >= \"{}\"",
        logs.join(" OR "),
        from.format(&Rfc3339).unwrap_or_default()
    )
}

fn row(v: &Value) -> Row {
    vec![
        text(v, "/insertId"),
        text(v, "/logName"),
        timestamp(v, "/timestamp"),
        text(v, "/severity"),
        text(v, "/protoPayload/serviceName"),
        text(v, "/protoPayload/methodName"),
        text(v, "/protoPayload/resourceName"),
        text(v, "/protoPayload/authenticationInfo/principalEmail"),
        json(v, ""),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_names_the_audit_logs_and_the_lower_bound() {
        let from = OffsetDateTime::parse("2026-11-02T09:30:00Z", &Rfc3339).expect("time");
        let filter = audit_filter(from);
        assert!(
            filter.starts_with("(LOG_ID(\"cloudaudit.googleapis.com/activity\") OR "),
            "{filter}"
        );
        assert!(
            filter.ends_with(" AND timestamp >= \"2026-11-02T09:30:00Z\""),
            "{filter}"
        );
        assert_eq!(resource_name("alpha-prod"), "projects/alpha-prod");
        assert_eq!(resource_name("folders/1001"), "folders/1001");
    }

    #[test]
    fn an_entry_becomes_a_row_in_column_order() {
        let entry = json!({"insertId": "i1", "logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
            "timestamp": "2026-11-02T09:30:00Z", "severity": "NOTICE",
            "protoPayload": {"serviceName": "compute.googleapis.com", "methodName": "insert",
                "resourceName": "r", "authenticationInfo": {"principalEmail": "a@example.com"}}});
        let r = row(&entry);
        assert_eq!(r.len(), DEF.columns.len());
        assert_eq!(r[7], cloudbuilder_core::Value::from("a@example.com"));
    }
}
