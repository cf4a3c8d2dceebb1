//! `role plan --cloud gcp`: writes `cloud-builder-role.yaml` (the `gcloud iam
//! roles create --file` format) and `apply.sh` (the gcloud commands), prints
//! what the role will hold and why, and changes nothing. With
//! `--federate-from-aws`, `apply.sh` also makes the Workload Identity pool,
//! the AWS provider, the service account binding and the credential
//! configuration. Works offline, except that a folder scope without
//! `--organization` looks the organization up.

use crate::cli::{RoleGcpArgs, RoleTargetArgs};
use anyhow::Context;
use cloudbuilder_gcp::GcpScope;
use cloudbuilder_gcp::permission::BILLING_QUERY;
use cloudbuilder_gcp::role::document::render;
use std::path::Path;
use std::process::ExitCode;

/// Runs `role plan --cloud gcp`.
pub async fn run(
    target: &RoleTargetArgs,
    gcp: &RoleGcpArgs,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let (spec, federation, _) = super::spec(target, gcp).await?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written = Vec::new();
    for mut file in render(&spec) {
        if let Some(federation) = &federation
            && file.name == cloudbuilder_gcp::role::document::APPLY_SCRIPT
        {
            file.contents
                .push_str(&cloudbuilder_gcp::federation::document::apply_section(
                    federation,
                ));
        }
        let path = out.join(file.name);
        std::fs::write(&path, &file.contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        if file.name.ends_with(".sh") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("cannot make {} executable", path.display()))?;
        }
        written.push(path.display().to_string());
    }

    println!(
        "Cloud Builder role plan ({} scope): nothing was changed.",
        spec.scope.kind()
    );
    println!(
        "  role          {} (custom role, stage GA)",
        spec.role_name()
    );
    if let GcpScope::Folder(folder) = &spec.scope {
        println!(
            "  why there     custom roles live only in organizations and projects: the role for folders/{folder} is made in its organization and bound on the folder"
        );
    }
    println!("  granted to    {} on {}", spec.member, spec.scope);
    println!(
        "  allows        {} permissions, generated from the {} GCP tables' declared permissions: {}",
        spec.permissions.len(),
        cloudbuilder_gcp::tables::defs().len(),
        spec.permissions.join(", ")
    );
    if spec.permissions.iter().any(|p| p == BILLING_QUERY) {
        println!(
            "  one write     {BILLING_QUERY}: reading the Cloud Billing export means running a BigQuery query job; it creates the job, changes no data"
        );
        println!(
            "  billing data  grant roles/bigquery.dataViewer on the billing export dataset only (never on the project): the role holds no table data read"
        );
    }
    println!("  never         object, secret, table-data or private-log reads");
    if let Some(f) = &federation {
        println!(
            "  keyless       sessions of {} act as {} through Workload Identity Federation; no key is made",
            f.aws_role, f.service_account
        );
        println!("  pool          {} (Workload Identity pool)", f.pool_name());
        println!(
            "  provider      {} (AWS account {}, Google's AWS attribute mapping)",
            f.provider_name(),
            f.aws_role.account()
        );
        println!("  condition     {}", f.attribute_condition());
        println!(
            "  binding       {} on {} for principalSet://iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/{}/attribute.aws_role/{}",
            cloudbuilder_gcp::federation::WORKLOAD_IDENTITY_USER,
            f.service_account,
            f.pool_id,
            f.aws_role.assumed_role_arn()
        );
        println!(
            "  config        apply.sh writes {} (no secret in it), which creds gcp --from-aws --credential-config FILE reads",
            cloudbuilder_gcp::federation::config::FILE_NAME
        );
    }
    for path in &written {
        println!("  wrote         {path}");
    }
    Ok(ExitCode::SUCCESS)
}
