//! `scan …`: one file per cloud, sharing the progress display and the store writer.

pub mod aws;
mod progress;
mod writer;
