//! `azure_management_group`: the management groups under the scan root
//! (Resource Graph `ResourceContainers`).

use super::graph;
use crate::scan::{AzureContext, json, text};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType as T, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};

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

/// The table.
pub struct AzureManagementGroup;

#[async_trait::async_trait]
impl Table<AzureContext> for AzureManagementGroup {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    async fn fetch(
        &self,
        ctx: &AzureContext,
        _target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        graph::query(ctx, "ResourceContainers | where type =~ 'microsoft.management/managementgroups' | order by id asc", rows, row).await
    }
}

fn row(v: &serde_json::Value) -> Row {
    vec![
        text(v, "/id"),
        text(v, "/name"),
        text(v, "/properties/displayName"),
        text(v, "/tenantId"),
        json(v, "/properties"),
    ]
}
