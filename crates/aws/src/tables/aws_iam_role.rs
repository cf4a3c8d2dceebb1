//! `aws_iam_role`: IAM roles, with their trust policies.

use super::common::{IAM_READ, rows_by_page, timestamp};
use crate::scan::AwsContext;
use aws_sdk_iam::types::Role;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    Value, WriteMode,
};

/// The table.
pub struct IamRole;

static DEF: TableDef = TableDef {
    name: "aws_iam_role",
    cloud: Cloud::Aws,
    description: "An IAM role.",
    scope: Scope::Account,
    columns: &[
        ColumnDef::new("name", Text, "The role's name."),
        ColumnDef::new("arn", Text, "The role's ARN."),
        ColumnDef::new("role_id", Text, "The role's stable unique id."),
        ColumnDef::new("path", Text, "The role's path."),
        ColumnDef::new("description", Text, "The role's description."),
        ColumnDef::new("create_date", Timestamp, "When the role was created."),
        ColumnDef::new(
            "max_session_duration",
            Integer,
            "The longest session, in seconds, the role grants.",
        ),
        ColumnDef::new("assume_role_policy", Json, "The trust policy, decoded."),
    ],
    permissions: &["iam:ListRoles"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for IamRole {
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
            "ListRoles",
            ctx.iam()
                .list_roles()
                .max_items(1000)
                .into_paginator()
                .send(),
            rows,
            |page, rows| {
                rows.extend(page.roles().iter().map(row));
            },
        )
        .await
    }
}

fn row(r: &Role) -> Row {
    vec![
        r.role_name().into(),
        r.arn().into(),
        r.role_id().into(),
        r.path().into(),
        r.description().into(),
        timestamp(Some(r.create_date())),
        r.max_session_duration().into(),
        r.assume_role_policy_document()
            .map_or(Value::Null, policy_document),
    ]
}

/// IAM returns policy documents URL-encoded; the column holds the JSON itself.
pub(crate) fn policy_document(encoded: &str) -> Value {
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    match serde_json::from_str(&decoded) {
        Ok(json) => Value::Json(json),
        Err(_) => Value::Text(decoded.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_decoded_to_json() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            policy_document(encoded),
            Value::Json(serde_json::json!({"Version": "2012-10-17", "Statement": []}))
        );
        // Already-plain JSON (as some endpoints return) is kept as it is.
        assert_eq!(
            policy_document("{\"a\":1}"),
            Value::Json(serde_json::json!({"a": 1}))
        );
    }
}
