//! What `scan gcp` reads with: the context every unit shares (the Asset
//! Inventory, Logging and BigQuery clients, the scan root and the
//! organization, folders and projects found under it, the rate budgets), the
//! discovery of those containers, and the units a scan plans.

use crate::asset::{AssetPages, FOLDER, ORGANIZATION, PROJECT};
use crate::billing::BillingTable;
use crate::connection::Connection;
use crate::logging::Logging;
use crate::retry::Retry;
use crate::scope::GcpScope;
use crate::{Error, Result};
use cloudbuilder_core::engine::{Contexts, Unit};
use cloudbuilder_core::{FetchError, FetchErrorKind, RateBudgets, Scope, Table, Target};
use google_cloud_asset_v1::client::AssetService;
use google_cloud_bigquery_v2::client::JobService;
use google_cloud_gax::retry_policy::NeverRetry;
use serde_json::Value;
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The prefix of Resource Manager's full resource names.
const RESOURCE_MANAGER: &str = "//cloudresourcemanager.googleapis.com/";

/// What a scan is asked to do, besides its tables.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The scan root.
    pub root: GcpScope,
    /// The Cloud Billing export table, if costs are read.
    pub billing: Option<BillingTable>,
    /// The scan's clock: "now" for windows and closed days.
    pub now: OffsetDateTime,
    /// The rate budgets every request waits on.
    pub budgets: Arc<RateBudgets>,
    /// How throttled requests are tried again.
    pub retry: Retry,
}

/// The organization, folders and projects under the scan root, as Asset
/// Inventory's search results (JSON).
#[derive(Debug, Default, Clone)]
pub struct Containers {
    /// The organization, when the root is one.
    pub organizations: Vec<Value>,
    /// Every folder under the root, however deep.
    pub folders: Vec<Value>,
    /// Every project under the root, however deep.
    pub projects: Vec<Value>,
}

impl Containers {
    /// Sorts search results into organizations, folders and projects.
    pub fn from_results(results: Vec<Value>) -> Self {
        let mut out = Containers::default();
        for r in results {
            match r["assetType"].as_str() {
                Some(ORGANIZATION) => out.organizations.push(r),
                Some(FOLDER) => out.folders.push(r),
                Some(PROJECT) => out.projects.push(r),
                _ => {}
            }
        }
        out
    }

    /// Where audit logs are read, one unit each: every project (by its
    /// project id), folder (`folders/ID`) and organization (`organizations/ID`)
    /// — Logging shows a parent only its own entries, not its children's —
    /// and the root itself, sorted and without repeats.
    pub fn log_targets(&self, root: &GcpScope) -> Vec<String> {
        let mut targets: Vec<String> = self
            .organizations
            .iter()
            .chain(&self.folders)
            .filter_map(|c| c["name"].as_str()?.strip_prefix(RESOURCE_MANAGER))
            .map(str::to_owned)
            .chain(self.projects.iter().filter_map(project_id))
            .collect();
        let root_listed = match root {
            GcpScope::Project(id) => self.projects.iter().any(|p| {
                project_id(p).as_deref() == Some(id.as_str())
                    || p["project"].as_str() == Some(root.resource().as_str())
            }),
            _ => targets.contains(&root.resource()),
        };
        if !root_listed {
            targets.push(match root {
                GcpScope::Project(id) => id.clone(),
                _ => root.resource(),
            });
        }
        targets.sort();
        targets.dedup();
        targets
    }
}

