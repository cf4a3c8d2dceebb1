//! One module per command group, one file per command; `dispatch` is the one
//! place that maps parsed arguments to them.

mod creds;
pub mod gcp_federation;
mod query;
mod role;
mod scan;
mod store;
mod tables;

use crate::cli::{Command, CredsCommand, RoleCommand, ScanCommand};
use std::process::ExitCode;

/// Runs the chosen command.
pub async fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Creds(creds) => match creds {
            CredsCommand::Assume(args) => creds::assume::run(args).await,
            CredsCommand::Exec(args) => creds::exec::run(args).await,
            CredsCommand::WriteProfile(args) => creds::write_profile::run(args).await,
            CredsCommand::Whoami(args) => creds::whoami::run(args).await,
            CredsCommand::ClearCache => creds::clear_cache::run(),
            CredsCommand::Gcp(args) => creds::gcp::run(args).await,
            CredsCommand::Azure(args) => creds::azure::run(args).await,
        },
        Command::Role(role) if role.cloud() == "gcp" => role::gcp::run(role).await,
        Command::Role(role) if role.cloud() == "azure" => role::azure::run(role).await,
        Command::Role(role) => match role {
            RoleCommand::Plan(args) => role::plan::run(args).await,
            RoleCommand::Apply(args) => role::apply::run(args).await,
            RoleCommand::Verify(args) => role::verify::run(args).await,
            RoleCommand::Destroy(args) => role::destroy::run(args).await,
        },
        Command::Scan(ScanCommand::Aws(args)) => scan::aws::run(args).await,
        Command::Scan(ScanCommand::Gcp(args)) => scan::gcp::run(args).await,
        Command::Scan(ScanCommand::Azure(args)) => scan::azure::run(args).await,
        Command::Query(args) => query::run(&args),
        Command::Tables(args) => tables::run(&args),
    }
}
