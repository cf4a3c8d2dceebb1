//! `role verify`: reads the role back in every targeted account and reports
//! drift from the plan (missing or extra actions, extra policies, a widened
//! trust, a lost external id or MFA condition, a raised max session), then
//! proves it by use: assumes it as the scanner and shows one read per API
//! family succeeds and a write is refused. IAM's policy simulator would be
//! the other proof; the probes work where it does not (emulators included).

use super::{Row, print, validate_definition};
use crate::cli::RoleVerifyArgs;
use aws_config::BehaviorVersion;
use cloudbuilder_aws::MemberRole;
use cloudbuilder_aws::role::{account, probe, targets};
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

/// Exit code when an account could not be read and none drifted.
const UNREADABLE: u8 = 2;

/// Runs `role verify`.
pub async fn run(args: RoleVerifyArgs) -> anyhow::Result<ExitCode> {
    let definition = validate_definition(&args.definition)?;
    if let Some(name) = &args.scanner_profile {
        crate::commands::creds::read_profile(name).await?;
    }
    let session = super::start(&args.target, "iam").await?;
    let (config, found, access, partition) = (
        &session.config,
        &session.found,
        &session.access,
        &session.partition,
    );
    let spec =
        Arc::new(definition.spec(&args.target.role_name, &found.caller.account, partition)?);
    let name = spec.role_name.as_str().to_owned();
    let drift_spec = Arc::clone(&spec);
    let read = targets::for_each(
        config,
        &found.accounts,
        access,
        args.target.concurrency,
        move |_, config| {
            let (spec, name) = (Arc::clone(&drift_spec), name.clone());
            async move {
                let state = account::read(&config, &name).await?;
                Ok(account::drift(&spec, state.as_ref()))
            }
        },
    )
    .await;

    let mut probes = HashMap::new();
    let probing = !args.no_probe && !spec.require_mfa;
    if probing {
        let scanner = match &args.scanner_profile {
            // The profile's own credentials, not the default chain's (where
            // environment variables would win over the profile).
            Some(profile) => {
                aws_config::defaults(BehaviorVersion::latest())
                    .region(config.region().cloned())
                    .credentials_provider(
                        aws_config::profile::ProfileFileCredentialsProvider::builder()
                            .profile_name(profile)
                            .build(),
                    )
                    .load()
                    .await
            }
            None => config.clone(),
        };
        let role = MemberRole {
            name: spec.role_name.as_str().to_owned(),
            external_id: spec.external_id.as_ref().map(|id| id.as_str().to_owned()),
            session_name: "cloudbuilder-verify".to_owned(),
            partition: partition.to_owned(),
        };
        // Always through the role, the caller's own account included.
        let via_role: Vec<_> = found
            .accounts
            .iter()
            .cloned()
            .map(|mut t| {
                t.is_caller = false;
                t
            })
            .collect();
        let management = found
            .management
            .clone()
            .unwrap_or_else(|| found.caller.account.clone());
        let results = targets::for_each(
            &scanner,
            &via_role,
            &role,
            args.target.concurrency,
            move |target, config| {
                let management = target.account_id == management;
                async move { Ok(probe::run(&config, management).await) }
            },
        )
        .await;
        for (target, result) in results {
            probes.insert(target.account_id, result);
        }
    }

    let (mut drifted, mut unreadable) = (false, false);
    let mut rows = Vec::new();
    for (target, result) in read {
        let mut row = Row {
            account: target.account_id.clone(),
            name: target.name.clone().unwrap_or_default(),
            result: "ok".into(),
            detail: String::new(),
        };
        let mut details = Vec::new();
        match result {
            Err(f) => {
                unreadable = true;
                row.result = "failed".into();
                details.push(format!("{}: {}", f.code, f.message));
            }
            Ok(drift) if !drift.is_empty() => {
                drifted = true;
                row.result = "drift".into();
                details.extend(drift.iter().map(ToString::to_string));
            }
            Ok(_) => details.push("matches the plan".into()),
        }
        match probes.remove(&target.account_id) {
            Some(Ok(list)) => {
                let failed: Vec<String> = list
                    .iter()
                    .filter(|p| !p.passed())
                    .map(|p| match &p.answer {
                        Ok(()) => format!("{} was allowed", p.action),
                        Err(code) => format!("{} refused ({code})", p.action),
                    })
                    .collect();
                if failed.is_empty() {
                    details.push(format!("probes: {} reads allowed, the write refused", list.len() - 1));
                } else {
                    drifted = true;
                    row.result = "drift".into();
                    details.push(format!("probes: {}", failed.join(", ")));
                }
            }
            Some(Err(f)) if args.scanner_profile.is_none() && f.code == "AccessDenied" => details.push(
                "probes skipped: the caller may not assume the role; pass --scanner-profile with the trusted principal's profile".into(),
            ),
            Some(Err(f)) => {
                drifted = true;
                row.result = "drift".into();
                details.push(format!("the scanner cannot assume the role: {}", f.message));
            }
            None if spec.require_mfa && !args.no_probe => {
                details.push("probes skipped: the role requires MFA".into());
            }
            None => {}
        }
        row.detail = details.join("; ");
        rows.push(row);
    }
    print(&args.target.format, &rows);
    Ok(if drifted {
        ExitCode::FAILURE
    } else if unreadable {
        ExitCode::from(UNREADABLE)
    } else {
        ExitCode::SUCCESS
    })
}