/// A project's id: `additionalAttributes.projectId`, else its number.
pub fn project_id(project: &Value) -> Option<String> {
    project
        .pointer("/additionalAttributes/projectId")
        .and_then(Value::as_str)
        .or_else(|| project["project"].as_str()?.strip_prefix("projects/"))
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// A Resource Manager full resource name without its service prefix:
/// `//cloudresourcemanager.googleapis.com/folders/1` → `folders/1`.
pub fn short_name(full: &str) -> &str {
    full.strip_prefix(RESOURCE_MANAGER).unwrap_or(full)
}

/// Everything a unit fetches with.
#[derive(Debug)]
pub struct GcpContext {
    /// The scan root.
    pub root: GcpScope,
    /// What is under it.
    pub containers: Containers,
    /// Cloud Asset Inventory.
    pub asset: AssetService,
    /// BigQuery jobs (the billing export query).
    pub jobs: JobService,
    /// Cloud Logging.
    pub logging: Logging,
    /// The billing export table, if costs are read.
    pub billing: Option<BillingTable>,
    /// The scan's clock.
    pub now: OffsetDateTime,
    /// The rate budgets.
    pub budgets: Arc<RateBudgets>,
    /// How throttled requests are tried again.
    pub retry: Retry,
}

impl GcpContext {
    /// Builds the clients on `conn` and finds the organization, folders and
    /// projects under the root (one paged search; a root that cannot be
    /// searched fails here, before any unit runs).
    pub async fn connect(conn: &Connection, settings: Settings) -> Result<Self> {
        let asset = {
            let mut builder = AssetService::builder()
                .with_credentials(conn.credentials().clone())
                .with_retry_policy(NeverRetry);
            if let Some(e) = conn.endpoint() {
                builder = builder.with_endpoint(e);
            }
            builder
                .build()
                .await
                .map_err(|e| build_error("Cloud Asset", e))?
        };
        let jobs = {
            let mut builder = JobService::builder()
                .with_credentials(conn.credentials().clone())
                .with_retry_policy(NeverRetry);
            if let Some(e) = conn.endpoint() {
                builder = builder.with_endpoint(e);
            }
            builder
                .build()
                .await
                .map_err(|e| build_error("BigQuery", e))?
        };
        let logging = Logging::new(conn)?;
        let results = AssetPages::new(
            &asset,
            &settings.budgets,
            &settings.retry,
            settings.root.resource(),
            &[ORGANIZATION, FOLDER, PROJECT],
        )
        .all()
        .await?;
        Ok(GcpContext {
            containers: Containers::from_results(results),
            root: settings.root,
            asset,
            jobs,
            logging,
            billing: settings.billing,
            now: settings.now,
            budgets: settings.budgets,
            retry: settings.retry,
        })
    }
}

fn build_error(api: &str, e: google_cloud_gax::client_builder::Error) -> Error {
    Error::Credentials(format!(
        "cannot set up the {api} client: {}",
        crate::error::first_line(&e.to_string())
    ))
}

/// The one shared context, whatever the target.
pub struct GcpContexts(pub Arc<GcpContext>);

#[async_trait::async_trait]
impl Contexts<GcpContext> for GcpContexts {
    async fn context(&self, _target: &Target) -> Result<Arc<GcpContext>, FetchError> {
        Ok(Arc::clone(&self.0))
    }
}

/// The units: each root table once for the root, the per-project table
/// (audit logs) once per project, folder and organization under it.
pub fn plan_units(
    tables: &[&'static dyn Table<GcpContext>],
    root: &GcpScope,
    containers: &Containers,
) -> Vec<Unit<GcpContext>> {
    let log_targets = containers.log_targets(root);
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
            Scope::Project => log_targets.iter().cloned().for_each(&mut add),
            _ => add(root.resource()),
        }
    }
    units
}

/// A library error as a unit's failure: PERMISSION_DENIED and
/// UNAUTHENTICATED are denial, RESOURCE_EXHAUSTED throttling.
pub fn fetch_error(err: Error) -> FetchError {
    match err {
        Error::Service { code, message, .. } => {
            let code = match code.as_str() {
                "HTTP 401" => "UNAUTHENTICATED".to_owned(),
                "HTTP 403" => "PERMISSION_DENIED".to_owned(),
                "HTTP 429" => "RESOURCE_EXHAUSTED".to_owned(),
                _ => code,
            };
            let mut e = FetchError::classify(code, message);
            if e.code == "UNAUTHENTICATED" {
                e.kind = FetchErrorKind::Denied;
            }
            e
        }
        Error::Transport { .. } => FetchError::classify("Unreachable", err.to_string()),
        Error::Credentials(_) => FetchError::classify("CredentialUnavailable", err.to_string()),
        _ => FetchError::classify("UnexpectedAnswer", err.to_string()),
    }
}

/// Text at a JSON pointer, or NULL (also for an empty string: Google's JSON
/// leaves unset fields out, the typed model writes them empty).
pub(crate) fn text(v: &Value, pointer: &str) -> cloudbuilder_core::Value {
    match v.pointer(pointer) {
        Some(Value::String(s)) if s.is_empty() => cloudbuilder_core::Value::Null,
        Some(Value::String(s)) => cloudbuilder_core::Value::Text(s.clone()),
        Some(Value::Null) | None => cloudbuilder_core::Value::Null,
        Some(other) => cloudbuilder_core::Value::Text(other.to_string()),
    }
}

