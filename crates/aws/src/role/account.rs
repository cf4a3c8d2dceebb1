//! The Cloud Builder role in one account, through IAM: read it back, say how
//! it drifted from the plan, converge it (writing only what differs, so a
//! second apply makes no write call), and remove it — only if apply made it.

use super::document::{Drift, decode, permission_policy, policy_drift, trust_drift, trust_policy};
use super::{DESCRIPTION, INLINE_POLICY_NAME, MANAGED_TAG, RoleSpec};
use crate::Error;
use aws_config::SdkConfig;
use aws_sdk_iam::Client;
use aws_sdk_iam::types::Tag;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The role as IAM holds it.
#[derive(Debug, Clone)]
pub struct RoleState {
    /// The role's ARN.
    pub arn: String,
    /// The trust policy (None when IAM's answer does not parse).
    pub trust: Option<Value>,
    /// MaxSessionDuration in seconds.
    pub max_session: i32,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// Inline policies by name (None when a document does not parse).
    pub inline: BTreeMap<String, Option<Value>>,
    /// Attached managed policies' ARNs.
    pub attached: BTreeSet<String>,
}

impl RoleState {
    /// Whether apply made this role.
    pub fn is_managed(&self) -> bool {
        self.tags.get(MANAGED_TAG.0).map(String::as_str) == Some(MANAGED_TAG.1)
    }
}

/// What apply did to one account's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The role did not exist and was made.
    Created,
    /// The role was brought back to the plan; the write calls made.
    Updated(Vec<String>),
    /// The role matched the plan; nothing was written.
    Unchanged,
}

/// What destroy did to one account's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destroyed {
    /// The role and its policies were removed.
    Deleted,
    /// There was no such role.
    Absent,
    /// A role of that name exists that apply did not make; left alone.
    NotManaged,
}

/// Reads the role named `name`, or None when there is none.
pub async fn read(config: &SdkConfig, name: &str) -> Result<Option<RoleState>, Error> {
    read_with(&Client::new(config), name).await
}

async fn read_with(iam: &Client, name: &str) -> Result<Option<RoleState>, Error> {
    let role = match iam.get_role().role_name(name).send().await {
        Ok(out) => out.role,
        Err(e) => {
            let err = Error::from_sdk("GetRole", e);
            if err.code() == Some("NoSuchEntity") {
                return Ok(None);
            }
            return Err(err);
        }
    };
    let Some(role) = role else {
        return Ok(None);
    };
    let mut inline = BTreeMap::new();
    let mut pages = iam
        .list_role_policies()
        .role_name(name)
        .into_paginator()
        .send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::from_sdk("ListRolePolicies", e))?;
        names.extend(page.policy_names().iter().cloned());
    }
    for policy in names {
        let out = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(&policy)
            .send()
            .await
            .map_err(|e| Error::from_sdk("GetRolePolicy", e))?;
        inline.insert(policy, decode(out.policy_document()));
    }
    let mut attached = BTreeSet::new();
    let mut pages = iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::from_sdk("ListAttachedRolePolicies", e))?;
        attached.extend(
            page.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_owned)),
        );
    }
    Ok(Some(RoleState {
        arn: role.arn().to_owned(),
        trust: role.assume_role_policy_document().and_then(decode),
        max_session: role.max_session_duration().unwrap_or(3600),
        tags: role
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
        inline,
        attached,
    }))
}

/// How `state` differs from `spec`; empty when it matches.
pub fn drift(spec: &RoleSpec, state: Option<&RoleState>) -> Vec<Drift> {
    let Some(state) = state else {
        return vec![Drift::Missing];
    };
    let mut drift = Vec::new();
    if !state.is_managed() {
        drift.push(Drift::NotManaged);
    }
    match &state.trust {
        Some(trust) => drift.extend(trust_drift(spec, &trust_policy(spec), trust)),
        None => drift.push(Drift::TrustDiffers),
    }
    match state.inline.get(INLINE_POLICY_NAME) {
        None => drift.push(Drift::PolicyMissing),
        Some(None) => drift.push(Drift::PolicyDiffers),
        Some(Some(policy)) => drift.extend(policy_drift(&permission_policy(spec), policy)),
    }
    for name in state.inline.keys().filter(|n| *n != INLINE_POLICY_NAME) {
        drift.push(Drift::ExtraInlinePolicy(name.clone()));
    }
    let planned: BTreeSet<&str> = spec.managed_policies.iter().map(|p| p.as_str()).collect();
    for arn in &state.attached {
        if !planned.contains(arn.as_str()) {
            drift.push(Drift::ExtraManagedPolicy(arn.clone()));
        }
    }
    for arn in planned {
        if !state.attached.contains(arn) {
            drift.push(Drift::MissingManagedPolicy(arn.to_owned()));
        }
    }
    if u32::try_from(state.max_session).ok() != Some(spec.max_session_seconds) {
        drift.push(Drift::MaxSession {
            actual: state.max_session,
            planned: spec.max_session_seconds,
        });
    }
    drift
}

