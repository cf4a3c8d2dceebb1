//! `azure_resource`: every resource Resource Graph's `Resources` table holds
//! under the scan root, generic columns with tags and properties as JSON.

use super::graph;
use crate::scan::{AzureContext, json, text};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType as T, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};

/// The declaration.
pub static DEF: TableDef = TableDef {
    name: "azure_resource",
    cloud: Cloud::Azure,
    description: "One row per Azure resource (Resource Graph `Resources`).",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("id", T::Text, "The resource id."),
        ColumnDef::new("name", T::Text, "The resource's name."),
        ColumnDef::new(
            "type",
            T::Text,
            "The resource type, lowercase (e.g. microsoft.compute/virtualmachines).",
        ),
        ColumnDef::new("location", T::Text, "The region."),
        ColumnDef::new("resource_group", T::Text, "The resource group, lowercase."),
        ColumnDef::new("subscription_id", T::Text, "The subscription."),
        ColumnDef::new(
            "kind",
            T::Text,
            "The resource kind, where the type has kinds.",
        ),
        ColumnDef::new("sku", T::Json, "The SKU."),
        ColumnDef::new("tags", T::Json, "The tags."),
        ColumnDef::new("properties", T::Json, "The resource's properties."),
    ],
    // Resource Graph answers only the rows whose `{type}/read` the caller
    // holds: a table of every type needs every type's read.
    permissions: &[super::RESOURCE_GRAPH_READ, "*/read"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

/// The table.
pub struct AzureResource;

#[async_trait::async_trait]
impl Table<AzureContext> for AzureResource {
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
        graph::query(ctx, "Resources | order by id asc", rows, row).await
    }
}

fn row(v: &serde_json::Value) -> Row {
    vec![
        text(v, "/id"),
        text(v, "/name"),
        text(v, "/type"),
        text(v, "/location"),
        text(v, "/resourceGroup"),
        text(v, "/subscriptionId"),
        text(v, "/kind"),
        json(v, "/sku"),
        json(v, "/tags"),
        json(v, "/properties"),
    ]
}
