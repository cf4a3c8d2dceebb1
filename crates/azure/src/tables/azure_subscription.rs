//! `azure_subscription`: the subscriptions under the scan root (Resource
//! Graph `ResourceContainers`).

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType as T, Scope, TableDef, WriteMode};

/// The declaration.
pub static DEF: TableDef = TableDef {
    name: "azure_subscription",
    cloud: Cloud::Azure,
    description: "One row per subscription.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("subscription_id", T::Text, "The subscription's GUID."),
        ColumnDef::new("id", T::Text, "The subscription's resource id."),
        ColumnDef::new("display_name", T::Text, "The subscription's display name."),
        ColumnDef::new(
            "state",
            T::Text,
            "Enabled, Disabled, Warned, PastDue or Deleted.",
        ),
        ColumnDef::new("tenant_id", T::Text, "The tenant."),
        ColumnDef::new("tags", T::Json, "The tags."),
        ColumnDef::new(
            "properties",
            T::Json,
            "The subscription's properties (management group ancestry, policies).",
        ),
    ],
    permissions: &[
        super::RESOURCE_GRAPH_READ,
        "Microsoft.Resources/subscriptions/read",
    ],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
