//! `azure_resource_group`: the resource groups under the scan root
//! (Resource Graph `ResourceContainers`).

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType as T, Scope, TableDef, WriteMode};

/// The declaration.
pub static DEF: TableDef = TableDef {
    name: "azure_resource_group",
    cloud: Cloud::Azure,
    description: "One row per resource group.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("id", T::Text, "The resource group's resource id."),
        ColumnDef::new("name", T::Text, "The resource group's name."),
        ColumnDef::new("subscription_id", T::Text, "The subscription."),
        ColumnDef::new("location", T::Text, "The region its metadata lives in."),
        ColumnDef::new("provisioning_state", T::Text, "Succeeded, Deleting…"),
        ColumnDef::new("tags", T::Json, "The tags."),
    ],
    permissions: &[
        super::RESOURCE_GRAPH_READ,
        "Microsoft.Resources/subscriptions/resourceGroups/read",
    ],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
