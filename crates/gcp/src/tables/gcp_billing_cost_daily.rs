//! `gcp_billing_cost_daily`: daily cost per service and project, from the Cloud Billing export in BigQuery.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType::*, Scope, TableDef, WriteMode};

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
