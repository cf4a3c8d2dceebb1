//! What `scan azure` reads with: the context every unit shares (the ARM
//! client, the scan root and its subscriptions, Resource Graph's quota), the
//! discovery of a root's subscriptions, and the units a scan plans.

use crate::arm::Arm;
use crate::guid::Guid;
use crate::scope::AzureScope;
use crate::{Error, Result};
use azure_core::http::Method;
use cloudbuilder_core::engine::{Contexts, Unit};
use cloudbuilder_core::{FetchError, FetchErrorKind, Scope, Table, Target};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// ManagementGroups_GetDescendants' API version.
const MANAGEMENT_GROUPS_API: &str = "2023-04-01";
/// Subscriptions_Get's API version.
const SUBSCRIPTIONS_API: &str = "2022-12-01";

/// Everything a unit fetches with.
#[derive(Debug)]
pub struct AzureContext {
    /// The ARM client.
    pub arm: Arm,
    /// The scan root.
    pub root: AzureScope,
    /// The root's subscriptions (for Resource Graph batches and per-subscription tables).
    pub subscriptions: Vec<Guid>,
    /// The scan's clock: "now" for windows and closed days.
    pub now: OffsetDateTime,
    /// When Resource Graph's per-user quota, spent, allows the next query.
    pub(crate) graph_quota: Mutex<Option<Instant>>,
}

impl AzureContext {
    /// A context for a scan of `root` and its `subscriptions`.
    pub fn new(arm: Arm, root: AzureScope, subscriptions: Vec<Guid>, now: OffsetDateTime) -> Self {
        AzureContext {
            arm,
            root,
            subscriptions,
            now,
            graph_quota: Mutex::new(None),
        }
    }
}

