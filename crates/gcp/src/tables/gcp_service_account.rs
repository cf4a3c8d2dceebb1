//! `gcp_service_account`: IAM service accounts under the scan root.

use crate::scan::{GcpContext, text};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};
use serde_json::Value;

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_service_account",
    cloud: Cloud::Gcp,
    description: "An IAM service account.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("email", Text, "The service account's email."),
        ColumnDef::new("name", Text, "The full resource name."),
        ColumnDef::new("project", Text, "The project, as projects/NUMBER."),
        ColumnDef::new("display_name", Text, "The display name."),
        ColumnDef::new("state", Text, "The state, e.g. ENABLED."),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

/// The table.
pub struct GcpServiceAccount;

#[async_trait::async_trait]
impl Table<GcpContext> for GcpServiceAccount {
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
        super::search::rows(ctx, &["iam.googleapis.com/ServiceAccount"], rows, row).await
    }
}

fn row(v: &Value) -> Row {
    vec![
        text(v, "/additionalAttributes/email"),
        text(v, "/name"),
        text(v, "/project"),
        text(v, "/displayName"),
        text(v, "/state"),
    ]
}
