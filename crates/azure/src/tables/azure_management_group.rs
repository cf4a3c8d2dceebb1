//! `azure_management_group`: the management groups under the scan root
//! (Resource Graph `ResourceContainers`).

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType as T, Scope, TableDef, WriteMode};

/// The declaration.
pub static DEF: TableDef = TableDef {
    name: "azure_management_group",
    cloud: Cloud::Azure,
    description: "One row per management group.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("id", T::Text, "The management group's resource id."),
        ColumnDef::new("name", T::Text, "The management group's name (its id)."),
        ColumnDef::new("display_name", T::Text, "The display name."),
        ColumnDef::new("tenant_id", T::Text, "The tenant."),
        ColumnDef::new(
            "properties",
            T::Json,
            "The management group's properties (parent, ancestry).",
        ),
    ],
    permissions: &[
        super::RESOURCE_GRAPH_READ,
        "Microsoft.Management/managementGroups/read",
    ],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
