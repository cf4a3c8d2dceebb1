//! Resource Graph (`Resources`, api-version 2024-04-01): one KQL query over
//! the scan root — its management group, or its subscriptions in batches of
//! at most 1,000, or one resource group of a subscription — followed by `$skipToken` to the last page, pausing when
//! the per-user quota (`x-ms-user-quota-remaining`) is spent. 429s are
//! retried by the pipeline after their `Retry-After`.

use crate::scan::{AzureContext, fetch_error, quota_wait};
use crate::scope::AzureScope;
use azure_core::http::Method;
use cloudbuilder_core::{FetchError, Row, RowSink};
use serde_json::{Value, json};

const API_VERSION: &str = "2024-04-01";
const PATH: &str = "/providers/Microsoft.ResourceGraph/resources";
/// Resource Graph's limit on subscriptions per request.
pub const MAX_SUBSCRIPTIONS: usize = 1000;
/// Rows asked for per page (Resource Graph's maximum).
const PAGE: u32 = 1000;

/// Runs `kql` over the scan root and pushes `row(item)` for every result, page by page.
pub async fn query(
    ctx: &AzureContext,
    kql: &str,
    rows: &mut RowSink,
    row: fn(&Value) -> Row,
) -> Result<(), FetchError> {
    let scopes: Vec<Value> = match &ctx.root {
        AzureScope::ManagementGroup(name) => vec![json!({ "managementGroups": [name] })],
        _ => ctx
            .subscriptions
            .chunks(MAX_SUBSCRIPTIONS)
            .map(|batch| json!({ "subscriptions": batch.iter().map(ToString::to_string).collect::<Vec<_>>() }))
            .collect(),
    };
    // A resource-group root confines every query to that group: the filter
    // goes right after the query's source table. (Group names cannot hold a
    // quote; the scope parser allows only letters, digits and `-_.()`.)
    let kql = match ctx.resource_group() {
        Some(group) => match kql.split_once('|') {
            Some((source, rest)) => {
                format!("{}| where resourceGroup =~ '{group}' |{rest}", source)
            }
            None => format!("{kql} | where resourceGroup =~ '{group}'"),
        },
        None => kql.to_owned(),
    };
    let kql = kql.as_str();
    for scope in scopes {
        let mut skip_token: Option<String> = None;
        loop {
            let mut body = scope.clone();
            body["query"] = json!(kql);
            let mut options = json!({ "$top": PAGE, "resultFormat": "objectArray" });
            if let Some(token) = &skip_token {
                options["$skipToken"] = json!(token);
            }
            body["options"] = options;
            wait_for_quota(ctx).await;
            let url = ctx.arm.url(PATH, API_VERSION, &[]).map_err(fetch_error)?;
            let answer = ctx
                .arm
                .send("Resources", Method::Post, url, Some(&body))
                .await
                .map_err(fetch_error)?;
            if let Some(wait) = quota_wait(&answer.headers) {
                *ctx.graph_quota.lock().await = Some(tokio::time::Instant::now() + wait);
            }
            let page = answer.into_ok("Resources").map_err(fetch_error)?;
            for item in page["data"].as_array().into_iter().flatten() {
                rows.push(row(item));
            }
            rows.flush().await?;
            skip_token = page["$skipToken"].as_str().map(str::to_owned);
            if skip_token.is_none() {
                break;
            }
        }
    }
    Ok(())
}

/// Waits while Resource Graph's quota is spent.
async fn wait_for_quota(ctx: &AzureContext) {
    let until = *ctx.graph_quota.lock().await;
    if let Some(until) = until
        && until > tokio::time::Instant::now()
    {
        tracing::debug!("Resource Graph quota spent: waiting for it to reset");
        tokio::time::sleep_until(until).await;
    }
}
