//! The error type of the AWS crate, and how SDK errors become one-line causes.

use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// What can go wrong talking to AWS or reading AWS configuration.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the user gave (flag or profile key) is malformed.
    #[error("{field}: {problem}")]
    InvalidInput {
        /// The flag or `profile NAME key` the value came from.
        field: String,
        /// What was wrong and what is allowed.
        problem: String,
    },
    /// `--profile` names no profile in the shared config or credentials file.
    #[error(
        "--profile: no profile '{name}' in the AWS config or credentials file; known profiles: {known}"
    )]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The profiles that exist, comma-separated.
        known: String,
    },
    /// The AWS config or credentials file cannot be read or parsed.
    #[error("AWS config: {0}")]
    Config(String),
    /// A session longer than an hour was asked for with role credentials as the source.
    #[error(
        "--duration: {requested} is longer than 1h, but the source credentials are themselves an assumed role ({caller}) and AWS caps role chaining at 1h; use --duration 1h or less"
    )]
    RoleChaining {
        /// The duration asked for, e.g. `2h`.
        requested: String,
        /// The source identity's ARN.
        caller: String,
    },
    /// No source credentials were found, or their provider failed.
    #[error("source credentials: {0}")]
    SourceCredentials(String),
    /// AWS answered with an error.
    #[error("{operation} refused: {message} ({code})")]
    Service {
        /// The API operation, e.g. `AssumeRole`.
        operation: &'static str,
        /// The provider's error code, e.g. `AccessDenied`.
        code: String,
        /// The provider's message, or our explanation of it.
        message: String,
    },
    /// The endpoint could not be reached.
    #[error("{operation}: cannot reach the AWS endpoint: {message}")]
    Unreachable {
        /// The API operation.
        operation: &'static str,
        /// What the connection attempt said.
        message: String,
    },
    /// The answer was not what the API promises.
    #[error("{operation}: unexpected answer: {message}")]
    Unexpected {
        /// The API operation.
        operation: &'static str,
        /// What was missing or wrong.
        message: String,
    },
    /// The MFA token code is needed and cannot be asked for.
    #[error(
        "--token-code: required with --mfa-serial {serial} when standard input is not a terminal; pass the 6-digit code"
    )]
    TokenCodeRequired {
        /// The MFA device.
        serial: String,
    },
    /// Credential machinery (cache, formats) failed.
    #[error(transparent)]
    Creds(#[from] cloudbuilder_creds::Error),
}

impl Error {
    /// A usage error: the user's input, not AWS or the machine, is at fault.
    pub fn is_usage(&self) -> bool {
        match self {
            Error::InvalidInput { .. }
            | Error::UnknownProfile { .. }
            | Error::Config(_)
            | Error::RoleChaining { .. }
            | Error::TokenCodeRequired { .. } => true,
            Error::Creds(e) => e.is_usage(),
            _ => false,
        }
    }

    /// The provider's error code, when AWS refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// Turns an SDK error into a one-line error naming the provider's code.
    pub(crate) fn from_sdk<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let (code, message) = match e.code() {
                    Some(code) => (code.to_owned(), e.message().map(str::to_owned)),
                    None => fallback_code_and_message(service.raw()),
                };
                Error::Service {
                    operation,
                    code,
                    message: one_line(message.as_deref().unwrap_or("no message")),
                }
            }
            SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
                Error::Unreachable {
                    operation,
                    message: one_line(&DisplayErrorContext(&err).to_string()),
                }
            }
            SdkError::TimeoutError(_) => Error::Unreachable {
                operation,
                message: "timed out".to_owned(),
            },
            _ => Error::Unexpected {
                operation,
                message: one_line(&DisplayErrorContext(&err).to_string()),
            },
        }
    }
}

/// The code and message of an error body the SDK's protocol parser did not
/// recognise. Some endpoints that speak the Query protocol (emulators,
/// proxies) wrap errors EC2-style (`<ErrorResponse><Errors><Error>`) or only set
/// the `X-Amzn-ErrorType` header; the user still deserves the real code.
fn fallback_code_and_message(raw: &HttpResponse) -> (String, Option<String>) {
    let body = raw
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find(&format!("</{name}>"))? + start;
        Some(body[start..end].trim().to_owned()).filter(|v| !v.is_empty())
    };
    let header = raw
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.split(':').next().unwrap_or(v).to_owned())
        .filter(|v| !v.is_empty() && v != "UnknownError");
    let code = element("Code")
        .or(header)
        .unwrap_or_else(|| format!("HTTP {}", raw.status().as_u16()));
    (code, element("Message"))
}

/// Collapses a multi-line provider message into one line.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl From<Error> for cloudbuilder_core::FetchError {
    fn from(err: Error) -> Self {
        match err {
            Error::Service { code, message, .. } => {
                cloudbuilder_core::FetchError::classify(code, message)
            }
            Error::Unreachable { message, .. } => {
                cloudbuilder_core::FetchError::classify("Unreachable", message)
            }
            Error::SourceCredentials(message) => {
                cloudbuilder_core::FetchError::classify("NoCredentials", message)
            }
            other => cloudbuilder_core::FetchError::classify("Failed", other.to_string()),
        }
    }
}