/// JSON at a pointer, or NULL (also for an empty object or list).
pub(crate) fn json(v: &Value, pointer: &str) -> cloudbuilder_core::Value {
    match v.pointer(pointer) {
        Some(Value::Null) | None => cloudbuilder_core::Value::Null,
        Some(Value::Object(m)) if m.is_empty() => cloudbuilder_core::Value::Null,
        Some(Value::Array(a)) if a.is_empty() => cloudbuilder_core::Value::Null,
        Some(other) => cloudbuilder_core::Value::Json(other.clone()),
    }
}

/// An RFC 3339 time at a JSON pointer, or NULL.
pub(crate) fn timestamp(v: &Value, pointer: &str) -> cloudbuilder_core::Value {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .map_or(
            cloudbuilder_core::Value::Null,
            cloudbuilder_core::Value::Timestamp,
        )
}

/// The last segment of a resource name (`…/instances/web-1` → `web-1`).
pub(crate) fn last_segment(v: &Value, pointer: &str) -> cloudbuilder_core::Value {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|n| n.rsplit('/').next())
        .filter(|s| !s.is_empty())
        .map_or(
            cloudbuilder_core::Value::Null,
            cloudbuilder_core::Value::from,
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn containers() -> Containers {
        Containers::from_results(vec![
            json!({"name": "//cloudresourcemanager.googleapis.com/organizations/1", "assetType": ORGANIZATION}),
            json!({"name": "//cloudresourcemanager.googleapis.com/folders/10", "assetType": FOLDER}),
            json!({"name": "//cloudresourcemanager.googleapis.com/folders/11", "assetType": FOLDER}),
            json!({"name": "//cloudresourcemanager.googleapis.com/projects/111", "assetType": PROJECT,
                   "project": "projects/111", "additionalAttributes": {"projectId": "alpha-prod"}}),
            json!({"name": "//cloudresourcemanager.googleapis.com/projects/222", "assetType": PROJECT,
                   "project": "projects/222"}),
            json!({"name": "//compute.googleapis.com/projects/alpha-prod/zones/z/instances/i",
                   "assetType": "compute.googleapis.com/Instance"}),
        ])
    }

    #[test]
    fn every_container_is_a_log_target_once() {
        let root = GcpScope::Organization("1".into());
        assert_eq!(
            containers().log_targets(&root),
            [
                "222",
                "alpha-prod",
                "folders/10",
                "folders/11",
                "organizations/1"
            ]
        );
    }

    #[test]
    fn a_root_the_search_does_not_list_is_a_target_too() {
        let c = Containers::default();
        assert_eq!(c.log_targets(&GcpScope::Folder("7".into())), ["folders/7"]);
        assert_eq!(
            c.log_targets(&GcpScope::Project("beta-dev".into())),
            ["beta-dev"]
        );
        let root = GcpScope::Project("alpha-prod".into());
        assert_eq!(
            containers()
                .log_targets(&root)
                .iter()
                .filter(|t| *t == "alpha-prod")
                .count(),
            1
        );
    }

    #[test]
    fn denial_and_quota_errors_are_classified() {
        let service = |code: &str| Error::Service {
            operation: "x",
            code: code.into(),
            message: "m".into(),
        };
        assert_eq!(
            fetch_error(service("PERMISSION_DENIED")).kind,
            FetchErrorKind::Denied
        );
        assert_eq!(fetch_error(service("HTTP 403")).code, "PERMISSION_DENIED");
        assert_eq!(
            fetch_error(service("UNAUTHENTICATED")).kind,
            FetchErrorKind::Denied
        );
        assert_eq!(
            fetch_error(service("RESOURCE_EXHAUSTED")).kind,
            FetchErrorKind::Throttled
        );
        assert_eq!(
            fetch_error(service("NOT_FOUND")).kind,
            FetchErrorKind::Failed
        );
    }

    #[test]
    fn cells_treat_empty_as_null() {
        let v =
            json!({"a": "", "b": "x", "l": {}, "t": "2026-01-10T08:00:00Z", "n": "//s/p/i/web-1"});
        assert_eq!(text(&v, "/a"), cloudbuilder_core::Value::Null);
        assert_eq!(text(&v, "/b"), cloudbuilder_core::Value::from("x"));
        assert_eq!(json(&v, "/l"), cloudbuilder_core::Value::Null);
        assert!(matches!(
            timestamp(&v, "/t"),
            cloudbuilder_core::Value::Timestamp(_)
        ));
        assert_eq!(
            last_segment(&v, "/n"),
            cloudbuilder_core::Value::from("web-1")
        );
    }
}