/// Creates the role, or brings it back to the plan. A role of that name that
/// apply did not make is refused unless `adopt`.
pub async fn apply(config: &SdkConfig, spec: &RoleSpec, adopt: bool) -> Result<Applied, Error> {
    let iam = &Client::new(config);
    let name = spec.role_name.as_str();
    let state = read_with(iam, name).await?;
    let drift = drift(spec, state.as_ref());
    if drift.is_empty() {
        return Ok(Applied::Unchanged);
    }
    if drift.contains(&Drift::Missing) {
        create(iam, spec).await?;
        return Ok(Applied::Created);
    }
    if drift.contains(&Drift::NotManaged) && !adopt {
        return Err(Error::Service {
            operation: "CreateRole",
            code: "EntityAlreadyExists".into(),
            message: format!(
                "a role named {name} exists that cloudbuilder did not create (no {}={} tag); pass --adopt to take it over, or choose --role-name",
                MANAGED_TAG.0, MANAGED_TAG.1
            ),
        });
    }
    let mut writes = Vec::new();
    let trust_changed = drift.iter().any(|d| {
        matches!(
            d,
            Drift::TrustWidened(_)
                | Drift::TrustMissingPrincipal(_)
                | Drift::ExternalIdRemoved
                | Drift::ExternalIdChanged
                | Drift::MfaRemoved
                | Drift::TrustDiffers
        )
    });
    let policy_changed = drift.iter().any(|d| {
        matches!(
            d,
            Drift::PolicyMissing
                | Drift::MissingActions(_)
                | Drift::ExtraActions(_)
                | Drift::DenyWeakened(_)
                | Drift::PolicyDiffers
        )
    });
    if drift.contains(&Drift::NotManaged) {
        iam.tag_role()
            .role_name(name)
            .tags(managed_tag()?)
            .send()
            .await
            .map_err(|e| Error::from_sdk("TagRole", e))?;
        writes.push("TagRole".to_owned());
    }
    if trust_changed {
        iam.update_assume_role_policy()
            .role_name(name)
            .policy_document(trust_policy(spec).to_string())
            .send()
            .await
            .map_err(|e| Error::from_sdk("UpdateAssumeRolePolicy", e))?;
        writes.push("UpdateAssumeRolePolicy".to_owned());
    }
    if policy_changed {
        put_policy(iam, spec).await?;
        writes.push("PutRolePolicy".to_owned());
    }
    for d in &drift {
        match d {
            Drift::ExtraInlinePolicy(policy) => {
                delete_inline(iam, name, policy).await?;
                writes.push(format!("DeleteRolePolicy {policy}"));
            }
            Drift::ExtraManagedPolicy(arn) => {
                detach(iam, name, arn).await?;
                writes.push(format!("DetachRolePolicy {arn}"));
            }
            Drift::MissingManagedPolicy(arn) => {
                attach(iam, name, arn).await?;
                writes.push(format!("AttachRolePolicy {arn}"));
            }
            Drift::MaxSession { .. } => {
                iam.update_role()
                    .role_name(name)
                    .max_session_duration(max_session(spec))
                    .send()
                    .await
                    .map_err(|e| Error::from_sdk("UpdateRole", e))?;
                writes.push("UpdateRole".to_owned());
            }
            _ => {}
        }
    }
    Ok(Applied::Updated(writes))
}

/// Removes the role apply made: its inline and attached policies, then the role.
pub async fn destroy(config: &SdkConfig, name: &str) -> Result<Destroyed, Error> {
    let iam = &Client::new(config);
    let Some(state) = read_with(iam, name).await? else {
        return Ok(Destroyed::Absent);
    };
    if !state.is_managed() {
        return Ok(Destroyed::NotManaged);
    }
    for policy in state.inline.keys() {
        delete_inline(iam, name, policy).await?;
    }
    for arn in &state.attached {
        detach(iam, name, arn).await?;
    }
    iam.delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| Error::from_sdk("DeleteRole", e))?;
    Ok(Destroyed::Deleted)
}

async fn create(iam: &Client, spec: &RoleSpec) -> Result<(), Error> {
    let name = spec.role_name.as_str();
    iam.create_role()
        .role_name(name)
        .description(DESCRIPTION)
        .max_session_duration(max_session(spec))
        .assume_role_policy_document(trust_policy(spec).to_string())
        .tags(managed_tag()?)
        .send()
        .await
        .map_err(|e| Error::from_sdk("CreateRole", e))?;
    put_policy(iam, spec).await?;
    for policy in &spec.managed_policies {
        attach(iam, name, policy.as_str()).await?;
    }
    Ok(())
}

async fn put_policy(iam: &Client, spec: &RoleSpec) -> Result<(), Error> {
    iam.put_role_policy()
        .role_name(spec.role_name.as_str())
        .policy_name(INLINE_POLICY_NAME)
        .policy_document(permission_policy(spec).to_string())
        .send()
        .await
        .map_err(|e| Error::from_sdk("PutRolePolicy", e))?;
    Ok(())
}

async fn attach(iam: &Client, name: &str, arn: &str) -> Result<(), Error> {
    iam.attach_role_policy()
        .role_name(name)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| Error::from_sdk("AttachRolePolicy", e))?;
    Ok(())
}

async fn delete_inline(iam: &Client, name: &str, policy: &str) -> Result<(), Error> {
    iam.delete_role_policy()
        .role_name(name)
        .policy_name(policy)
        .send()
        .await
        .map_err(|e| Error::from_sdk("DeleteRolePolicy", e))?;
    Ok(())
}

async fn detach(iam: &Client, name: &str, arn: &str) -> Result<(), Error> {
    iam.detach_role_policy()
        .role_name(name)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| Error::from_sdk("DetachRolePolicy", e))?;
    Ok(())
}

fn managed_tag() -> Result<Tag, Error> {
    Tag::builder()
        .key(MANAGED_TAG.0)
        .value(MANAGED_TAG.1)
        .build()
        .map_err(|e| Error::Unexpected {
            operation: "TagRole",
            message: e.to_string(),
        })
}

fn max_session(spec: &RoleSpec) -> i32 {
    i32::try_from(spec.max_session_seconds).unwrap_or(3600)
}
