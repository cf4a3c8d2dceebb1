//! `role apply --cloud gcp`: creates the custom role or brings it back to the
//! plan (patch with an update mask; undelete a soft-deleted role), then binds
//! it on the scope with an etag-guarded read-modify-write. Idempotent: a
//! second run reports unchanged and writes nothing.

use crate::cli::{RoleGcpArgs, RoleTargetArgs};
use std::process::ExitCode;

/// Runs `role apply --cloud gcp`.
pub async fn run(target: &RoleTargetArgs, gcp: &RoleGcpArgs) -> anyhow::Result<ExitCode> {
    let (spec, conn) = super::spec(target, gcp).await?;
    let steps = cloudbuilder_gcp::role::provision::apply(&conn, &spec).await?;
    super::print(&target.format, &steps);
    Ok(ExitCode::SUCCESS)
}
