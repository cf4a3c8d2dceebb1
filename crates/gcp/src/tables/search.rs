//! What the inventory tables share: one Asset Inventory search over the scan
//! root, each page turned into rows and handed on before the next is asked for.

use crate::asset::AssetPages;
use crate::scan::{GcpContext, fetch_error};
use cloudbuilder_core::{FetchError, Row, RowSink};
use serde_json::Value;

/// Searches the root for `asset_types` (all when empty) and pushes `row(result)` page by page.
pub(crate) async fn rows(
    ctx: &GcpContext,
    asset_types: &[&str],
    rows: &mut RowSink,
    row: fn(&Value) -> Row,
) -> Result<(), FetchError> {
    let mut pages = AssetPages::new(
        &ctx.asset,
        &ctx.budgets,
        &ctx.retry,
        ctx.root.resource(),
        asset_types,
    );
    while let Some(page) = pages.next().await.map_err(fetch_error)? {
        rows.extend(page.iter().map(row));
        rows.flush().await?;
    }
    Ok(())
}

/// Pushes `row(container)` for containers the scan already found, in one batch.
pub(crate) async fn found(
    containers: &[Value],
    rows: &mut RowSink,
    row: fn(&Value) -> Row,
) -> Result<(), FetchError> {
    rows.extend(containers.iter().map(row));
    rows.flush().await
}
