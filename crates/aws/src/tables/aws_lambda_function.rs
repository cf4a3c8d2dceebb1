//! `aws_lambda_function`: Lambda functions' configuration (never their code).

use super::common::{LAMBDA_READ, rows_by_page, text};
use crate::scan::AwsContext;
use aws_sdk_lambda::types::FunctionConfiguration;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    Value, WriteMode,
};

/// The table.
pub struct LambdaFunction;

static DEF: TableDef = TableDef {
    name: "aws_lambda_function",
    cloud: Cloud::Aws,
    description: "A Lambda function's configuration (the code is never read).",
    scope: Scope::Region,
    columns: &[
        ColumnDef::new("name", Text, "The function's name."),
        ColumnDef::new("arn", Text, "The function's ARN."),
        ColumnDef::new("runtime", Text, "The runtime, e.g. python3.12."),
        ColumnDef::new("handler", Text, "The handler."),
        ColumnDef::new("role", Text, "The execution role's ARN."),
        ColumnDef::new("memory_size", Integer, "Memory, in MB."),
        ColumnDef::new("timeout", Integer, "Timeout, in seconds."),
        ColumnDef::new(
            "code_size",
            Integer,
            "The deployment package's size, in bytes.",
        ),
        ColumnDef::new(
            "last_modified",
            Text,
            "When the function was last changed (ISO 8601).",
        ),
        ColumnDef::new("version", Text, "The version listed ($LATEST)."),
        ColumnDef::new("description", Text, "The function's description."),
        ColumnDef::new("package_type", Text, "Zip or Image."),
        ColumnDef::new("architectures", Json, "The instruction set architectures."),
        ColumnDef::new(
            "vpc_id",
            Text,
            "The VPC the function is attached to, if any.",
        ),
    ],
    permissions: &["lambda:ListFunctions"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for LambdaFunction {
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
            &LAMBDA_READ,
            target,
            "ListFunctions",
            ctx.lambda()
                .list_functions()
                .max_items(50)
                .into_paginator()
                .send(),
            rows,
            |page, rows| {
                rows.extend(page.functions().iter().map(row));
            },
        )
        .await
    }
}

fn row(f: &FunctionConfiguration) -> Row {
    let architectures: Vec<&str> = f.architectures().iter().map(|a| a.as_str()).collect();
    vec![
        f.function_name().into(),
        f.function_arn().into(),
        text(f.runtime()),
        f.handler().into(),
        f.role().into(),
        f.memory_size().into(),
        f.timeout().into(),
        Some(f.code_size()).into(),
        f.last_modified().into(),
        f.version().into(),
        f.description().into(),
        text(f.package_type()),
        Value::Json(architectures.into()),
        f.vpc_config()
            .and_then(|v| v.vpc_id())
            .filter(|v| !v.is_empty())
            .into(),
    ]
}
