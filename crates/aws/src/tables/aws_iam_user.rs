//! `aws_iam_user`: IAM users.

use super::common::{IAM_READ, rows_by_page, timestamp};
use crate::scan::AwsContext;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, RowSink, Scope, Table, TableDef, Target, WriteMode,
};

/// The table.
pub struct IamUser;

static DEF: TableDef = TableDef {
    name: "aws_iam_user",
    cloud: Cloud::Aws,
    description: "An IAM user.",
    scope: Scope::Account,
    columns: &[
        ColumnDef::new("name", Text, "The user's name."),
        ColumnDef::new("arn", Text, "The user's ARN."),
        ColumnDef::new("user_id", Text, "The user's stable unique id."),
        ColumnDef::new("path", Text, "The user's path."),
        ColumnDef::new("create_date", Timestamp, "When the user was created."),
        ColumnDef::new(
            "password_last_used",
            Timestamp,
            "When the console password was last used, if ever.",
        ),
    ],
    permissions: &["iam:ListUsers"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for IamUser {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    async fn fetch(
        &self,
        ctx: &AwsContext,
        target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        rows_by_page(
            ctx,
            &IAM_READ,
            target,
            "ListUsers",
            ctx.iam()
                .list_users()
                .max_items(1000)
                .into_paginator()
                .send(),
            rows,
            |page, rows| {
                rows.extend(page.users().iter().map(|u| {
                    vec![
                        u.user_name().into(),
                        u.arn().into(),
                        u.user_id().into(),
                        u.path().into(),
                        timestamp(Some(u.create_date())),
                        timestamp(u.password_last_used()),
                    ]
                }));
            },
        )
        .await
    }
}
