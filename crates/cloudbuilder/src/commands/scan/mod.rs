//! `scan …`: one file per cloud, sharing one runner (store,
//! run record, cursors, engine, progress, exit code).

pub mod aws;
pub mod azure;
pub mod gcp;
mod progress;
mod runner;
mod writer;
