//! Applying, reading back and removing the Cloud Builder role through ARM's
//! Authorization API: the definition and the assignment are PUT under
//! deterministic GUIDs, so that apply is idempotent; a new service
//! principal's `PrincipalNotFound` is retried with backoff while Entra ID
//! replicates it; `RoleAssignmentExists` (the same grant under another name)
//! counts as done.

use super::{API_VERSION, RoleSpec};
use crate::arm::Arm;
use crate::guid::Guid;
use crate::{Error, Result};
use azure_core::http::Method;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

/// One thing apply, verify or destroy looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `role definition` or `role assignment`.
    pub item: &'static str,
    /// The resource's GUID.
    pub name: String,
    /// What happened: created, updated, unchanged, deleted, absent, ok, drift.
    pub result: &'static str,
    /// More, for people.
    pub detail: String,
}

/// How `PrincipalNotFound` is retried.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first wait.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Attempts in all.
    pub attempts: u32,
}

impl Default for Backoff {
    /// 1 s, doubling up to 30 s, 10 attempts (about 3 minutes in all):
    /// Entra ID replication usually takes seconds, sometimes minutes.
    fn default() -> Self {
        Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(30),
            attempts: 10,
        }
    }
}

const DEFINITION: &str = "role definition";
const ASSIGNMENT: &str = "role assignment";

/// Creates or updates the definition, then the assignment (when an assignee is given).
pub async fn apply(arm: &Arm, spec: &RoleSpec, backoff: Backoff) -> Result<Vec<Step>> {
    let mut steps = vec![apply_definition(arm, spec).await?];
    if let Some(assignee) = &spec.assignee {
        steps.push(apply_assignment(arm, spec, assignee, backoff).await?);
    }
    Ok(steps)
}

async fn apply_definition(arm: &Arm, spec: &RoleSpec) -> Result<Step> {
    const OP: &str = "RoleDefinitions_CreateOrUpdate";
    let path = spec.definition_path();
    let current = arm.get("RoleDefinitions_Get", &path, API_VERSION).await?;
    let drift = current.as_ref().map(|c| definition_drift(spec, c));
    if drift.as_ref().is_some_and(Vec::is_empty) {
        return Ok(step(
            DEFINITION,
            spec.definition_guid(),
            "unchanged",
            "matches the plan",
        ));
    }
    let answer = arm
        .send(
            OP,
            Method::Put,
            arm.url(&path, API_VERSION, &[])?,
            Some(&spec.definition_body()),
        )
        .await?;
    if answer.status == 409 && answer.error(OP).code() == Some("RoleDefinitionWithSameNameExists") {
        return Err(Error::Service {
            operation: OP,
            status: 409,
            code: "RoleDefinitionWithSameNameExists".into(),
            message: format!(
                "a custom role named '{}' already exists in the tenant under another id (not made by cloudbuilder for {}); pass another --role-name or remove that role",
                spec.role_name, spec.scope
            ),
        });
    }
    answer.into_ok(OP)?;
    Ok(match drift {
        None => step(
            DEFINITION,
            spec.definition_guid(),
            "created",
            &format!("{} actions", RoleSpec::actions().len()),
        ),
        Some(d) => step(
            DEFINITION,
            spec.definition_guid(),
            "updated",
            &format!("was: {}", join(&d)),
        ),
    })
}

