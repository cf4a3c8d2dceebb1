//! `azure_storage_account`: storage accounts under the scan root (Resource
//! Graph, `type == microsoft.storage/storageaccounts`). Metadata only: the
//! role never holds `listKeys` or a data action.

use super::graph;
use crate::scan::{AzureContext, boolean, json, text};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType as T, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};

/// The declaration.
pub static DEF: TableDef = TableDef {
    name: "azure_storage_account",
    cloud: Cloud::Azure,
    description: "One row per storage account.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("id", T::Text, "The storage account's resource id."),
        ColumnDef::new("name", T::Text, "The storage account's name."),
        ColumnDef::new("subscription_id", T::Text, "The subscription."),
        ColumnDef::new("resource_group", T::Text, "The resource group, lowercase."),
        ColumnDef::new("location", T::Text, "The region."),
        ColumnDef::new("kind", T::Text, "StorageV2, BlobStorage…"),
        ColumnDef::new("sku_name", T::Text, "The SKU, e.g. Standard_LRS."),
        ColumnDef::new(
            "https_only",
            T::Boolean,
            "Whether only HTTPS traffic is allowed (properties.supportsHttpsTrafficOnly).",
        ),
        ColumnDef::new("minimum_tls_version", T::Text, "The minimum TLS version."),
        ColumnDef::new(
            "allow_blob_public_access",
            T::Boolean,
            "Whether blobs may be public.",
        ),
        ColumnDef::new("tags", T::Json, "The tags."),
        ColumnDef::new("properties", T::Json, "The storage account's properties."),
    ],
    permissions: &[
        super::RESOURCE_GRAPH_READ,
        "Microsoft.Storage/storageAccounts/read",
    ],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

/// The table.
pub struct AzureStorageAccount;

#[async_trait::async_trait]
impl Table<AzureContext> for AzureStorageAccount {
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
        graph::query(
            ctx,
            "Resources | where type =~ 'microsoft.storage/storageaccounts' | order by id asc",
            rows,
            row,
        )
        .await
    }
}

fn row(v: &serde_json::Value) -> Row {
    vec![
        text(v, "/id"),
        text(v, "/name"),
        text(v, "/subscriptionId"),
        text(v, "/resourceGroup"),
        text(v, "/location"),
        text(v, "/kind"),
        text(v, "/sku/name"),
        boolean(v, "/properties/supportsHttpsTrafficOnly"),
        text(v, "/properties/minimumTlsVersion"),
        boolean(v, "/properties/allowBlobPublicAccess"),
        json(v, "/tags"),
        json(v, "/properties"),
    ]
}
