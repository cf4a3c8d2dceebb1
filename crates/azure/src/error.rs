//! The error type of the Azure crate.

/// What can go wrong talking to Azure or reading Azure settings.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the user gave (a flag or variable) is malformed.
    #[error("{field}: {problem}")]
    InvalidInput {
        /// The flag or variable the value came from.
        field: String,
        /// What was wrong and what is allowed.
        problem: String,
    },
    /// No credential source is configured.
    #[error(
        "no Azure credentials: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (a service principal), AZURE_FEDERATED_TOKEN_FILE (workload identity), or run `az login`"
    )]
    NoCredentials,
    /// A configured credential source failed to give a token.
    #[error("{source_name}: cannot get a token: {message}")]
    Credential {
        /// The source, e.g. `client secret (AZURE_CLIENT_SECRET)`.
        source_name: &'static str,
        /// What it said (never a secret).
        message: String,
    },
    /// Azure Resource Manager answered with an error.
    #[error("{operation} refused: {message} ({code}, HTTP {status})")]
    Service {
        /// The operation, e.g. `RoleAssignments_Create`.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// ARM's error code, e.g. `AuthorizationFailed`.
        code: String,
        /// ARM's message.
        message: String,
    },
    /// The endpoint could not be reached.
    #[error("{operation}: cannot reach Azure: {message}")]
    Unreachable {
        /// The operation.
        operation: &'static str,
        /// What the transport said.
        message: String,
    },
    /// The answer was not what the API promises.
    #[error("{operation}: unexpected answer: {message}")]
    Unexpected {
        /// The operation.
        operation: &'static str,
        /// What was missing or wrong.
        message: String,
    },
}

impl Error {
    /// True when the error is the user's input (exit 64), not Azure's answer.
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::InvalidInput { .. })
    }

    /// An input error about `field`.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// ARM's error code, for service errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