impl AzureContext {
    /// The resource group the scan is confined to, when its root is one.
    pub fn resource_group(&self) -> Option<&str> {
        match &self.root {
            AzureScope::ResourceGroup { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Where a per-subscription API is asked for `subscription`: the
    /// subscription, or the resource group when the scan is confined to one.
    pub fn subscription_scope(&self, subscription: &str) -> String {
        match self.resource_group() {
            Some(group) => format!("/subscriptions/{subscription}/resourceGroups/{group}"),
            None => format!("/subscriptions/{subscription}"),
        }
    }
}

/// The one shared context, whatever the target.
pub struct AzureContexts(pub Arc<AzureContext>);

#[async_trait::async_trait]
impl Contexts<AzureContext> for AzureContexts {
    async fn context(&self, _target: &Target) -> Result<Arc<AzureContext>, FetchError> {
        Ok(Arc::clone(&self.0))
    }
}

/// The subscriptions under `root`: a management group's descendants, or the subscription itself.
pub async fn discover(arm: &Arm, root: &AzureScope) -> Result<Vec<Guid>> {
    match root {
        AzureScope::Subscription(sub) => {
            let path = format!("/subscriptions/{sub}");
            arm.get("Subscriptions_Get", &path, SUBSCRIPTIONS_API)
                .await?
                .ok_or_else(|| Error::Service {
                    operation: "Subscriptions_Get",
                    status: 404,
                    code: "SubscriptionNotFound".into(),
                    message: format!("subscription {sub} does not exist or is not visible"),
                })?;
            Ok(vec![sub.clone()])
        }
        AzureScope::ManagementGroup(name) => {
            let path =
                format!("/providers/Microsoft.Management/managementGroups/{name}/descendants");
            let url = arm.url(&path, MANAGEMENT_GROUPS_API, &[])?;
            let mut subs: Vec<Guid> = arm
                .list("ManagementGroups_GetDescendants", url)
                .await?
                .iter()
                .filter(|d| {
                    d["type"].as_str().is_some_and(|t| {
                        t.eq_ignore_ascii_case(
                            "Microsoft.Management/managementGroups/subscriptions",
                        )
                    })
                })
                .filter_map(|d| {
                    d["name"]
                        .as_str()
                        .and_then(|n| Guid::parse("subscription", n).ok())
                })
                .collect();
            subs.sort();
            subs.dedup();
            Ok(subs)
        }
        // A role assigned at a resource group cannot read its subscription,
        // so the group is confirmed through Resource Graph, which answers
        // only what the caller may see.
        AzureScope::ResourceGroup { subscription, name } => {
            let query = json!({
                "subscriptions": [subscription.to_string()],
                "query": format!(
                    "ResourceContainers | where type =~ 'microsoft.resources/subscriptions/resourcegroups' and resourceGroup =~ '{name}' | project id"
                ),
                "options": { "resultFormat": "objectArray" },
            });
            let url = arm.url(
                "/providers/Microsoft.ResourceGraph/resources",
                "2024-04-01",
                &[],
            )?;
            let page = arm
                .send("Resources", Method::Post, url, Some(&query))
                .await?
                .into_ok("Resources")?;
            if page["data"].as_array().is_none_or(Vec::is_empty) {
                return Err(Error::Service {
                    operation: "Resources",
                    status: 404,
                    code: "ResourceGroupNotFound".into(),
                    message: format!(
                        "resource group {name} does not exist in subscription {subscription} or is not visible"
                    ),
                });
            }
            Ok(vec![subscription.clone()])
        }
    }
}

/// The units: each root table once for the root, each subscription table once per subscription.
pub fn plan_units(
    tables: &[&'static dyn Table<AzureContext>],
    root: &AzureScope,
    subscriptions: &[Guid],
) -> Vec<Unit<AzureContext>> {
    let mut units = Vec::new();
    for &table in tables {
        let mut add = |account_id: String| {
            units.push(Unit {
                table,
                target: Target {
                    account_id,
                    region: None,
                },
                cursor: None,
            })
        };
        match table.def().scope {
            Scope::Subscription => subscriptions.iter().for_each(|s| add(s.to_string())),
            _ => add(root.id()),
        }
    }
    units
}

/// A library error as a unit's failure: 429s are throttling, 401/403 denial.
pub fn fetch_error(err: Error) -> FetchError {
    match &err {
        Error::Service {
            status: 429,
            code,
            message,
            ..
        } => FetchError {
            kind: FetchErrorKind::Throttled,
            code: code.clone(),
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
        },
        Error::Service {
            status: 401 | 403,
            code,
            message,
            ..
        } => FetchError {
            kind: FetchErrorKind::Denied,
            code: code.clone(),
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
        },
        Error::Service { code, message, .. } => FetchError::classify(code.clone(), message.clone()),
        Error::Unreachable { .. } => FetchError::classify("Unreachable", err.to_string()),
        Error::Credential { .. } | Error::NoCredentials => {
            FetchError::classify("CredentialUnavailable", err.to_string())
        }
        _ => FetchError::classify("UnexpectedAnswer", err.to_string()),
    }
}

/// Resource Graph's quota headers: when `x-ms-user-quota-remaining` is 0, the
/// wait `x-ms-user-quota-resets-after` (`hh:mm:ss`) names.
pub(crate) fn quota_wait(headers: &std::collections::HashMap<String, String>) -> Option<Duration> {
    let remaining: i64 = headers
        .get("x-ms-user-quota-remaining")?
        .trim()
        .parse()
        .ok()?;
    if remaining > 0 {
        return None;
    }
    let resets = headers.get("x-ms-user-quota-resets-after")?;
    let mut seconds = 0f64;
    for part in resets.trim().split(':') {
        seconds = seconds * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(Duration::from_secs_f64(seconds.max(0.0)))
}

/// Text at a JSON pointer, or NULL.
pub(crate) fn text(v: &Value, pointer: &str) -> cloudbuilder_core::Value {
    match v.pointer(pointer) {
        Some(Value::String(s)) => cloudbuilder_core::Value::Text(s.clone()),
        Some(Value::Null) | None => cloudbuilder_core::Value::Null,
        Some(other) => cloudbuilder_core::Value::Text(other.to_string()),
    }
}

/// JSON at a pointer, or NULL.
pub(crate) fn json(v: &Value, pointer: &str) -> cloudbuilder_core::Value {
    match v.pointer(pointer) {
        Some(Value::Null) | None => cloudbuilder_core::Value::Null,
        Some(other) => cloudbuilder_core::Value::Json(other.clone()),
    }
}

/// A boolean at a pointer, or NULL.
pub(crate) fn boolean(v: &Value, pointer: &str) -> cloudbuilder_core::Value {
    v.pointer(pointer).and_then(Value::as_bool).map_or(
        cloudbuilder_core::Value::Null,
        cloudbuilder_core::Value::Boolean,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_quota_waits_until_it_resets() {
        let headers = |remaining: &str, resets: &str| {
            [
                ("x-ms-user-quota-remaining".to_owned(), remaining.to_owned()),
                ("x-ms-user-quota-resets-after".to_owned(), resets.to_owned()),
            ]
            .into()
        };
        assert_eq!(quota_wait(&headers("3", "00:00:04")), None);
        assert_eq!(
            quota_wait(&headers("0", "00:00:04")),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            quota_wait(&headers("0", "00:01:02.5")),
            Some(Duration::from_secs_f64(62.5))
        );
    }
}
