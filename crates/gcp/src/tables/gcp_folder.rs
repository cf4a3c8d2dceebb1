//! `gcp_folder`: folders under the scan root.

use crate::scan::{GcpContext, short_name, text, timestamp};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};
use serde_json::Value;

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_folder",
    cloud: Cloud::Gcp,
    description: "A GCP folder.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("name", Text, "The folder's name, folders/ID."),
        ColumnDef::new("folder_id", Text, "The numeric id."),
        ColumnDef::new("display_name", Text, "The display name."),
        ColumnDef::new(
            "parent",
            Text,
            "The parent, organizations/ID or folders/ID.",
        ),
        ColumnDef::new("state", Text, "The lifecycle state."),
        ColumnDef::new("create_time", Timestamp, "When the folder was created."),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

/// The table.
pub struct GcpFolder;

#[async_trait::async_trait]
impl Table<GcpContext> for GcpFolder {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    /// The folders the scan found before its units ran: no request of its own.
    async fn fetch(
        &self,
        ctx: &GcpContext,
        _target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        super::search::found(&ctx.containers.folders, rows, row).await
    }
}

fn row(v: &Value) -> Row {
    let name = v["name"].as_str().map(short_name);
    vec![
        name.into(),
        name.and_then(|n| n.strip_prefix("folders/")).into(),
        text(v, "/displayName"),
        v["parentFullResourceName"].as_str().map(short_name).into(),
        text(v, "/state"),
        timestamp(v, "/createTime"),
    ]
}
