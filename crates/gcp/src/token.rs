//! Access tokens as a redacting type: printed, logged or put in an error, an
//! [`AccessToken`] shows `[redacted]`; only [`AccessToken::expose`] gives the text.

use std::fmt;

/// An OAuth 2.0 bearer token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(token.into())
    }

    /// The token itself, to put in a header or hand to a child process.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_token() {
        let token = AccessToken::new("ya29.secret-value");
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
        assert_eq!(format!("{token}"), "[redacted]");
        assert_eq!(
            format!("{:?}", Some(&token)),
            "Some(AccessToken([redacted]))"
        );
        assert_eq!(token.expose(), "ya29.secret-value");
    }
}
