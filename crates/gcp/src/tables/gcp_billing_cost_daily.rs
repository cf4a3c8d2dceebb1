//! `gcp_billing_cost_daily`: daily cost per service and project, from the
//! Cloud Billing export in BigQuery; closed days are never queried again.

use crate::billing::{QueryPages, daily_cost_sql};
use crate::scan::{GcpContext, fetch_error};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, RowSink, Scope, Table, TableDef, Target, Value,
    WriteMode,
};
use time::Date;

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_billing_cost_daily",
    cloud: Cloud::Gcp,
    description: "The cost of one service in one project on one day (Cloud Billing export).",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new(
            "usage_date",
            Text,
            "The day, YYYY-MM-DD (the export's usage_start_time date).",
        ),
        ColumnDef::new("service", Text, "The service, e.g. Compute Engine."),
        ColumnDef::new("project", Text, "The project id the cost belongs to."),
        ColumnDef::new("cost", Real, "The cost that day."),
        ColumnDef::new("currency", Text, "The currency, e.g. USD."),
    ],
    permissions: &["bigquery.jobs.create"],
    mode: WriteMode::Incremental {
        key: &["usage_date", "service", "project"],
    },
    ignored_errors: &[],
};

/// The table.
pub struct GcpBillingCostDaily;

/// How many days the first scan reads.
const FIRST_SCAN_DAYS: i64 = 30;
/// A day's cost is taken as final this many days after it ends; newer days
/// are read again on every scan, older ones never.
const SETTLE_DAYS: i64 = 3;

const DAY: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

#[async_trait::async_trait]
impl Table<GcpContext> for GcpBillingCostDaily {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    /// Queries the export for the days after the cursor (the last closed
    /// day stored) up to today, every page of the job's result. The cursor
    /// moves to the newest closed day.
    async fn fetch(
        &self,
        ctx: &GcpContext,
        _target: &Target,
        cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        let Some(table) = &ctx.billing else {
            return Err(FetchError::classify(
                "NotConfigured",
                "no --billing-export-table was given",
            ));
        };
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
        let sql = daily_cost_sql(table, first, today + time::Duration::days(1));
        let (mut pages, first_page) =
            QueryPages::start(&ctx.jobs, &ctx.budgets, &ctx.retry, &table.project, &sql)
                .await
                .map_err(fetch_error)?;
        let mut page = first_page;
        loop {
            if let Some(costs) = page.take() {
                rows.extend(costs.into_iter().map(|c| {
                    vec![
                        Value::Text(c.usage_date),
                        c.service.into(),
                        c.project.into(),
                        c.cost.map_or(Value::Null, Value::Real),
                        c.currency.into(),
                    ]
                }));
                rows.flush().await?;
            }
            page = pages.next().await.map_err(fetch_error)?;
            if page.is_none() {
                break;
            }
        }
        if closed >= first {
            *cursor = Some(closed.format(DAY).unwrap_or_default());
        }
        Ok(())
    }
}
