//! `azure_resource_group`: the resource groups under the scan root
//! (Resource Graph `ResourceContainers`).

use super::graph;
use crate::scan::{AzureContext, json, text};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType as T, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};

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

/// The table.
pub struct AzureResourceGroup;

#[async_trait::async_trait]
impl Table<AzureContext> for AzureResourceGroup {
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
        graph::query(ctx, "ResourceContainers | where type =~ 'microsoft.resources/subscriptions/resourcegroups' | order by id asc", rows, row).await
    }
}

fn row(v: &serde_json::Value) -> Row {
    vec![
        text(v, "/id"),
        text(v, "/name"),
        text(v, "/subscriptionId"),
        text(v, "/location"),
        text(v, "/properties/provisioningState"),
        json(v, "/tags"),
    ]
}
