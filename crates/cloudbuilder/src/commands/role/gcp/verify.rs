//! `role verify --cloud gcp`: reads the role and its binding back, reports
//! drift from the plan (exit 1), and asks `testIamPermissions`, as the member
//! service account, which of the role's permissions it holds on the scope.
//! With `--federate-from-aws`, also the pool, the provider (its account,
//! mapping and pinned condition), the service account binding and the
//! credential configuration file.

use crate::cli::{RoleGcpArgs, RoleTargetArgs};
use crate::exit::FAILURE;
use std::process::ExitCode;

/// Runs `role verify --cloud gcp`.
pub async fn run(
    target: &RoleTargetArgs,
    gcp: &RoleGcpArgs,
    probe: bool,
) -> anyhow::Result<ExitCode> {
    let (spec, federation, conn) = super::spec(target, gcp).await?;
    let mut steps = cloudbuilder_gcp::role::provision::verify(&conn, &spec, probe).await?;
    if let Some(federation) = &federation {
        let path = super::config_path(&gcp.federation, None);
        steps.extend(
            cloudbuilder_gcp::federation::provision::verify(
                &conn,
                federation,
                super::config_target(gcp, &path),
            )
            .await?,
        );
    }
    super::print(&target.format, &steps);
    Ok(if steps.iter().any(|s| s.is_drift()) {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}
