//! GUIDs: parsing the ones users give (subscription and object ids), and
//! deriving the deterministic ones ARM names role definitions and
//! assignments by, so that re-running apply PUTs the same resources.

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::fmt;

/// A lowercase GUID, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(String);

impl Guid {
    /// Parses a GUID given as `field`.
    pub fn parse(field: &str, text: &str) -> Result<Guid> {
        let groups: Vec<&str> = text.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        let hex = groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()));
        if lengths != [8, 4, 4, 4, 12] || !hex {
            return Err(Error::invalid(
                field,
                format!(
                    "'{text}' is not a GUID; expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal)"
                ),
            ));
        }
        Ok(Guid(text.to_ascii_lowercase()))
    }

    /// A name-based GUID (RFC 9562 version 8, from SHA-256) for `parts`:
    /// the same parts always give the same GUID.
    pub fn derive(parts: &[&str]) -> Guid {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update(part.to_ascii_lowercase().as_bytes());
            hash.update([0u8]);
        }
        let digest = hash.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
        bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Guid(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ))
    }

    /// The GUID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_lowercases() {
        let g = Guid::parse("--assignee", "6F1D7C2E-8B5A-4E0F-9D3C-2A1B0C9D8E02");
        assert_eq!(
            g.map(|g| g.to_string()).ok().as_deref(),
            Some("6f1d7c2e-8b5a-4e0f-9d3c-2a1b0c9d8e02")
        );
    }

    #[test]
    fn refuses_what_is_not_a_guid_naming_the_field() {
        for bad in [
            "",
            "not-a-guid",
            "6f1d7c2e8b5a4e0f9d3c2a1b0c9d8e02",
            "6f1d7c2e-8b5a-4e0f-9d3c-2a1b0c9d8e0z",
        ] {
            let err = Guid::parse("--assignee", bad).err().map(|e| e.to_string());
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.starts_with("--assignee: ")),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn derived_guids_are_stable_distinct_and_well_formed() {
        let a = Guid::derive(&["role", "/subscriptions/x", "CloudBuilder"]);
        assert_eq!(
            a,
            Guid::derive(&["role", "/SUBSCRIPTIONS/x", "CloudBuilder"])
        );
        assert_ne!(
            a,
            Guid::derive(&["role", "/subscriptions/y", "CloudBuilder"])
        );
        assert!(Guid::parse("x", a.as_str()).is_ok());
        assert_eq!(&a.as_str()[14..15], "8");
    }
}
