//! `role apply`: creates the role, or brings it back to the plan, in the
//! caller's account or in every targeted account of the organization —
//! through each member's access role (`--via iam`) or a service-managed
//! StackSet (`--via stackset`). Prints one row per account; exit 2 when any
//! account failed (the others are done regardless).

use super::{Row, exit_code, print, validate_definition};
use crate::cli::RoleApplyArgs;
use cloudbuilder_aws::role::account::{self, Applied};
use cloudbuilder_aws::role::stackset::{self, StackSetApplied};
use cloudbuilder_aws::role::targets::{self, Target};
use std::process::ExitCode;
use std::sync::Arc;

/// Runs `role apply`.
pub async fn run(args: RoleApplyArgs) -> anyhow::Result<ExitCode> {
    let definition = validate_definition(&args.definition)?;
    let session = super::start(&args.target, &args.via).await?;
    let (config, found, access) = (&session.config, &session.found, &session.access);
    let spec = Arc::new(definition.spec(
        &args.target.role_name,
        &found.caller.account,
        &session.partition,
    )?);
    if spec.external_id.is_none() {
        eprintln!(
            "warning: no --external-id: the role trusts its principal without one (confused deputy); pass --external-id"
        );
    }

    let mut rows = Vec::new();
    if args.via == "stackset" {
        let direct: Vec<Target> = session.management_target().into_iter().collect();
        rows.extend(apply_each(config, &direct, access, &spec, args.adopt, 1).await);
        let org = session.org_targets().await?;
        // Service-managed instances go to every targeted account but the management one.
        let members: Vec<String> = found
            .accounts
            .iter()
            .filter(|t| Some(&t.account_id) != found.management.as_ref())
            .map(|t| t.account_id.clone())
            .collect();
        let (result, detail) = match stackset::apply(config, &spec, &org, &members).await {
            Ok(StackSetApplied::Created) => ("created", String::new()),
            Ok(StackSetApplied::Updated(writes)) => ("updated", writes.join(", ")),
            Ok(StackSetApplied::Unchanged) => ("unchanged", String::new()),
            Err(e) => ("failed", e.to_string()),
        };
        let instances = match stackset::instances(config).await {
            Ok(list) => list
                .iter()
                .map(|(account, status)| format!("{account} {status}"))
                .collect::<Vec<_>>()
                .join(", "),
            Err(e) => format!("instances unknown: {e}"),
        };
        rows.push(Row {
            account: format!(
                "stackset {}",
                cloudbuilder_aws::role::template::STACK_SET_NAME
            ),
            name: org.ous.join(","),
            result: result.to_owned(),
            detail: if detail.is_empty() {
                instances
            } else {
                format!("{detail}; {instances}")
            },
        });
    } else {
        rows.extend(
            apply_each(
                config,
                &found.accounts,
                access,
                &spec,
                args.adopt,
                args.target.concurrency,
            )
            .await,
        );
    }
    print(&args.target.format, &rows);
    Ok(exit_code(&rows))
}

async fn apply_each(
    config: &aws_config::SdkConfig,
    accounts: &[Target],
    access: &cloudbuilder_aws::MemberRole,
    spec: &Arc<cloudbuilder_aws::role::RoleSpec>,
    adopt: bool,
    concurrency: usize,
) -> Vec<Row> {
    let spec = Arc::clone(spec);
    let results = targets::for_each(config, accounts, access, concurrency, move |_, config| {
        let spec = Arc::clone(&spec);
        async move { account::apply(&config, &spec, adopt).await }
    })
    .await;
    results
        .into_iter()
        .map(|(target, result)| {
            let (result, detail) = match result {
                Ok(Applied::Created) => ("created", String::new()),
                Ok(Applied::Updated(writes)) => ("updated", writes.join(", ")),
                Ok(Applied::Unchanged) => ("unchanged", String::new()),
                Err(f) => ("failed", format!("{}: {}", f.code, f.message)),
            };
            Row {
                account: target.account_id,
                name: target.name.unwrap_or_default(),
                result: result.to_owned(),
                detail,
            }
        })
        .collect()
}
