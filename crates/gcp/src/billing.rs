//! The Cloud Billing export in BigQuery: the table's name as the user gives
//! it (`project.dataset.table`), and the daily cost query run over it with
//! `jobs.query` (GoogleSQL), following `jobComplete: false` and result pages
//! through `jobs.getQueryResults`.

use crate::error::{Error, Result};
use crate::retry::{self, Failure, Retry};
use cloudbuilder_core::RateBudgets;
use google_cloud_bigquery_v2::client::JobService;
use google_cloud_bigquery_v2::model::QueryRequest;
use serde_json::Value;
use std::fmt;
use time::Date;

/// `project.dataset.table`: where the standard usage cost export lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingTable {
    /// The project that holds the dataset; the query job runs there.
    pub project: String,
    /// The dataset.
    pub dataset: String,
    /// The table, e.g. gcp_billing_export_v1_XXXXXX_XXXXXX_XXXXXX.
    pub table: String,
}

const ALLOWED: &str = "allowed is PROJECT.DATASET.TABLE, e.g. billing-admin.billing_export.gcp_billing_export_v1_0A0A0A_0B0B0B_0C0C0C";

impl BillingTable {
    /// Parses `text`, naming `field` in the error.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid(field, format!("'{text}' {why}; {ALLOWED}"));
        let parts: Vec<&str> = text.split('.').collect();
        let [project, dataset, table] = parts.as_slice() else {
            return Err(bad("is not three names joined by dots"));
        };
        if !crate::scope::project_id(project) {
            return Err(bad(
                "does not start with a project id (6-30 of a-z, 0-9 and -, starting with a letter)",
            ));
        }
        let word = |s: &str, max: usize| {
            (1..=max).contains(&s.len())
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        };
        if !word(dataset, 1024) {
            return Err(bad(
                "has a dataset name that is not 1-1024 of letters, digits and _",
            ));
        }
        if !word(table, 1024) {
            return Err(bad(
                "has a table name that is not 1-1024 of letters, digits and _",
            ));
        }
        Ok(BillingTable {
            project: (*project).to_owned(),
            dataset: (*dataset).to_owned(),
            table: (*table).to_owned(),
        })
    }
}

impl fmt::Display for BillingTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.project, self.dataset, self.table)
    }
}

/// One row of the daily cost query.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyCost {
    /// The day, YYYY-MM-DD.
    pub usage_date: String,
    /// The service's description.
    pub service: Option<String>,
    /// The project id.
    pub project: Option<String>,
    /// The summed cost.
    pub cost: Option<f64>,
    /// The currency.
    pub currency: Option<String>,
}

/// The GoogleSQL that sums the export's cost by day, service and project for
/// usage days from `from` up to, not including, `to`. Dates are formatted by
/// us and the table name is checked, so nothing user-given is spliced raw.
pub fn daily_cost_sql(table: &BillingTable, from: Date, to_exclusive: Date) -> String {
    format!(
        "SELECT DATE(usage_start_time) AS usage_date, service.description AS service, \
         project.id AS project_id, SUM(cost) AS cost, currency \
         FROM `{table}` \
         WHERE DATE(usage_start_time) >= DATE '{from}' AND DATE(usage_start_time) < DATE '{to_exclusive}' \
         GROUP BY usage_date, service, project_id, currency \
         ORDER BY usage_date, project_id, service"
    )
}

/// Rows asked for per page.
const PAGE: u32 = 10_000;
/// How long one call waits on the server for the job to finish.
const WAIT_MS: u32 = 10_000;
/// How many `jobComplete: false` answers in a row before giving up.
const MAX_POLLS: u32 = 60;

/// The pages of one query job's rows, read one at a time.
pub struct QueryPages<'a> {
    jobs: &'a JobService,
    budgets: &'a RateBudgets,
    retry: &'a Retry,
    job: Option<JobReference>,
    token: String,
    done: bool,
}

/// Where a running job is.
struct JobReference {
    project: String,
    id: String,
    location: String,
}

