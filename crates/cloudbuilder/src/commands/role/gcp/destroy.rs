//! `role destroy --cloud gcp`: with `--federate-from-aws`, first removes the
//! role's sessions' binding on the service account, the provider, the pool
//! and the credential configuration file; then removes the member's binding
//! from the scope (etag-guarded, other bindings kept) and deletes the custom
//! role.

use crate::cli::{RoleGcpArgs, RoleTargetArgs};
use std::process::ExitCode;

/// Runs `role destroy --cloud gcp`.
pub async fn run(target: &RoleTargetArgs, gcp: &RoleGcpArgs) -> anyhow::Result<ExitCode> {
    let (spec, federation, conn) = super::spec(target, gcp).await?;
    let mut steps = Vec::new();
    if let Some(federation) = &federation {
        let path = super::config_path(&gcp.federation, None);
        steps.extend(
            cloudbuilder_gcp::federation::provision::destroy(
                &conn,
                federation,
                super::config_target(gcp, &path),
            )
            .await?,
        );
    }
    steps.extend(cloudbuilder_gcp::role::provision::destroy(&conn, &spec).await?);
    super::print(&target.format, &steps);
    Ok(ExitCode::SUCCESS)
}
