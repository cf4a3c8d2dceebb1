//! `azure_cost_by_service_daily`: a subscription's daily cost per service
//! from Cost Management (`Query_Usage`); closed days are never asked again.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType as T, Scope, TableDef, WriteMode};

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
