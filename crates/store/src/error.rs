//! The store's error type.

use std::path::PathBuf;

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store file cannot be opened or created.
    #[error("cannot open the store {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A write failed; the transaction was rolled back.
    #[error("store: {action}: {source}")]
    Write {
        /// What was being written.
        action: String,
        /// The database's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A query is not valid SQL, or failed.
    #[error("query: {0}")]
    Query(String),
    /// A query would change the store.
    #[error(
        "query: only read-only statements are allowed (SELECT, WITH …); the store is written by scans"
    )]
    NotReadOnly,
}

impl Error {
    pub(crate) fn write(action: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
        let action = action.into();
        move |source| Error::Write { action, source }
    }
}
