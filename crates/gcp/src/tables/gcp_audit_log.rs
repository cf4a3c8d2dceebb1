//! `gcp_audit_log`: Cloud Audit Logs entries of each project (and the organization or folder), each entry read once.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType::*, Scope, TableDef, WriteMode};

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_audit_log",
    cloud: Cloud::Gcp,
    description: "A Cloud Audit Logs entry (cloudaudit.googleapis.com logs).",
    scope: Scope::Project,
    columns: &[
        ColumnDef::new("insert_id", Text, "The entry's unique id within its log."),
        ColumnDef::new(
            "log_name",
            Text,
            "The log, e.g. projects/p/logs/cloudaudit.googleapis.com%2Factivity.",
        ),
        ColumnDef::new("timestamp", Timestamp, "When the event happened."),
        ColumnDef::new("severity", Text, "The severity."),
        ColumnDef::new(
            "service_name",
            Text,
            "The API service, e.g. compute.googleapis.com.",
        ),
        ColumnDef::new("method_name", Text, "The API method."),
        ColumnDef::new("resource_name", Text, "The resource acted on."),
        ColumnDef::new("principal_email", Text, "Who acted."),
        ColumnDef::new("entry", Json, "The whole LogEntry."),
    ],
    permissions: &["logging.logEntries.list"],
    mode: WriteMode::Incremental {
        key: &["log_name", "insert_id"],
    },
    ignored_errors: &[],
};
