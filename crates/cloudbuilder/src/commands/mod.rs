//! One module per command group, one file per command; `dispatch` is the one
//! place that maps parsed arguments to them.

mod creds;
mod query;
mod scan;
mod store;
mod tables;

use crate::cli::{Command, CredsCommand, ScanCommand};
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
        },
        Command::Scan(ScanCommand::Aws(args)) => scan::aws::run(args).await,
        Command::Query(args) => query::run(&args),
        Command::Tables(args) => tables::run(&args),
    }
}
