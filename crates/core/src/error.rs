//! How a unit of work fails: denied, throttled, or failed, with the provider's code.

/// The class of a unit's failure, as recorded in `cloudbuilder_scan_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchErrorKind {
    /// The identity lacks a permission (AccessDenied, UnauthorizedOperation, …).
    Denied,
    /// The provider kept throttling after the SDK's retries.
    Throttled,
    /// Anything else: unreachable endpoint, unexpected answer, service error.
    Failed,
}

impl FetchErrorKind {
    /// The kind's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FetchErrorKind::Denied => "denied",
            FetchErrorKind::Throttled => "throttled",
            FetchErrorKind::Failed => "failed",
        }
    }
}

/// Why one unit (table × target) produced no rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct FetchError {
    /// The class of failure.
    pub kind: FetchErrorKind,
    /// The provider's error code, e.g. `UnauthorizedOperation`, or ours, e.g. `Unreachable`.
    pub code: String,
    /// One line saying what happened.
    pub message: String,
}

impl FetchError {
    /// Whether the provider refused the request's credentials as expired:
    /// the same request with fresh credentials would be answered.
    pub fn is_expired_credentials(&self) -> bool {
        matches!(
            self.code.as_str(),
            "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired"
        )
    }

    /// A failure with `code` and `message`, classified from the code.
    pub fn classify(code: impl Into<String>, message: impl Into<String>) -> Self {
        let code = code.into();
        let kind = match code.as_str() {
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthFailure"
            | "AuthorizationError"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "AccessDeniedForDependencyException"
            | "Forbidden"
            | "PERMISSION_DENIED"
            | "AuthorizationFailed" => FetchErrorKind::Denied,
            "Throttling"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"
            | "RequestThrottled"
            | "SlowDown"
            | "RESOURCE_EXHAUSTED"
            | "TooManyRequests" => FetchErrorKind::Throttled,
            _ => FetchErrorKind::Failed,
        };
        FetchError {
            kind,
            code,
            message: message
                .into()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified_and_messages_are_one_line() {
        assert_eq!(
            FetchError::classify("UnauthorizedOperation", "x").kind,
            FetchErrorKind::Denied
        );
        assert_eq!(
            FetchError::classify("RequestLimitExceeded", "x").kind,
            FetchErrorKind::Throttled
        );
        let e = FetchError::classify("InternalError", "line one\n  line two");
        assert_eq!(e.kind, FetchErrorKind::Failed);
        assert_eq!(e.message, "line one line two");
        assert_eq!(e.to_string(), "InternalError: line one line two");
    }
}
