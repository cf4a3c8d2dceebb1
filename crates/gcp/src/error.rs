//! The error type of the GCP crate, and how Google API errors become one-line causes.

/// What can go wrong talking to Google Cloud or reading GCP input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the user gave (a flag) is malformed.
    #[error("{field}: {problem}")]
    InvalidInput {
        /// The flag the value came from.
        field: String,
        /// What was wrong and what is allowed.
        problem: String,
    },
    /// No credentials were found, or building them failed.
    #[error("GCP credentials: {0}")]
    Credentials(String),
    /// Google answered with an error.
    #[error("{operation} refused: {message} ({code})")]
    Service {
        /// The API method, e.g. `roles.create`.
        operation: &'static str,
        /// The canonical status, e.g. `PERMISSION_DENIED`, or the HTTP status.
        code: String,
        /// Google's message.
        message: String,
    },
    /// The endpoint could not be reached, or the answer could not be read.
    #[error("{operation}: {message}")]
    Transport {
        /// The API method.
        operation: &'static str,
        /// What happened.
        message: String,
    },
    /// The answer was not what the API promises.
    #[error("{operation}: unexpected answer: {message}")]
    Unexpected {
        /// The API method.
        operation: &'static str,
        /// What was missing or wrong.
        message: String,
    },
    /// setIamPolicy kept meeting concurrent writers.
    #[error(
        "setIamPolicy on {resource}: the policy kept changing under us after {attempts} attempts; try again"
    )]
    Contention {
        /// The resource whose policy was written.
        resource: String,
        /// How many read-modify-write rounds were tried.
        attempts: u32,
    },
}

impl Error {
    /// Whether this is the user's input at fault (exit 64).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::InvalidInput { .. })
    }

    /// A usage error about `field`.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// The canonical status code of a service error (`NOT_FOUND`, `ABORTED`…).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Turns a google-cloud-gax error into one of ours, with the method named.
    pub fn from_gax(operation: &'static str, err: google_cloud_gax::error::Error) -> Self {
        if let Some(status) = err.status() {
            return Error::Service {
                operation,
                code: status_name(status.code),
                message: first_line(&status.message),
            };
        }
        if let Some(http) = err.http_status_code() {
            let body = err
                .http_payload()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            return Error::Service {
                operation,
                code: format!("HTTP {http}"),
                message: first_line(&body),
            };
        }
        if err.is_authentication() {
            return Error::Credentials(credentials_cause(&err));
        }
        Error::Transport {
            operation,
            message: first_line(&err.to_string()),
        }
    }
}

/// The canonical name of a status code, as Google writes it in JSON errors.
fn status_name(code: google_cloud_gax::error::rpc::Code) -> String {
    use google_cloud_gax::error::rpc::Code;
    match code {
        Code::Cancelled => "CANCELLED",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
        _ => "UNKNOWN",
    }
    .to_owned()
}

/// Why credentials could not make their headers, on one line: the refusal
/// a token endpoint answered (an OAuth error of STS, a Google error of IAM
/// Credentials) when one is in the error's causes, else the causes joined.
fn credentials_cause(err: &dyn std::error::Error) -> String {
    let mut causes = Vec::new();
    let mut current: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = current {
        causes.push(e.to_string());
        current = e.source();
    }
    causes
        .iter()
        .find_map(|c| refusal(c))
        .unwrap_or_else(|| first_line(&causes.join(": ")))
}

/// The refusal in google-cloud-auth's `…, body=<BODY>` messages.
fn refusal(text: &str) -> Option<String> {
    let start = text.find("body=<")? + "body=<".len();
    let end = text.rfind('>').filter(|end| *end >= start)?;
    let body: serde_json::Value = serde_json::from_str(&text[start..end]).ok()?;
    let error = &body["error"];
    let (code, message) = match error.as_str() {
        Some(code) => (code, body["error_description"].as_str().unwrap_or_default()),
        None => (
            error["status"].as_str().unwrap_or("refused"),
            error["message"].as_str().unwrap_or_default(),
        ),
    };
    Some(first_line(&format!(
        "the token endpoint refused the exchange: {message} ({code})"
    )))
}

/// The first line of a message, trimmed (errors print on one line).
pub(crate) fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_endpoints_refusal_is_found_in_the_message() {
        let sts = r#"failed to exchange token, body=<{"error": "invalid_grant", "error_description": "The given credential is rejected by the attribute condition."}>"#;
        assert_eq!(
            refusal(sts).as_deref(),
            Some(
                "the token endpoint refused the exchange: The given credential is rejected by the attribute condition. (invalid_grant)"
            )
        );
        let iam = r#"x, body=<{"error": {"code": 403, "message": "Permission denied", "status": "PERMISSION_DENIED"}}>"#;
        assert_eq!(
            refusal(iam).as_deref(),
            Some("the token endpoint refused the exchange: Permission denied (PERMISSION_DENIED)")
        );
        assert_eq!(refusal("no body here"), None);
    }
}