async fn apply_assignment(
    arm: &Arm,
    spec: &RoleSpec,
    assignee: &Guid,
    backoff: Backoff,
) -> Result<Step> {
    const OP: &str = "RoleAssignments_Create";
    let path = spec.assignment_path(assignee);
    let guid = spec.assignment_guid(assignee);
    if let Some(current) = arm.get("RoleAssignments_Get", &path, API_VERSION).await? {
        let drift = assignment_drift(spec, assignee, &current);
        if drift.is_empty() {
            return Ok(step(
                ASSIGNMENT,
                guid,
                "unchanged",
                &format!("to {assignee}"),
            ));
        }
        return Err(Error::Service {
            operation: OP,
            status: 400,
            code: "RoleAssignmentUpdateNotPermitted".into(),
            message: format!(
                "assignment {guid} exists but differs ({}); ARM cannot update an assignment: run destroy, then apply",
                join(&drift)
            ),
        });
    }
    let body = spec.assignment_body(assignee);
    let mut wait = backoff.first;
    let mut retried = 0;
    loop {
        let answer = arm
            .send(
                OP,
                Method::Put,
                arm.url(&path, API_VERSION, &[])?,
                Some(&body),
            )
            .await?;
        if answer.ok() {
            let detail = if retried > 0 {
                format!("to {assignee} (after {retried} PrincipalNotFound retries)")
            } else {
                format!("to {assignee}")
            };
            let result = if answer.status == 200 {
                "unchanged"
            } else {
                "created"
            };
            return Ok(step(ASSIGNMENT, guid, result, &detail));
        }
        let err = answer.error(OP);
        match err.code() {
            Some("RoleAssignmentExists") => {
                return Ok(step(
                    ASSIGNMENT,
                    guid,
                    "unchanged",
                    &format!(
                        "{assignee} already holds the role at this scope under another assignment name"
                    ),
                ));
            }
            Some("PrincipalNotFound") if retried + 1 < backoff.attempts => {
                tracing::info!(%assignee, wait_ms = wait.as_millis() as u64, "PrincipalNotFound: waiting for Entra ID replication");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(backoff.max);
                retried += 1;
            }
            _ => return Err(err),
        }
    }
}

/// What verify found.
#[derive(Debug, Clone)]
pub struct Readback {
    /// One step per resource: `ok` or `drift`.
    pub steps: Vec<Step>,
}

impl Readback {
    /// True when anything differs from the plan (or is missing).
    pub fn drifted(&self) -> bool {
        self.steps.iter().any(|s| s.result != "ok")
    }
}

/// Reads the definition and the assignment back and compares them with the plan.
pub async fn verify(arm: &Arm, spec: &RoleSpec) -> Result<Readback> {
    let mut steps = Vec::new();
    let guid = spec.definition_guid();
    match arm
        .get("RoleDefinitions_Get", &spec.definition_path(), API_VERSION)
        .await?
    {
        None => steps.push(step(DEFINITION, guid, "missing", "not found: run apply")),
        Some(current) => {
            let drift = definition_drift(spec, &current);
            if drift.is_empty() {
                steps.push(step(
                    DEFINITION,
                    guid,
                    "ok",
                    &format!(
                        "{} read actions, no data actions",
                        RoleSpec::actions().len()
                    ),
                ));
            } else {
                steps.push(step(DEFINITION, guid, "drift", &join(&drift)));
            }
        }
    }
    if let Some(assignee) = &spec.assignee {
        let guid = spec.assignment_guid(assignee);
        match arm
            .get(
                "RoleAssignments_Get",
                &spec.assignment_path(assignee),
                API_VERSION,
            )
            .await?
        {
            Some(current) => {
                let drift = assignment_drift(spec, assignee, &current);
                if drift.is_empty() {
                    steps.push(step(ASSIGNMENT, guid, "ok", &format!("to {assignee}")));
                } else {
                    steps.push(step(ASSIGNMENT, guid, "drift", &join(&drift)));
                }
            }
            None => match other_assignments(arm, spec, assignee).await?.first() {
                Some(name) => steps.push(step(
                    ASSIGNMENT,
                    guid,
                    "ok",
                    &format!("to {assignee}, under the name {name}"),
                )),
                None => steps.push(step(
                    ASSIGNMENT,
                    guid,
                    "missing",
                    &format!("{assignee} does not hold the role at this scope: run apply"),
                )),
            },
        }
    }
    Ok(Readback { steps })
}

/// Removes the assignments of the role at the scope (to the assignee, under
/// any name) and then the definition.
pub async fn destroy(arm: &Arm, spec: &RoleSpec) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    if let Some(assignee) = &spec.assignee {
        let mut names = vec![spec.assignment_guid(assignee).to_string()];
        for other in other_assignments(arm, spec, assignee).await? {
            if !names.contains(&other) {
                names.push(other);
            }
        }
        for name in names {
            let path = format!(
                "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
                spec.scope.id()
            );
            let answer = arm
                .send(
                    "RoleAssignments_Delete",
                    Method::Delete,
                    arm.url(&path, API_VERSION, &[])?,
                    None,
                )
                .await?;
            let result = if answer.status == 204 {
                "absent"
            } else {
                "deleted"
            };
            answer.into_ok("RoleAssignments_Delete")?;
            steps.push(Step {
                item: ASSIGNMENT,
                name,
                result,
                detail: format!("of {assignee}"),
            });
        }
    }
    let answer = arm
        .send(
            "RoleDefinitions_Delete",
            Method::Delete,
            arm.url(&spec.definition_path(), API_VERSION, &[])?,
            None,
        )
        .await?;
    let result = if answer.status == 204 {
        "absent"
    } else {
        "deleted"
    };
    let err = (!answer.ok()).then(|| answer.error("RoleDefinitions_Delete"));
    if let Some(err) = err {
        if err.code() == Some("RoleDefinitionHasAssignments") {
            return Err(Error::Service {
                operation: "RoleDefinitions_Delete",
                status: 409,
                code: "RoleDefinitionHasAssignments".into(),
                message: format!(
                    "the role is still assigned to other principals at or below {}; pass --assignee for each, or remove those assignments",
                    spec.scope
                ),
            });
        }
        return Err(err);
    }
    steps.push(step(
        DEFINITION,
        spec.definition_guid(),
        result,
        &spec.role_name,
    ));
    Ok(steps)
}

