//! Cost Explorer, shared by the cost tables.
//!
//! Every GetCostAndUsage request (every page) costs USD 0.01, so a period
//! that has closed and is in the store is never asked for again: each table's
//! cursor is the last closed period stored, and a scan asks only for what
//! follows it — at least the open period (today, or this month), whose
//! figures still move. The SDK has no paginator for this operation; the
//! `NextPageToken` loop below is the whole of it.

use super::common::fetch_error;
use crate::scan::AwsContext;
use aws_sdk_costexplorer::types::{
    DateInterval, Granularity, GroupDefinition, GroupDefinitionType, MetricValue,
};
use cloudbuilder_core::{
    ApiBudget, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Target, Value,
};
use std::collections::HashMap;
use time::{Date, Duration, Month};

/// Cost Explorer's API: a handful of requests per second per account.
pub const COST_EXPLORER: ApiBudget = ApiBudget {
    name: "ce:Read",
    burst: 5,
    per_second: 5,
};

/// The metrics requested, in the order of their amount columns below.
const METRICS: [&str; 5] = [
    "UnblendedCost",
    "BlendedCost",
    "AmortizedCost",
    "NetUnblendedCost",
    "UsageQuantity",
];

/// The columns after the group column, shared by the cost tables.
const METRIC_COLUMNS: [ColumnDef; 7] = [
    ColumnDef::new(
        "estimated",
        Boolean,
        "Whether AWS still marks the figures as estimated.",
    ),
    ColumnDef::new("unblended_cost_amount", Real, "Unblended cost."),
    ColumnDef::new(
        "unblended_cost_unit",
        Text,
        "The currency of the cost amounts, e.g. USD.",
    ),
    ColumnDef::new("blended_cost_amount", Real, "Blended cost."),
    ColumnDef::new("amortized_cost_amount", Real, "Amortized cost."),
    ColumnDef::new(
        "net_unblended_cost_amount",
        Real,
        "Net unblended cost (after discounts).",
    ),
    ColumnDef::new(
        "usage_quantity_amount",
        Real,
        "Usage quantity, summed across usage types.",
    ),
];

/// A cost table's columns: the period, its `group` column, then the metrics.
pub const fn columns(group: ColumnDef) -> [ColumnDef; 10] {
    let m = METRIC_COLUMNS;
    [
        ColumnDef::new("period_start", Text, "The period's first day (YYYY-MM-DD)."),
        ColumnDef::new("period_end", Text, "The day after the period (YYYY-MM-DD)."),
        group,
        m[0],
        m[1],
        m[2],
        m[3],
        m[4],
        m[5],
        m[6],
    ]
}

/// How a cost table slices time and what it groups by.
pub struct CostQuery {
    /// DAILY or MONTHLY.
    pub granularity: Granularity,
    /// The Cost Explorer dimension, e.g. SERVICE or LINKED_ACCOUNT.
    pub dimension: &'static str,
    /// How far back the first scan reaches.
    pub first_scan: Duration,
}

/// The periods a scan asks for: after the cursor, up to and including the open one.
fn window(query: &CostQuery, today: Date, cursor: Option<&str>) -> (Date, Date, Date) {
    let parse = |s: &str| Date::parse(s, &time::format_description::well_known::Iso8601::DATE).ok();
    match query.granularity {
        Granularity::Monthly => {
            let this_month = today.replace_day(1).unwrap_or(today);
            let next_month = add_month(this_month);
            let last_closed = previous_month(this_month);
            let first = match cursor.and_then(parse) {
                Some(done) => add_month(done),
                None => (this_month - query.first_scan)
                    .replace_day(1)
                    .unwrap_or(this_month),
            };
            (first.min(this_month), next_month, last_closed)
        }
        _ => {
            let first = match cursor.and_then(parse) {
                Some(done) => done.next_day().unwrap_or(today),
                None => today - query.first_scan,
            };
            (
                first.min(today),
                today.next_day().unwrap_or(today),
                today.previous_day().unwrap_or(today),
            )
        }
    }
}

fn add_month(d: Date) -> Date {
    let (year, month) = if d.month() == Month::December {
        (d.year() + 1, Month::January)
    } else {
        (d.year(), d.month().next())
    };
    Date::from_calendar_date(year, month, 1).unwrap_or(d)
}

fn previous_month(first_of_month: Date) -> Date {
    let (year, month) = if first_of_month.month() == Month::January {
        (first_of_month.year() - 1, Month::December)
    } else {
        (first_of_month.year(), first_of_month.month().previous())
    };
    Date::from_calendar_date(year, month, 1).unwrap_or(first_of_month)
}

