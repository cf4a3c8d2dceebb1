//! `role plan`: writes the role's documents, CloudFormation templates and the
//! equivalent aws CLI commands into a folder, prints what the role will be
//! able to do, and changes nothing in AWS.

use super::{partition, validate_definition, validate_target};
use crate::cli::RolePlanArgs;
use anyhow::Context;
use cloudbuilder_aws::role::document::{DENIED_DATA_READS, allowed_actions};
use cloudbuilder_aws::role::template::{OrgTargets, render};
use std::process::ExitCode;

/// Runs `role plan`.
pub async fn run(args: RolePlanArgs) -> anyhow::Result<ExitCode> {
    let selection = validate_target(&args.target)?;
    let definition = validate_definition(&args.definition)?;
    let config = super::load_config(&args.target).await;

    // The caller is asked only when the plan needs it: the default principal,
    // or the organization's root when no OU is named. A plan with every value
    // given works offline.
    let caller = if definition.trusted_principal.is_none() {
        Some(
            cloudbuilder_aws::role::targets::resolve(&config, None)
                .await
                .context("--trusted-principal not given, and the caller's account cannot be read to default to it")?
                .caller,
        )
    } else {
        None
    };
    let partition = match (&caller, &definition.trusted_principal) {
        (Some(caller), _) => partition(&caller.arn),
        (None, Some(p)) if p.starts_with("arn:") => partition(p),
        _ => "aws".to_owned(),
    };
    let caller_account = caller
        .as_ref()
        .map(|c| c.account.clone())
        .unwrap_or_default();
    let spec = definition.spec(&args.target.role_name, &caller_account, &partition)?;

    let mut notes = Vec::new();
    let org = match &selection {
        None => None,
        Some(selection) => {
            let mut ous = selection.ous.clone();
            if ous.is_empty() {
                match cloudbuilder_aws::role::targets::root_id(&config).await {
                    Ok(root) => ous.push(root),
                    Err(e) => notes.push(format!(
                        "the organization's root could not be read ({e}); set OU_IDS when running apply.sh, or pass --ou"
                    )),
                }
            }
            Some(OrgTargets {
                ous,
                exclude: selection.exclude.clone(),
                region: config
                    .region()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "us-east-1".to_owned()),
            })
        }
    };

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut written = Vec::new();
    for file in render(&spec, org.as_ref()) {
        let path = args.out.join(file.name);
        std::fs::write(&path, &file.contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        if file.name.ends_with(".sh") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("cannot make {} executable", path.display()))?;
        }
        written.push(path.display().to_string());
    }

    let allowed = allowed_actions();
    println!(
        "Cloud Builder role plan ({} scope): nothing was changed.",
        super::aws_scope(&args.target)?
    );
    println!(
        "  role          {}, sessions up to {}s",
        spec.role_name, spec.max_session_seconds
    );
    println!(
        "  trusts        {}{}{}",
        spec.trusted_principal.as_str(),
        if spec.external_id.is_some() {
            ", with the external id"
        } else {
            ", no external id"
        },
        if spec.require_mfa { ", with MFA" } else { "" }
    );
    println!(
        "  allows        {} read actions, generated from the {} tables' declared permissions and discovery",
        allowed.len(),
        cloudbuilder_aws::tables::TABLES.len()
    );
    match &spec.trail_bucket {
        Some(bucket) => {
            println!("  trail bucket  s3:ListBucket and s3:GetObject on {bucket}/AWSLogs/* only")
        }
        None => println!("  trail bucket  none: no S3 object is readable"),
    }
    println!(
        "  denies        {} data reads: {}",
        DENIED_DATA_READS.len(),
        DENIED_DATA_READS.join(", ")
    );
    for arn in &spec.managed_policies {
        println!("  attaches      {}", arn.as_str());
    }
    if let Some(org) = &org {
        println!(
            "  deploys to    {} (StackSet instances in {}){}",
            if org.ous.is_empty() {
                "the OUs in OU_IDS".to_owned()
            } else {
                org.ous.join(", ")
            },
            org.region,
            if org.exclude.is_empty() {
                String::new()
            } else {
                format!(", except {}", org.exclude.join(", "))
            }
        );
    }
    for path in &written {
        println!("  wrote         {path}");
    }
    if spec.external_id.is_none() {
        eprintln!(
            "warning: no --external-id: anyone the trusted principal lets assume roles can assume this one (confused deputy); pass --external-id"
        );
    }
    if args.definition.trusted_principal.is_none() {
        eprintln!(
            "warning: no --trusted-principal: the role trusts the whole account {} (any principal its IAM policies allow); name the scanner's role or user",
            spec.trusted_principal.account()
        );
    }
    for note in notes {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
