//! `--via stackset`: the role in every account of the chosen OUs through a
//! service-managed CloudFormation StackSet with automatic deployment, so that
//! accounts joining the OUs later get it too. Apply creates or updates the
//! StackSet and its instances and waits for each operation; it writes nothing
//! when the template and the targeted OUs already match. Destroy removes only
//! a StackSet tagged `managed-by=cloudbuilder`.

use super::template::{OrgTargets, STACK_SET_NAME, deployment_targets, role_template};
use super::{DESCRIPTION, MANAGED_TAG, RoleSpec};
use crate::Error;
use aws_config::SdkConfig;
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::types::{
    AutoDeployment, Capability, DeploymentTargets, PermissionModels, StackSetOperationPreferences,
    StackSetOperationStatus, Tag,
};
use std::collections::BTreeSet;
use std::time::Duration;

/// What apply did to the StackSet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackSetApplied {
    /// Created, with instances for the targets.
    Created,
    /// The template or the targets changed; the operations run.
    Updated(Vec<String>),
    /// Template and targets already matched.
    Unchanged,
}

/// The accounts the StackSet has instances in, with each instance's status.
pub async fn instances(config: &SdkConfig) -> Result<Vec<(String, String)>, Error> {
    let cfn = Client::new(config);
    let mut out = Vec::new();
    let mut pages = cfn
        .list_stack_instances()
        .stack_set_name(STACK_SET_NAME)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::from_sdk("ListStackInstances", e))?;
        for summary in page.summaries() {
            out.push((
                summary.account().unwrap_or_default().to_owned(),
                summary
                    .status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            ));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Creates or updates the StackSet and its instances in `org`'s targets;
/// `accounts` are the accounts those targets hold (instances are created
/// again only when one of them has none).
pub async fn apply(
    config: &SdkConfig,
    spec: &RoleSpec,
    org: &OrgTargets,
    accounts: &[String],
) -> Result<StackSetApplied, Error> {
    let cfn = &Client::new(config);
    let body = role_template(spec);
    let targets = targets(org)?;
    let existing = match cfn
        .describe_stack_set()
        .stack_set_name(STACK_SET_NAME)
        .send()
        .await
    {
        Ok(out) => out.stack_set,
        Err(e) => {
            let err = Error::from_sdk("DescribeStackSet", e);
            if err.code() != Some("StackSetNotFoundException") {
                return Err(err);
            }
            None
        }
    };
    let Some(existing) = existing else {
        cfn.create_stack_set()
            .stack_set_name(STACK_SET_NAME)
            .description(DESCRIPTION)
            .template_body(body.to_string())
            .permission_model(PermissionModels::ServiceManaged)
            .auto_deployment(
                AutoDeployment::builder()
                    .enabled(true)
                    .retain_stacks_on_account_removal(false)
                    .build(),
            )
            .capabilities(Capability::CapabilityNamedIam)
            .tags(tag())
            .send()
            .await
            .map_err(|e| Error::from_sdk("CreateStackSet", e))?;
        create_instances(cfn, targets, &org.region).await?;
        return Ok(StackSetApplied::Created);
    };
    let mut writes = Vec::new();
    let current = existing
        .template_body()
        .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok());
    if current.as_ref() != Some(&body) {
        let op = cfn
            .update_stack_set()
            .stack_set_name(STACK_SET_NAME)
            .description(DESCRIPTION)
            .template_body(body.to_string())
            .capabilities(Capability::CapabilityNamedIam)
            .operation_preferences(preferences())
            .send()
            .await
            .map_err(|e| Error::from_sdk("UpdateStackSet", e))?;
        wait(cfn, op.operation_id()).await?;
        writes.push("UpdateStackSet".to_owned());
    }
    let covered: BTreeSet<String> = instances(config)
        .await?
        .into_iter()
        .map(|(account, _)| account)
        .collect();
    if covered.is_empty() || accounts.iter().any(|a| !covered.contains(a)) {
        create_instances(cfn, targets, &org.region).await?;
        writes.push("CreateStackInstances".to_owned());
    }
    Ok(if writes.is_empty() {
        StackSetApplied::Unchanged
    } else {
        StackSetApplied::Updated(writes)
    })
}

