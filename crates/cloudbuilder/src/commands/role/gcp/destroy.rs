//! `role destroy --cloud gcp`: removes the member's binding from the scope
//! (etag-guarded, other bindings kept), then deletes the custom role.

use crate::cli::{RoleGcpArgs, RoleTargetArgs};
use std::process::ExitCode;

/// Runs `role destroy --cloud gcp`.
pub async fn run(target: &RoleTargetArgs, gcp: &RoleGcpArgs) -> anyhow::Result<ExitCode> {
    let (spec, conn) = super::spec(target, gcp).await?;
    let steps = cloudbuilder_gcp::role::provision::destroy(&conn, &spec).await?;
    super::print(&target.format, &steps);
    Ok(ExitCode::SUCCESS)
}