/// Names of assignments at the scope that give `assignee` this role, other than the deterministic one.
async fn other_assignments(arm: &Arm, spec: &RoleSpec, assignee: &Guid) -> Result<Vec<String>> {
    let path = format!(
        "{}/providers/Microsoft.Authorization/roleAssignments",
        spec.scope.id()
    );
    let filter = format!("principalId eq '{assignee}'");
    let url = arm.url(&path, API_VERSION, &[("$filter", &filter)])?;
    let wanted = spec.definition_guid().to_string();
    let own = spec.assignment_guid(assignee).to_string();
    Ok(arm
        .list("RoleAssignments_ListForScope", url)
        .await?
        .iter()
        .filter(|a| {
            let p = &a["properties"];
            last_segment(p["roleDefinitionId"].as_str()) == wanted
                && p["scope"]
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(&spec.scope.id()))
        })
        .filter_map(|a| a["name"].as_str().map(str::to_ascii_lowercase))
        .filter(|name| *name != own)
        .collect())
}

/// How a role definition read back differs from the plan (empty when it does not).
pub fn definition_drift(spec: &RoleSpec, current: &Value) -> Vec<String> {
    let p = &current["properties"];
    let mut drift = Vec::new();
    if p["roleName"].as_str() != Some(spec.role_name.as_str()) {
        drift.push(format!("role name is {}", p["roleName"]));
    }
    let sets = |key: &str| -> BTreeSet<String> {
        p["permissions"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|perm| perm[key].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let planned: BTreeSet<String> = RoleSpec::actions()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let actions = sets("actions");
    let extra: Vec<&String> = actions.difference(&planned).collect();
    let missing: Vec<&String> = planned.difference(&actions).collect();
    if !extra.is_empty() {
        drift.push(format!("extra actions: {}", list(&extra)));
    }
    if !missing.is_empty() {
        drift.push(format!("missing actions: {}", list(&missing)));
    }
    for key in ["notActions", "dataActions", "notDataActions"] {
        let found = sets(key);
        if !found.is_empty() {
            drift.push(format!(
                "{key} should be empty, has: {}",
                list(&found.iter().collect::<Vec<_>>())
            ));
        }
    }
    let scopes: Vec<String> = p["assignableScopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_ascii_lowercase))
        .collect();
    if scopes != [spec.scope.id().to_ascii_lowercase()] {
        drift.push(format!("assignable scopes are {}", p["assignableScopes"]));
    }
    drift
}

/// How an assignment read back differs from the plan.
pub fn assignment_drift(spec: &RoleSpec, assignee: &Guid, current: &Value) -> Vec<String> {
    let p = &current["properties"];
    let mut drift = Vec::new();
    if !p["principalId"]
        .as_str()
        .is_some_and(|id| id.eq_ignore_ascii_case(assignee.as_str()))
    {
        drift.push(format!("assigned to {}", p["principalId"]));
    }
    if last_segment(p["roleDefinitionId"].as_str()) != spec.definition_guid().as_str() {
        drift.push(format!("grants role {}", p["roleDefinitionId"]));
    }
    drift
}

fn last_segment(id: Option<&str>) -> String {
    id.and_then(|id| id.rsplit('/').next())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn join(items: &[String]) -> String {
    items.join("; ")
}

fn step(item: &'static str, name: Guid, result: &'static str, detail: &str) -> Step {
    Step {
        item,
        name: name.to_string(),
        result,
        detail: detail.to_owned(),
    }
}
