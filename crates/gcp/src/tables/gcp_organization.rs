//! `gcp_organization`: the organization above the scan root.

use crate::scan::{GcpContext, short_name, text, timestamp};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};
use serde_json::Value;

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_organization",
    cloud: Cloud::Gcp,
    description: "A GCP organization.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("name", Text, "The organization's name, organizations/ID."),
        ColumnDef::new("organization_id", Text, "The numeric id."),
        ColumnDef::new("display_name", Text, "The display name (the domain)."),
        ColumnDef::new("state", Text, "The lifecycle state."),
        ColumnDef::new(
            "create_time",
            Timestamp,
            "When the organization was created.",
        ),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

/// The table.
pub struct GcpOrganization;

#[async_trait::async_trait]
impl Table<GcpContext> for GcpOrganization {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    /// The organizations the scan found before its units ran: no request of its own.
    async fn fetch(
        &self,
        ctx: &GcpContext,
        _target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        super::search::found(&ctx.containers.organizations, rows, row).await
    }
}

fn row(v: &Value) -> Row {
    let name = v["name"].as_str().map(short_name);
    vec![
        name.into(),
        name.and_then(|n| n.strip_prefix("organizations/")).into(),
        text(v, "/displayName"),
        text(v, "/state"),
        timestamp(v, "/createTime"),
    ]
}
