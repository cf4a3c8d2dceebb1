//! The error type of the credentials crate.

use std::path::PathBuf;

/// What can go wrong in credential handling that is not a cloud's refusal.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the user gave is malformed; `field` names the flag or key.
    #[error("{field}: {problem}")]
    InvalidInput {
        /// The flag or configuration key, e.g. `--duration`.
        field: String,
        /// What was wrong and what is allowed, in one sentence.
        problem: String,
    },
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// No user cache directory is known (no `$HOME`, no `$XDG_CACHE_HOME`).
    #[error("no cache directory: set HOME or XDG_CACHE_HOME, or pass --no-cache")]
    NoCacheDir,
    /// No shared credentials file location is known.
    #[error("no shared credentials file: set HOME or AWS_SHARED_CREDENTIALS_FILE")]
    NoCredentialsFile,
}

impl Error {
    /// A usage error: the user's input, not the environment, is at fault.
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::InvalidInput { .. })
    }

    pub(crate) fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            problem: problem.into(),
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
