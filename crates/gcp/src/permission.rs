//! IAM permission names (`service.resource.verb`) and what makes one read-only.
//!
//! The Cloud Builder role holds only permissions that read metadata. The one
//! exception is [`BILLING_QUERY`]: reading the billing export means running a
//! BigQuery job, and creating a job is a write of the job itself, not of any
//! data. Permissions that read data rather than metadata ([`DATA_READS`]) are
//! refused even though their verb is a read.

use crate::error::{Error, Result};

/// The one non-read permission the role holds: running the billing export query.
pub const BILLING_QUERY: &str = "bigquery.jobs.create";

/// Permissions whose verb reads, but which read data, not metadata: never granted.
pub const DATA_READS: &[&str] = &[
    "storage.objects.get",
    "storage.objects.list",
    "bigquery.tables.getData",
    "secretmanager.versions.access",
    "logging.privateLogEntries.list",
    "logging.views.access",
    "spanner.databases.read",
    "datastore.entities.get",
    "datastore.entities.list",
    "cloudsql.instances.export",
    "compute.instances.getSerialPortOutput",
];

/// Verbs (the last part of a permission) that only read.
const READ_VERBS: &[&str] = &["get", "list", "search"];

/// Checks that `text` is a permission name (`service.resource.verb`, letters
/// and digits) the read-only role may hold, naming `field` in the error.
pub fn check(field: &str, text: &str) -> Result<()> {
    let parts: Vec<&str> = text.split('.').collect();
    let well_formed = parts.len() >= 3
        && parts[0].starts_with(|c: char| c.is_ascii_lowercase())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(Error::invalid(
            field,
            format!(
                "'{text}' is not a permission name; allowed is service.resource.verb, e.g. compute.instances.list"
            ),
        ));
    }
    if DATA_READS.contains(&text) {
        return Err(Error::invalid(
            field,
            format!("'{text}' reads data, not metadata; the Cloud Builder role never holds it"),
        ));
    }
    if !is_read(text) && text != BILLING_QUERY {
        return Err(Error::invalid(
            field,
            format!(
                "'{text}' is not read-only; allowed are permissions whose verb starts with get, list or search"
            ),
        ));
    }
    Ok(())
}

/// Whether a permission's verb only reads.
pub fn is_read(permission: &str) -> bool {
    let verb = permission.rsplit('.').next().unwrap_or_default();
    READ_VERBS.iter().any(|v| verb.starts_with(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_permissions_pass() {
        for p in [
            "cloudasset.assets.searchAllResources",
            "logging.logEntries.list",
            "resourcemanager.projects.get",
            "resourcemanager.projects.getIamPolicy",
            BILLING_QUERY,
        ] {
            assert!(check("--permission", p).is_ok(), "{p}");
        }
    }

    #[test]
    fn writes_data_reads_and_malformed_names_are_usage_errors() {
        for (p, why) in [
            ("compute.instances.delete", "not read-only"),
            ("storage.objects.get", "reads data"),
            ("compute.instances", "not a permission name"),
            ("compute.*.list", "not a permission name"),
            ("Compute.instances.list", "not a permission name"),
            ("bogus", "not a permission name"),
        ] {
            let err = check("--permission", p).expect_err(p);
            assert!(err.is_usage());
            let text = err.to_string();
            assert!(text.starts_with("--permission: "), "{text}");
            assert!(text.contains(why), "{text}");
        }
    }
}
