//! `gcp_storage_bucket`: Cloud Storage buckets under the scan root (never objects).

use crate::scan::{GcpContext, json, last_segment, text, timestamp};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};
use serde_json::Value;

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_storage_bucket",
    cloud: Cloud::Gcp,
    description: "A Cloud Storage bucket (bucket metadata only; objects are never read).",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("name", Text, "The bucket's name."),
        ColumnDef::new("project", Text, "The project, as projects/NUMBER."),
        ColumnDef::new("location", Text, "The location, e.g. us or europe-west1."),
        ColumnDef::new(
            "storage_class",
            Text,
            "The default storage class, where Asset Inventory reports it.",
        ),
        ColumnDef::new("labels", Json, "The labels, as {\"key\": \"value\"}."),
        ColumnDef::new("create_time", Timestamp, "When the bucket was created."),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

/// The table.
pub struct GcpStorageBucket;

#[async_trait::async_trait]
impl Table<GcpContext> for GcpStorageBucket {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    async fn fetch(
        &self,
        ctx: &GcpContext,
        _target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        super::search::rows(ctx, &["storage.googleapis.com/Bucket"], rows, row).await
    }
}

fn row(v: &Value) -> Row {
    vec![
        last_segment(v, "/name"),
        text(v, "/project"),
        text(v, "/location"),
        text(v, "/additionalAttributes/storageClass"),
        json(v, "/labels"),
        timestamp(v, "/createTime"),
    ]
}
