//! The GCP scope a role is granted at and a scan reads: an organization, a
//! folder or a project, written as Resource Manager names them.

use crate::error::{Error, Result};
use std::fmt;

/// `organizations/ID`, `folders/ID` or `projects/PROJECT_ID`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GcpScope {
    /// An organization, by its numeric id.
    Organization(String),
    /// A folder, by its numeric id.
    Folder(String),
    /// A project, by its project id (or number).
    Project(String),
}

const ALLOWED: &str = "allowed are organizations/ID, folders/ID and projects/PROJECT_ID";

impl GcpScope {
    /// Parses `text`, naming `field` in the error.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid(field, format!("'{text}' {why}; {ALLOWED}"));
        let (kind, id) = text
            .split_once('/')
            .ok_or_else(|| bad("is not a GCP scope"))?;
        match kind {
            "organizations" | "folders" => {
                if !numeric_id(id) {
                    return Err(bad("needs a numeric id"));
                }
                Ok(if kind == "organizations" {
                    GcpScope::Organization(id.to_owned())
                } else {
                    GcpScope::Folder(id.to_owned())
                })
            }
            "projects" => {
                if !project_id(id) && !numeric_id(id) {
                    return Err(bad(
                        "needs a project id (6-30 of a-z, 0-9 and -, starting with a letter)",
                    ));
                }
                Ok(GcpScope::Project(id.to_owned()))
            }
            _ => Err(bad("is not a GCP scope")),
        }
    }

    /// The Resource Manager name, e.g. `folders/1001`.
    pub fn resource(&self) -> String {
        self.to_string()
    }

    /// The id alone.
    pub fn id(&self) -> &str {
        match self {
            GcpScope::Organization(id) | GcpScope::Folder(id) | GcpScope::Project(id) => id,
        }
    }

    /// The kind's singular name: organization, folder or project.
    pub fn kind(&self) -> &'static str {
        match self {
            GcpScope::Organization(_) => "organization",
            GcpScope::Folder(_) => "folder",
            GcpScope::Project(_) => "project",
        }
    }
}

impl fmt::Display for GcpScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GcpScope::Organization(id) => write!(f, "organizations/{id}"),
            GcpScope::Folder(id) => write!(f, "folders/{id}"),
            GcpScope::Project(id) => write!(f, "projects/{id}"),
        }
    }
}

/// An organization's numeric id, checked (for `--organization`).
pub fn organization_id(field: &str, text: &str) -> Result<String> {
    let id = text.strip_prefix("organizations/").unwrap_or(text);
    if numeric_id(id) {
        Ok(id.to_owned())
    } else {
        Err(Error::invalid(
            field,
            format!("'{text}' is not an organization id; allowed is its number, e.g. 123456789012"),
        ))
    }
}

fn numeric_id(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

/// A project id: 6 to 30 of lowercase letters, digits and hyphens, starting
/// with a letter and not ending with a hyphen.
pub fn project_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    (6..=30).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes[bytes.len() - 1] != b'-'
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind() {
        assert_eq!(
            GcpScope::parse("--scope", "organizations/123456789012").ok(),
            Some(GcpScope::Organization("123456789012".into()))
        );
        assert_eq!(
            GcpScope::parse("--scope", "folders/1001").ok(),
            Some(GcpScope::Folder("1001".into()))
        );
        assert_eq!(
            GcpScope::parse("--scope", "projects/beta-dev")
                .map(|s| s.resource())
                .ok(),
            Some("projects/beta-dev".to_owned())
        );
    }

    #[test]
    fn malformed_scopes_name_the_field_and_the_allowed_forms() {
        for bad in [
            "org/12",
            "organizations/abc",
            "folders/",
            "projects/X",
            "projects",
            "",
        ] {
            let err = GcpScope::parse("--scope", bad).expect_err(bad);
            assert!(err.is_usage());
            let text = err.to_string();
            assert!(text.starts_with("--scope: "), "{text}");
            assert!(text.contains("organizations/ID"), "{text}");
        }
    }

    #[test]
    fn organization_ids() {
        assert_eq!(
            organization_id("--organization", "organizations/42").ok(),
            Some("42".into())
        );
        assert!(organization_id("--organization", "acme").is_err());
    }
}
