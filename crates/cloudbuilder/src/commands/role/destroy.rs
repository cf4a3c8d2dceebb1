//! `role destroy`: removes what apply made — the role, its inline and
//! attached policies, in every targeted account, and with `--via stackset`
//! the StackSet and its instances — and leaves alone any role of that name
//! not tagged managed-by=cloudbuilder.

use super::{Row, exit_code, print};
use crate::cli::RoleDestroyArgs;
use cloudbuilder_aws::role::account::{self, Destroyed};
use cloudbuilder_aws::role::template::STACK_SET_NAME;
use cloudbuilder_aws::role::{stackset, targets};
use std::process::ExitCode;

/// Runs `role destroy`.
pub async fn run(args: RoleDestroyArgs) -> anyhow::Result<ExitCode> {
    let session = super::start(&args.target, &args.via).await?;
    let (config, access) = (&session.config, &session.access);

    let mut rows = Vec::new();
    let mut accounts = session.found.accounts.clone();
    if args.via == "stackset" {
        let org = session.org_targets().await?;
        let (result, detail) = match stackset::destroy(config, &org).await {
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
        // The management account got the role directly (see apply).
        if let Some(management) = session.management_target()
            && !accounts.iter().any(|t| t.is_caller)
        {
            accounts.push(management);
        }
    }
    let name = args.target.role_name.clone();
    let results = targets::for_each(
        config,
        &accounts,
        access,
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
