//! Session durations as people write them: `3600`, `900s`, `90m`, `1h`, `1h30m`, `12h`.

use crate::Error;
use std::fmt;

/// A requested session length, within what STS accepts (15 minutes to 12 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionDuration(u32);

impl SessionDuration {
    /// The shortest session STS grants.
    pub const MIN_SECS: u32 = 900;
    /// The longest session STS grants (and only when the role's MaxSessionDuration allows it).
    pub const MAX_SECS: u32 = 43_200;
    /// The longest session for a role assumed with another role's credentials.
    pub const CHAINED_MAX_SECS: u32 = 3_600;
    /// One hour: the default, and the runbook's advice.
    pub const DEFAULT: SessionDuration = SessionDuration(3_600);

    const ALLOWED: &'static str = "allowed is 900 s (15m) to 43200 s (12h), written as seconds or with units, e.g. 3600, 90m, 1h, 12h";

    /// Parses `text`; `field` names the flag or key in the error.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        let secs = parse_secs(text.trim()).ok_or_else(|| {
            Error::invalid(
                field,
                format!("'{text}' is not a duration; {}", Self::ALLOWED),
            )
        })?;
        Self::from_secs(field, secs)
    }

    /// Checks a number of seconds against the STS range.
    pub fn from_secs(field: &str, secs: u64) -> Result<Self, Error> {
        match u32::try_from(secs) {
            Ok(s) if (Self::MIN_SECS..=Self::MAX_SECS).contains(&s) => Ok(SessionDuration(s)),
            _ => Err(Error::invalid(
                field,
                format!("{secs} s is out of range; {}", Self::ALLOWED),
            )),
        }
    }

    /// The duration in seconds.
    pub fn as_secs(self) -> u32 {
        self.0
    }
}

impl fmt::Display for SessionDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 % 3600 / 60, self.0 % 60);
        let mut out = String::new();
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if m > 0 {
            out.push_str(&format!("{m}m"));
        }
        if s > 0 || out.is_empty() {
            out.push_str(&format!("{s}s"));
        }
        f.write_str(&out)
    }
}

/// `N` (seconds) or a sequence of `N<unit>` with units h, m, s in that order.
fn parse_secs(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let mut total: u64 = 0;
    let mut last_unit = u64::MAX;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        let unit = match rest.as_bytes().get(digits)? {
            b'h' => 3600,
            b'm' => 60,
            b's' => 1,
            _ => return None,
        };
        if unit >= last_unit {
            return None;
        }
        last_unit = unit;
        total = total.checked_add(n.checked_mul(unit)?)?;
        rest = &rest[digits + 1..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> Result<u32, String> {
        SessionDuration::parse("--duration", text)
            .map(SessionDuration::as_secs)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_the_forms_people_write() {
        assert_eq!(secs("3600"), Ok(3600));
        assert_eq!(secs("900s"), Ok(900));
        assert_eq!(secs("90m"), Ok(5400));
        assert_eq!(secs("1h"), Ok(3600));
        assert_eq!(secs("1h30m"), Ok(5400));
        assert_eq!(secs("12h"), Ok(43_200));
        assert_eq!(secs(" 2h "), Ok(7200));
    }

    #[test]
    fn rejects_out_of_range_with_the_allowed_range() {
        let err = secs("5m").unwrap_err();
        assert!(
            err.starts_with("--duration: 300 s is out of range; allowed is 900 s"),
            "{err}"
        );
        assert!(secs("12h1s").is_err());
        assert!(secs("899").is_err());
        assert!(secs("99999999999999999999").is_err());
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "", "h", "1d", "1m1h", "1h1h", "-3600", "1.5h", "1 h", "60mm",
        ] {
            let err = secs(bad).unwrap_err();
            assert!(err.contains("is not a duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn displays_compactly() {
        assert_eq!(SessionDuration::DEFAULT.to_string(), "1h");
        assert_eq!(SessionDuration(5400).to_string(), "1h30m");
        assert_eq!(SessionDuration(900).to_string(), "15m");
    }
}
