//! `azure_activity_log`: a subscription's Activity Log (management events),
//! read incrementally from the stored cursor.

use crate::scan::{AzureContext, fetch_error, json, text};
use azure_core::http::Method;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType as T, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    Value, WriteMode,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The declaration.
pub static DEF: TableDef = TableDef {
    name: "azure_activity_log",
    cloud: Cloud::Azure,
    description: "One row per Activity Log event (the last 90 days, then incrementally).",
    scope: Scope::Subscription,
    columns: &[
        ColumnDef::new("event_data_id", T::Text, "The event's unique id."),
        ColumnDef::new("event_timestamp", T::Timestamp, "When the event happened."),
        ColumnDef::new(
            "submission_timestamp",
            T::Timestamp,
            "When the event became queryable.",
        ),
        ColumnDef::new(
            "operation_name",
            T::Text,
            "The operation, e.g. Microsoft.Compute/virtualMachines/write.",
        ),
        ColumnDef::new("category", T::Text, "The category, e.g. Administrative."),
        ColumnDef::new(
            "level",
            T::Text,
            "Critical, Error, Warning, Informational or Verbose.",
        ),
        ColumnDef::new("status", T::Text, "The status, e.g. Succeeded."),
        ColumnDef::new("caller", T::Text, "Who did it (a UPN or object id)."),
        ColumnDef::new("resource_id", T::Text, "The resource acted on."),
        ColumnDef::new("resource_group", T::Text, "The resource group."),
        ColumnDef::new(
            "correlation_id",
            T::Text,
            "Groups the events of one operation.",
        ),
        ColumnDef::new("event", T::Json, "The whole event."),
    ],
    permissions: &["Microsoft.Insights/eventtypes/values/read"],
    mode: WriteMode::Incremental {
        key: &["event_data_id"],
    },
    ignored_errors: &[],
};

/// The table.
pub struct AzureActivityLog;

const API_VERSION: &str = "2015-04-01";
/// How far back the first scan of a subscription reads (the log keeps 90 days).
const FIRST_SCAN: time::Duration = time::Duration::days(89);

#[async_trait::async_trait]
impl Table<AzureContext> for AzureActivityLog {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    /// Reads events from the cursor (the newest event time stored; both
    /// bounds are inclusive, and rows are keyed by `event_data_id`, so the
    /// overlap is harmless) up to now, following every `nextLink`.
    async fn fetch(
        &self,
        ctx: &AzureContext,
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
        // Whole seconds: the service's filter takes RFC 3339, and the lower
        // bound rounded down only re-reads events the key deduplicates.
        let format = |t: OffsetDateTime| {
            t.replace_nanosecond(0)
                .unwrap_or(t)
                .format(&Rfc3339)
                .unwrap_or_default()
        };
        let mut filter = format!(
            "eventTimestamp ge '{}' and eventTimestamp le '{}'",
            format(from),
            format(ctx.now)
        );
        if let Some(group) = ctx.resource_group() {
            filter.push_str(&format!(" and resourceGroupName eq '{group}'"));
        }
        let path = format!(
            "/subscriptions/{}/providers/microsoft.insights/eventtypes/management/values",
            target.account_id
        );
        let mut next = Some(
            ctx.arm
                .url(&path, API_VERSION, &[("$filter", &filter)])
                .map_err(fetch_error)?,
        );
        let mut newest = from;
        while let Some(url) = next.take() {
            let page = ctx
                .arm
                .send("ActivityLogs_List", Method::Get, url, None)
                .await
                .and_then(|a| a.into_ok("ActivityLogs_List"))
                .map_err(fetch_error)?;
            for event in page["value"].as_array().into_iter().flatten() {
                let when = event["eventTimestamp"]
                    .as_str()
                    .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
                if let Some(when) = when {
                    newest = newest.max(when);
                }
                rows.push(row(event, when));
            }
            rows.flush().await?;
            if let Some(link) = page["nextLink"].as_str() {
                next = Some(
                    ctx.arm
                        .next_link("ActivityLogs_List", link)
                        .map_err(fetch_error)?,
                );
            }
        }
        *cursor = Some(format(newest));
        Ok(())
    }
}

fn row(v: &serde_json::Value, when: Option<OffsetDateTime>) -> Row {
    let submitted = v["submissionTimestamp"]
        .as_str()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    let stamp = |t: Option<OffsetDateTime>| t.map_or(Value::Null, Value::Timestamp);
    vec![
        text(v, "/eventDataId"),
        stamp(when),
        stamp(submitted),
        text(v, "/operationName/value"),
        text(v, "/category/value"),
        text(v, "/level"),
        text(v, "/status/value"),
        text(v, "/caller"),
        text(v, "/resourceId"),
        text(v, "/resourceGroupName"),
        text(v, "/correlationId"),
        json(v, ""),
    ]
}
