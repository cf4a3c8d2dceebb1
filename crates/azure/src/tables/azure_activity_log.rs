//! `azure_activity_log`: a subscription's Activity Log (management events),
//! read incrementally from the stored cursor.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType as T, Scope, TableDef, WriteMode};

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
