//! `azure_cost_by_service_daily`: a subscription's daily cost per service
//! from Cost Management (`Query_Usage`); closed days are never asked again.

use crate::scan::{AzureContext, fetch_error};
use azure_core::http::Method;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType as T, FetchError, RowSink, Scope, Table, TableDef, Target, Value,
    WriteMode,
};
use serde_json::json;
use time::Date;

/// The declaration.
pub static DEF: TableDef = TableDef {
    name: "azure_cost_by_service_daily",
    cloud: Cloud::Azure,
    description: "One row per subscription, day and service: the pre-tax cost.",
    scope: Scope::Subscription,
    columns: &[
        ColumnDef::new("usage_date", T::Text, "The day (YYYY-MM-DD, UTC)."),
        ColumnDef::new(
            "service_name",
            T::Text,
            "The service, e.g. Virtual Machines.",
        ),
        ColumnDef::new("cost", T::Real, "The pre-tax cost."),
        ColumnDef::new("currency", T::Text, "The currency, e.g. USD."),
        ColumnDef::new(
            "estimated",
            T::Boolean,
            "True while the day is still open (it is asked again).",
        ),
    ],
    permissions: &["Microsoft.CostManagement/query/read"],
    mode: WriteMode::Incremental {
        key: &["usage_date", "service_name"],
    },
    ignored_errors: &[],
};

/// The table.
pub struct AzureCostByServiceDaily;

const API_VERSION: &str = "2025-03-01";
/// How many days the first scan of a subscription reads.
const FIRST_SCAN_DAYS: i64 = 30;
/// A day's usage is final this many days after it ends; newer days are
/// estimates, asked again on every scan. Older days are never asked again.
const SETTLE_DAYS: i64 = 3;

#[async_trait::async_trait]
impl Table<AzureContext> for AzureCostByServiceDaily {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    /// Asks Query_Usage for the days after the cursor (the last closed day
    /// stored) up to today, grouped by service, following `nextLink`s (the same
    /// body POSTed to each). The cursor moves to the newest closed day.
    async fn fetch(
        &self,
        ctx: &AzureContext,
        target: &Target,
        cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        let today = ctx.now.date();
        let closed = today - time::Duration::days(SETTLE_DAYS);
        let first = cursor
            .as_deref()
            .and_then(|c| Date::parse(c, DAY).ok())
            .map(|c| c + time::Duration::days(1))
            .unwrap_or(today - time::Duration::days(FIRST_SCAN_DAYS));
        if first > today {
            return Ok(());
        }
        let day = |d: Date| d.format(DAY).unwrap_or_default();
        let body = json!({
            "type": "ActualCost",
            "timeframe": "Custom",
            "timePeriod": {
                "from": format!("{}T00:00:00Z", day(first)),
                "to": format!("{}T23:59:59Z", day(today)),
            },
            "dataset": {
                "granularity": "Daily",
                "aggregation": {"PreTaxCost": {"name": "PreTaxCost", "function": "Sum"}},
                "grouping": [{"type": "Dimension", "name": "ServiceName"}],
            },
        });
        let path = format!(
            "{}/providers/Microsoft.CostManagement/query",
            ctx.subscription_scope(&target.account_id)
        );
        let mut next = Some(ctx.arm.url(&path, API_VERSION, &[]).map_err(fetch_error)?);
        while let Some(url) = next.take() {
            let page = ctx
                .arm
                .send("Query_Usage", Method::Post, url, Some(&body))
                .await
                .and_then(|a| a.into_ok("Query_Usage"))
                .map_err(fetch_error)?;
            let props = &page["properties"];
            let columns: Vec<&str> = props["columns"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| c["name"].as_str().unwrap_or_default())
                .collect();
            let at = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
            let (Some(cost), Some(service), Some(date)) =
                (at("PreTaxCost"), at("ServiceName"), at("UsageDate"))
            else {
                return Err(FetchError::classify(
                    "UnexpectedAnswer",
                    format!(
                        "Query_Usage columns {columns:?} lack PreTaxCost, ServiceName or UsageDate"
                    ),
                ));
            };
            let currency = at("Currency");
            for r in props["rows"].as_array().into_iter().flatten() {
                let Some(usage) = usage_date(&r[date]) else {
                    continue;
                };
                rows.push(vec![
                    Value::Text(day(usage)),
                    r[service]
                        .as_str()
                        .map_or(Value::Null, |s| Value::Text(s.to_owned())),
                    r[cost].as_f64().map_or(Value::Null, Value::Real),
                    currency
                        .and_then(|c| r[c].as_str())
                        .map_or(Value::Null, |s| Value::Text(s.to_owned())),
                    Value::Boolean(usage > closed),
                ]);
            }
            rows.flush().await?;
            if let Some(link) = props["nextLink"].as_str() {
                next = Some(
                    ctx.arm
                        .next_link("Query_Usage", link)
                        .map_err(fetch_error)?,
                );
            }
        }
        if closed >= first {
            *cursor = Some(day(closed));
        }
        Ok(())
    }
}

const DAY: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Cost Management's `UsageDate`: a number `yyyymmdd`.
fn usage_date(v: &serde_json::Value) -> Option<Date> {
    let n = v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))?;
    let month = time::Month::try_from(u8::try_from(n / 100 % 100).ok()?).ok()?;
    Date::from_calendar_date(
        i32::try_from(n / 10_000).ok()?,
        month,
        u8::try_from(n % 100).ok()?,
    )
    .ok()
}
