//! Cloud Asset Inventory `searchAllResources` over a scope, page by page to
//! the last, each request paced by [`CLOUD_ASSET_SEARCH`] and throttling
//! retried. Results come as Google's JSON (camelCase), so the tables read them
//! with JSON pointers whatever field the typed model adds.

use crate::error::Result;
use crate::retry::{self, CLOUD_ASSET_SEARCH, Failure, Retry};
use cloudbuilder_core::RateBudgets;
use google_cloud_asset_v1::client::AssetService;
use serde_json::Value;

/// The asset type of an organization.
pub const ORGANIZATION: &str = "cloudresourcemanager.googleapis.com/Organization";
/// The asset type of a folder.
pub const FOLDER: &str = "cloudresourcemanager.googleapis.com/Folder";
/// The asset type of a project.
pub const PROJECT: &str = "cloudresourcemanager.googleapis.com/Project";

/// Results asked for per page (the API's maximum).
const PAGE: i32 = 500;

/// The pages of one search.
pub struct AssetPages<'a> {
    client: &'a AssetService,
    budgets: &'a RateBudgets,
    retry: &'a Retry,
    scope: String,
    asset_types: Vec<String>,
    token: Option<String>,
}

impl<'a> AssetPages<'a> {
    /// A search of `scope` (`organizations/ID`, `folders/ID` or
    /// `projects/ID`) for `asset_types` (every type when empty).
    pub fn new(
        client: &'a AssetService,
        budgets: &'a RateBudgets,
        retry: &'a Retry,
        scope: String,
        asset_types: &[&str],
    ) -> Self {
        AssetPages {
            client,
            budgets,
            retry,
            scope,
            asset_types: asset_types.iter().map(|t| (*t).to_owned()).collect(),
            token: Some(String::new()),
        }
    }

    /// The next page of results; None after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<Value>>> {
        let Some(token) = self.token.take() else {
            return Ok(None);
        };
        let (client, scope, types, token) = (self.client, &self.scope, &self.asset_types, &token);
        let page = retry::call(
            self.budgets,
            Some(&CLOUD_ASSET_SEARCH),
            self.retry,
            || async move {
                client
                    .search_all_resources()
                    .set_scope(scope)
                    .set_asset_types(types.clone())
                    .set_page_size(PAGE)
                    .set_page_token(token)
                    .send()
                    .await
                    .map_err(|e| Failure::from_gax("searchAllResources", e))
            },
        )
        .await?;
        if !page.next_page_token.is_empty() {
            self.token = Some(page.next_page_token.clone());
        }
        Ok(Some(
            page.results
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .collect(),
        ))
    }

    /// Every result of every page.
    pub async fn all(mut self) -> Result<Vec<Value>> {
        let mut all = Vec::new();
        while let Some(page) = self.next().await? {
            all.extend(page);
        }
        Ok(all)
    }
}