/// Deletes the StackSet's instances (and with them the roles), then the StackSet.
/// Returns false when there is none or it is not cloudbuilder's.
pub async fn destroy(config: &SdkConfig, org: &OrgTargets) -> Result<bool, Error> {
    let cfn = &Client::new(config);
    let existing = match cfn
        .describe_stack_set()
        .stack_set_name(STACK_SET_NAME)
        .send()
        .await
    {
        Ok(out) => out.stack_set,
        Err(e) => {
            let err = Error::from_sdk("DescribeStackSet", e);
            if err.code() == Some("StackSetNotFoundException") {
                return Ok(false);
            }
            return Err(err);
        }
    };
    let Some(existing) = existing else {
        return Ok(false);
    };
    let ours = existing
        .tags()
        .iter()
        .any(|t| t.key() == Some(MANAGED_TAG.0) && t.value() == Some(MANAGED_TAG.1));
    if !ours {
        return Ok(false);
    }
    // The StackSet's own record of its OUs, else the ones the caller names.
    let mut ous: Vec<String> = existing.organizational_unit_ids().to_vec();
    if ous.is_empty() {
        ous = org.ous.clone();
    }
    if !ous.is_empty() {
        let op = cfn
            .delete_stack_instances()
            .stack_set_name(STACK_SET_NAME)
            .deployment_targets(
                DeploymentTargets::builder()
                    .set_organizational_unit_ids(Some(ous))
                    .build(),
            )
            .regions(&org.region)
            .retain_stacks(false)
            .operation_preferences(preferences())
            .send()
            .await
            .map_err(|e| Error::from_sdk("DeleteStackInstances", e))?;
        wait(cfn, op.operation_id()).await?;
    }
    cfn.delete_stack_set()
        .stack_set_name(STACK_SET_NAME)
        .send()
        .await
        .map_err(|e| Error::from_sdk("DeleteStackSet", e))?;
    Ok(true)
}

/// Creates the stack instances in `targets` and waits for the operation.
async fn create_instances(
    cfn: &Client,
    targets: DeploymentTargets,
    region: &str,
) -> Result<(), Error> {
    let op = cfn
        .create_stack_instances()
        .stack_set_name(STACK_SET_NAME)
        .deployment_targets(targets)
        .regions(region)
        .operation_preferences(preferences())
        .send()
        .await
        .map_err(|e| Error::from_sdk("CreateStackInstances", e))?;
    wait(cfn, op.operation_id()).await
}

fn targets(org: &OrgTargets) -> Result<DeploymentTargets, Error> {
    if org.ous.is_empty() {
        return Err(Error::invalid(
            "--ou",
            "a StackSet deploys to OUs; name them, or leave --ou out to use the organization's root",
        ));
    }
    let value = deployment_targets(
        org,
        org.ous
            .iter()
            .map(|o| serde_json::Value::from(o.as_str()))
            .collect(),
    );
    let mut builder =
        DeploymentTargets::builder().set_organizational_unit_ids(Some(org.ous.clone()));
    if value.get("AccountFilterType").is_some() {
        builder = builder
            .account_filter_type(aws_sdk_cloudformation::types::AccountFilterType::Difference)
            .set_accounts(Some(org.exclude.clone()));
    }
    Ok(builder.build())
}

fn preferences() -> StackSetOperationPreferences {
    StackSetOperationPreferences::builder()
        .failure_tolerance_percentage(100)
        .max_concurrent_percentage(100)
        .region_concurrency_type(aws_sdk_cloudformation::types::RegionConcurrencyType::Parallel)
        .build()
}

fn tag() -> Tag {
    Tag::builder()
        .key(MANAGED_TAG.0)
        .value(MANAGED_TAG.1)
        .build()
}

/// Waits for a StackSet operation to end (polling every 5 s, up to an hour).
async fn wait(cfn: &Client, operation_id: Option<&str>) -> Result<(), Error> {
    let Some(id) = operation_id else {
        return Ok(());
    };
    for _ in 0..720 {
        let out = cfn
            .describe_stack_set_operation()
            .stack_set_name(STACK_SET_NAME)
            .operation_id(id)
            .send()
            .await
            .map_err(|e| Error::from_sdk("DescribeStackSetOperation", e))?;
        let status = out.stack_set_operation().and_then(|o| o.status().cloned());
        match status {
            Some(StackSetOperationStatus::Succeeded) => return Ok(()),
            Some(StackSetOperationStatus::Failed | StackSetOperationStatus::Stopped) => {
                return Err(Error::Service {
                    operation: "StackSetOperation",
                    code: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    message: format!(
                        "operation {id} did not succeed; see the StackSet's operations in the console"
                    ),
                });
            }
            _ => tokio::time::sleep(Duration::from_secs(5)).await,
        }
    }
    Err(Error::Service {
        operation: "StackSetOperation",
        code: "Timeout".into(),
        message: format!("operation {id} still running after an hour"),
    })
}
