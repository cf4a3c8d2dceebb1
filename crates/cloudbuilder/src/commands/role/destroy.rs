//! `role destroy`: removes what apply made — the role, its inline and
//! attached policies, in every targeted account, and with `--via stackset`
//! the StackSet and its instances — and leaves alone any role of that name
//! not tagged managed-by=cloudbuilder.

use super::{Row, access_role, exit_code, partition, print, resolve, validate_target};
use crate::cli::RoleDestroyArgs;
use cloudbuilder_aws::role::account::{self, Destroyed};
use cloudbuilder_aws::role::template::{OrgTargets, STACK_SET_NAME};
use cloudbuilder_aws::role::{stackset, targets};
use std::process::ExitCode;

/// Runs `role destroy`.
pub async fn run(args: RoleDestroyArgs) -> anyhow::Result<ExitCode> {
    let selection = validate_target(&args.target)?;
    if args.via == "stackset" && selection.is_none() {
        return Err(
            crate::exit::UsageError::new("--via", "stackset needs --scope organization").into(),
        );
    }
    let config = super::load_config(&args.target).await;
    let found = resolve(&config, selection.as_ref()).await?;
    let partition = partition(&found.caller.arn);
    let access = access_role(&args.target, &partition);

    let mut rows = Vec::new();
    if args.via == "stackset" {
        let mut ous = selection
            .as_ref()
            .map(|s| s.ous.clone())
            .unwrap_or_default();
        if ous.is_empty() {
            ous.push(targets::root_id(&config).await?);
        }
        let org = OrgTargets {
            ous,
            exclude: Vec::new(),
            region: config
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into()),
        };
        let (result, detail) = match stackset::destroy(&config, &org).await {
            Ok(true) => ("deleted", "the StackSet and its instances".to_owned()),
            Ok(false) => ("absent", "no StackSet of cloudbuilder's".to_owned()),
            Err(e) => ("failed", e.to_string()),
        };
        rows.push(Row {
            account: format!("stackset {STACK_SET_NAME}"),
            name: String::new(),
            result: result.into(),
            detail,
        });
    }
    let mut accounts = found.accounts.clone();
    if args.via == "stackset" {
        // The management account got the role directly (see apply).
        let management = found.management.as_deref().unwrap_or(&found.caller.account);
        let excluded = selection
            .as_ref()
            .is_some_and(|s| s.exclude.contains(&found.caller.account));
        if management == found.caller.account && !excluded && !accounts.iter().any(|t| t.is_caller)
        {
            accounts.push(targets::Target {
                account_id: found.caller.account.clone(),
                name: None,
                is_caller: true,
            });
        }
    }
    let name = args.target.role_name.clone();
    let results = targets::for_each(
        &config,
        &accounts,
        &access,
        args.target.concurrency,
        move |_, config| {
            let name = name.clone();
            async move { account::destroy(&config, &name).await }
        },
    )
    .await;
    for (target, result) in results {
        let (result, detail) = match result {
            Ok(Destroyed::Deleted) => ("deleted", String::new()),
            Ok(Destroyed::Absent) => ("absent", String::new()),
            Ok(Destroyed::NotManaged) => (
                "left-alone",
                "not tagged managed-by=cloudbuilder: not made by apply".to_owned(),
            ),
            Err(f) => ("failed", format!("{}: {}", f.code, f.message)),
        };
        rows.push(Row {
            account: target.account_id,
            name: target.name.unwrap_or_default(),
            result: result.into(),
            detail,
        });
    }
    print(&args.target.format, &rows);
    Ok(exit_code(&rows))
}
