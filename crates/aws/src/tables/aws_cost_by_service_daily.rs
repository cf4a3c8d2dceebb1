//! `aws_cost_by_service_daily`: cost per service per day, from Cost Explorer.

use super::cost::{self, CostQuery};
use crate::scan::AwsContext;
use aws_sdk_costexplorer::types::Granularity;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, RowSink, Scope, Table, TableDef, Target, WriteMode,
};

/// The table.
pub struct CostByServiceDaily;

static COLUMNS: [ColumnDef; 10] = cost::columns(ColumnDef::new(
    "service",
    Text,
    "The AWS service, e.g. Amazon Elastic Compute Cloud - Compute.",
));

static DEF: TableDef = TableDef {
    name: "aws_cost_by_service_daily",
    cloud: Cloud::Aws,
    description: "Cost per service per day, for the whole organization when read in its management account.",
    scope: Scope::Organization,
    columns: &COLUMNS,
    permissions: &["ce:GetCostAndUsage"],
    mode: WriteMode::Incremental {
        key: &["period_start", "service"],
    },
    ignored_errors: &[],
};

const QUERY: CostQuery = CostQuery {
    granularity: Granularity::Daily,
    dimension: "SERVICE",
    first_scan: time::Duration::days(90),
};

#[async_trait::async_trait]
impl Table<AwsContext> for CostByServiceDaily {
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
