//! `aws_organizations_account`: the organization's accounts, as its management account lists them.

use super::common::{ORGANIZATIONS_READ, rows_by_page, text, timestamp};
use crate::scan::AwsContext;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, RowSink, Scope, Table, TableDef, Target, WriteMode,
};

/// The table.
pub struct OrganizationsAccount;

static DEF: TableDef = TableDef {
    name: "aws_organizations_account",
    cloud: Cloud::Aws,
    description: "An account of the organization (account_id is the management account that listed it).",
    scope: Scope::Organization,
    columns: &[
        ColumnDef::new("id", Text, "The account's id."),
        ColumnDef::new("arn", Text, "The account's ARN."),
        ColumnDef::new("name", Text, "The account's name."),
        ColumnDef::new("email", Text, "The account's root email address."),
        ColumnDef::new("status", Text, "ACTIVE, SUSPENDED or PENDING_CLOSURE."),
        ColumnDef::new("joined_method", Text, "INVITED or CREATED."),
        ColumnDef::new(
            "joined_timestamp",
            Timestamp,
            "When it joined the organization.",
        ),
    ],
    permissions: &["organizations:ListAccounts"],
    mode: WriteMode::Snapshot,
    ignored_errors: &["AWSOrganizationsNotInUseException"],
};

#[async_trait::async_trait]
impl Table<AwsContext> for OrganizationsAccount {
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
            &ORGANIZATIONS_READ,
            target,
            "ListAccounts",
            ctx.organizations().list_accounts().into_paginator().send(),
            rows,
            |page, rows| {
                rows.extend(page.accounts().iter().map(|a| {
                    vec![
                        a.id().into(),
                        a.arn().into(),
                        a.name().into(),
                        a.email().into(),
                        #[allow(deprecated)]
                        text(a.status()),
                        text(a.joined_method()),
                        timestamp(a.joined_timestamp()),
                    ]
                }));
            },
        )
        .await
    }
}