impl<'a> QueryPages<'a> {
    /// Starts `sql` as a GoogleSQL query job in `project` (`jobs.query`).
    /// The first page, if the job finished at once, comes from [`Self::next`].
    pub async fn start(
        jobs: &'a JobService,
        budgets: &'a RateBudgets,
        retry: &'a Retry,
        project: &str,
        sql: &str,
    ) -> Result<(QueryPages<'a>, Option<Vec<DailyCost>>)> {
        let first = retry::call(budgets, None, retry, || async move {
            jobs.query()
                .set_project_id(project)
                .set_query_request(
                    QueryRequest::new()
                        .set_query(sql)
                        .set_use_legacy_sql(false)
                        .set_max_results(PAGE)
                        .set_timeout_ms(WAIT_MS),
                )
                .send()
                .await
                .map_err(|e| Failure::from_gax("jobs.query", e))
        })
        .await?;
        let reference = first.job_reference.ok_or_else(|| Error::Unexpected {
            operation: "jobs.query",
            message: "no jobReference".into(),
        })?;
        let complete = first.job_complete.unwrap_or(false);
        let pages = QueryPages {
            jobs,
            budgets,
            retry,
            job: Some(JobReference {
                project: reference.project_id,
                id: reference.job_id,
                location: reference.location.unwrap_or_default(),
            }),
            done: complete && first.page_token.is_empty(),
            token: first.page_token,
        };
        Ok((pages, complete.then(|| parse_rows(&first.rows))))
    }

    /// The next page of rows (`jobs.getQueryResults`), waiting for the job to
    /// finish first; None after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<DailyCost>>> {
        let Some(job) = self.job.as_ref().filter(|_| !self.done) else {
            return Ok(None);
        };
        let (project, id, location) = (job.project.clone(), job.id.clone(), job.location.clone());
        let (project, id, location) = (&project, &id, &location);
        let (jobs, budgets, retry) = (self.jobs, self.budgets, self.retry);
        for _ in 0..MAX_POLLS {
            let token = &self.token.clone();
            let page = retry::call(budgets, None, retry, || async move {
                jobs.get_query_results()
                    .set_project_id(project)
                    .set_job_id(id)
                    .set_location(location)
                    .set_page_token(token)
                    .set_max_results(PAGE)
                    .set_timeout_ms(WAIT_MS)
                    .send()
                    .await
                    .map_err(|e| Failure::from_gax("jobs.getQueryResults", e))
            })
            .await?;
            if page.job_complete.unwrap_or(false) {
                self.done = page.page_token.is_empty();
                self.token = page.page_token;
                return Ok(Some(parse_rows(&page.rows)));
            }
        }
        Err(Error::Unexpected {
            operation: "jobs.getQueryResults",
            message: format!("job {id} did not finish"),
        })
    }
}

/// BigQuery's row shape (`{"f": [{"v": …}]}`) in the query's column order.
fn parse_rows(rows: &[serde_json::Map<String, Value>]) -> Vec<DailyCost> {
    rows.iter()
        .filter_map(|row| {
            let cells = row.get("f")?.as_array()?;
            let cell = |i: usize| {
                cells
                    .get(i)
                    .and_then(|c| c.get("v"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            Some(DailyCost {
                usage_date: cell(0)?,
                service: cell(1),
                project: cell(2),
                cost: cell(3).and_then(|c| c.parse().ok()),
                currency: cell(4),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_export_table_and_names_the_field() {
        let t = BillingTable::parse(
            "--billing-export-table",
            "billing-admin.billing_export.gcp_v1",
        )
        .expect("valid");
        assert_eq!(t.project, "billing-admin");
        assert_eq!(t.to_string(), "billing-admin.billing_export.gcp_v1");
        for bad in [
            "billing",
            "a.b",
            "Billing-Admin.d.t",
            "proj-1.d-x.t",
            "proj-1.d.t.x",
            "proj-1..t",
            "proj-1.d.t`; DROP",
        ] {
            let err = BillingTable::parse("--billing-export-table", bad).expect_err(bad);
            assert!(err.is_usage());
            assert!(
                err.to_string().starts_with("--billing-export-table: "),
                "{err}"
            );
        }
    }

    #[test]
    fn the_query_is_standard_sql_bounded_by_dates() {
        let t = BillingTable::parse("f", "billing-admin.ds.tbl").expect("valid");
        let d = |s| {
            Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).expect("date")
        };
        let sql = daily_cost_sql(&t, d("2026-11-01"), d("2026-11-05"));
        assert!(sql.contains("FROM `billing-admin.ds.tbl`"), "{sql}");
        assert!(
            sql.contains(">= DATE '2026-11-01'") && sql.contains("< DATE '2026-11-05'"),
            "{sql}"
        );
    }

    #[test]
    fn rows_are_read_by_position() {
        let rows: Vec<serde_json::Map<String, Value>> = serde_json::from_value(serde_json::json!([
            {"f": [{"v": "2026-11-01"}, {"v": "Compute Engine"}, {"v": "alpha-prod"}, {"v": "12.5"}, {"v": "USD"}]},
            {"f": [{"v": null}]}
        ]))
        .expect("rows");
        let parsed = parse_rows(&rows);
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].cost, Some(12.5));
        assert_eq!(parsed[0].project.as_deref(), Some("alpha-prod"));
    }
}
