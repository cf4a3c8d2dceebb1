//! `aws_region`: the regions an account can use.

use super::common::{EC2_DESCRIBE, fetch_error};
use crate::scan::AwsContext;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, RowSink, Scope, Table, TableDef, Target, WriteMode,
};

/// The table.
pub struct AwsRegion;

static DEF: TableDef = TableDef {
    name: "aws_region",
    cloud: Cloud::Aws,
    description: "A region, enabled or not, as the account sees it.",
    scope: Scope::Account,
    columns: &[
        ColumnDef::new("name", Text, "The region's name, e.g. eu-west-1."),
        ColumnDef::new(
            "opt_in_status",
            Text,
            "opt-in-not-required, opted-in or not-opted-in.",
        ),
        ColumnDef::new("endpoint", Text, "The region's EC2 endpoint."),
    ],
    permissions: &["ec2:DescribeRegions"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for AwsRegion {
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
        ctx.budgets.acquire(&EC2_DESCRIBE, target).await;
        let out = ctx
            .ec2()
            .describe_regions()
            .all_regions(true)
            .send()
            .await
            .map_err(|e| fetch_error("DescribeRegions", e))?;
        rows.extend(out.regions().iter().map(|r| {
            vec![
                r.region_name().into(),
                r.opt_in_status().into(),
                r.endpoint().into(),
            ]
        }));
        Ok(())
    }
}
