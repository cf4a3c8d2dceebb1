//! `role verify --cloud gcp`: reads the role and its binding back, reports
//! drift from the plan (exit 1), and asks `testIamPermissions`, as the member
//! service account, which of the role's permissions it holds on the scope.

use crate::cli::{RoleGcpArgs, RoleTargetArgs};
use crate::exit::FAILURE;
use std::process::ExitCode;

/// Runs `role verify --cloud gcp`.
pub async fn run(
    target: &RoleTargetArgs,
    gcp: &RoleGcpArgs,
    probe: bool,
) -> anyhow::Result<ExitCode> {
    let (spec, conn) = super::spec(target, gcp).await?;
    let steps = cloudbuilder_gcp::role::provision::verify(&conn, &spec, probe).await?;
    super::print(&target.format, &steps);
    Ok(if steps.iter().any(|s| s.is_drift()) {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}