/// Fetches the periods after `cursor` for `target`, one row per (period, group).
pub async fn fetch(
    ctx: &AwsContext,
    target: &Target,
    table: &'static str,
    query: &CostQuery,
    cursor: &mut Option<String>,
    rows: &mut RowSink,
) -> Result<(), FetchError> {
    let (start, end, last_closed) = window(query, ctx.today, cursor.as_deref());
    let interval = DateInterval::builder()
        .start(start.to_string())
        .end(end.to_string())
        .build()
        .map_err(|e| FetchError::classify("InternalError", e.to_string()))?;
    let mut token: Option<String> = None;
    loop {
        ctx.budgets.acquire(&COST_EXPLORER, target).await;
        tracing::info!(table, start = %start, end = %end, "Cost Explorer request (USD 0.01)");
        let mut request = ctx
            .cost_explorer()
            .get_cost_and_usage()
            .time_period(interval.clone())
            .granularity(query.granularity.clone())
            .group_by(
                GroupDefinition::builder()
                    .r#type(GroupDefinitionType::Dimension)
                    .key(query.dimension)
                    .build(),
            )
            .set_next_page_token(token.take());
        for metric in METRICS {
            request = request.metrics(metric);
        }
        let page = request
            .send()
            .await
            .map_err(|e| fetch_error("GetCostAndUsage", e))?;
        for period in page.results_by_time() {
            let (period_start, period_end) = period
                .time_period()
                .map_or(("", ""), |p| (p.start(), p.end()));
            for group in period.groups() {
                let name = group.keys().join(" / ");
                rows.push(row(
                    period_start,
                    period_end,
                    &name,
                    period.estimated(),
                    group.metrics(),
                ));
            }
        }
        token = page
            .next_page_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    // Everything up to the last closed period is now in the rows being stored.
    *cursor = Some(last_closed.to_string());
    Ok(())
}

fn row(
    start: &str,
    end: &str,
    group: &str,
    estimated: bool,
    metrics: Option<&HashMap<String, MetricValue>>,
) -> Row {
    let amount = |metric: &str| -> Value {
        metrics
            .and_then(|m| m.get(metric))
            .and_then(|v| v.amount())
            .and_then(|a| a.parse::<f64>().ok())
            .map_or(Value::Null, Value::Real)
    };
    let unit = metrics
        .and_then(|m| m.get("UnblendedCost"))
        .and_then(|v| v.unit());
    let mut row: Row = vec![
        start.into(),
        end.into(),
        group.into(),
        Value::Boolean(estimated),
    ];
    row.push(amount(METRICS[0]));
    row.push(unit.into());
    row.extend(METRICS[1..].iter().map(|metric| amount(metric)));
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const DAILY: CostQuery = CostQuery {
        granularity: Granularity::Daily,
        dimension: "SERVICE",
        first_scan: Duration::days(90),
    };

    fn monthly() -> CostQuery {
        CostQuery {
            granularity: Granularity::Monthly,
            dimension: "LINKED_ACCOUNT",
            first_scan: Duration::days(365),
        }
    }

    #[test]
    fn daily_window_starts_after_the_last_closed_day_and_always_includes_today() {
        let today = date!(2026 - 12 - 03);
        assert_eq!(
            window(&DAILY, today, None),
            (
                date!(2026 - 09 - 04),
                date!(2026 - 12 - 04),
                date!(2026 - 12 - 02)
            )
        );
        assert_eq!(
            window(&DAILY, today, Some("2026-12-02")),
            (
                date!(2026 - 12 - 03),
                date!(2026 - 12 - 04),
                date!(2026 - 12 - 02)
            ),
            "only the open day is asked for again"
        );
        assert_eq!(
            window(&DAILY, today, Some("2026-11-30")).0,
            date!(2026 - 12 - 01)
        );
        assert_eq!(
            window(&DAILY, today, Some("garbage")).0,
            date!(2026 - 09 - 04),
            "a bad cursor means a fresh start"
        );
    }

    #[test]
    fn monthly_window_works_in_whole_months_across_years() {
        let today = date!(2027 - 01 - 15);
        assert_eq!(
            window(&monthly(), today, None),
            (
                date!(2026 - 01 - 01),
                date!(2027 - 02 - 01),
                date!(2026 - 12 - 01)
            )
        );
        assert_eq!(
            window(&monthly(), today, Some("2026-12-01")).0,
            date!(2027 - 01 - 01)
        );
    }

    #[test]
    fn metrics_become_columns_in_declaration_order() {
        let mut metrics = HashMap::new();
        metrics.insert(
            "UnblendedCost".to_owned(),
            MetricValue::builder().amount("1.25").unit("USD").build(),
        );
        metrics.insert(
            "UsageQuantity".to_owned(),
            MetricValue::builder().amount("7").unit("N/A").build(),
        );
        let r = row(
            "2026-12-01",
            "2026-12-02",
            "Amazon EC2",
            true,
            Some(&metrics),
        );
        assert_eq!(r.len(), columns(ColumnDef::new("service", Text, "x")).len());
        assert_eq!(r[3], Value::Boolean(true));
        assert_eq!(r[4], Value::Real(1.25));
        assert_eq!(r[5], Value::Text("USD".into()));
        assert_eq!(r[6], Value::Null);
        assert_eq!(r[9], Value::Real(7.0));
    }
}
