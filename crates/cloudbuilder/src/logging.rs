//! Log set-up: `-v` raises the level (info, debug, trace), `RUST_LOG` overrides
//! it with any `tracing` filter. Without either, cloudbuilder's own warnings
//! show and the SDK's only when they are errors: an SDK warning (say, a missing
//! optional config file) is not worth a line between the user and the result. Logs go to standard error; standard output is
//! kept for results so that `eval "$(cloudbuilder creds assume …)"` works.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber.
pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "error,cloudbuilder=warn,cloudbuilder_aws=warn,cloudbuilder_creds=warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(spec).unwrap_or_else(|e| {
            eprintln!("warning: RUST_LOG: {e}; using the default filter");
            EnvFilter::new(default)
        }),
        _ => EnvFilter::new(default),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(verbose >= 2)
        .init();
}
