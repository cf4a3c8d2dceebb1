//! `aws_cost_by_account_monthly`: cost per member account per month, from Cost Explorer.

use super::cost::{self, CostQuery};
use crate::scan::AwsContext;
use aws_sdk_costexplorer::types::Granularity;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, RowSink, Scope, Table, TableDef, Target, WriteMode,
};

/// The table.
pub struct CostByAccountMonthly;

static COLUMNS: [ColumnDef; 10] = cost::columns(ColumnDef::new(
    "linked_account_id",
    Text,
    "The account the cost was incurred in.",
));

static DEF: TableDef = TableDef {
    name: "aws_cost_by_account_monthly",
    cloud: Cloud::Aws,
    description: "Cost per account per month, for the whole organization when read in its management account.",
    scope: Scope::Organization,
    columns: &COLUMNS,
    permissions: &["ce:GetCostAndUsage"],
    mode: WriteMode::Incremental {
        key: &["period_start", "linked_account_id"],
    },
    ignored_errors: &[],
};

const QUERY: CostQuery = CostQuery {
    granularity: Granularity::Monthly,
    dimension: "LINKED_ACCOUNT",
    first_scan: time::Duration::days(365),
};

#[async_trait::async_trait]
impl Table<AwsContext> for CostByAccountMonthly {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    async fn fetch(
        &self,
        ctx: &AwsContext,
        target: &Target,
        cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        cost::fetch(ctx, target, DEF.name, &QUERY, cursor, rows).await
    }
}
