//! `azure_subscription`: the subscriptions under the scan root (Resource
//! Graph `ResourceContainers`).

use super::graph;
use crate::scan::{AzureContext, json, text};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType as T, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};

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

/// The table.
pub struct AzureSubscription;

#[async_trait::async_trait]
impl Table<AzureContext> for AzureSubscription {
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
        graph::query(ctx, "ResourceContainers | where type =~ 'microsoft.resources/subscriptions' | order by id asc", rows, row).await
    }
}

fn row(v: &serde_json::Value) -> Row {
    vec![
        text(v, "/subscriptionId"),
        text(v, "/id"),
        text(v, "/name"),
        text(v, "/properties/state"),
        text(v, "/tenantId"),
        json(v, "/tags"),
        json(v, "/properties"),
    ]
}
