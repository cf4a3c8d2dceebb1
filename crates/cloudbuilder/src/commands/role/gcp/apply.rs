//! `role apply --cloud gcp`: creates the custom role or brings it back to the
//! plan (patch with an update mask; undelete a soft-deleted role), then binds
//! it on the scope with an etag-guarded read-modify-write. With
//! `--federate-from-aws`, also the Workload Identity pool and AWS provider,
//! the service account binding for the role's sessions, and the credential
//! configuration file. Idempotent: a second run reports unchanged and writes
//! nothing.

use crate::cli::{RoleGcpArgs, RoleTargetArgs};
use std::path::Path;
use std::process::ExitCode;

/// Runs `role apply --cloud gcp`.
pub async fn run(
    target: &RoleTargetArgs,
    gcp: &RoleGcpArgs,
    out: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let (spec, federation, conn) = super::spec(target, gcp).await?;
    let mut steps = cloudbuilder_gcp::role::provision::apply(&conn, &spec).await?;
    if let Some(federation) = &federation {
        let path = super::config_path(&gcp.federation, out);
        steps.extend(
            cloudbuilder_gcp::federation::provision::apply(
                &conn,
                federation,
                super::config_target(gcp, &path),
            )
            .await?,
        );
    }
    super::print(&target.format, &steps);
    Ok(ExitCode::SUCCESS)
}
