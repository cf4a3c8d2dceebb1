//! The table model: what a table is (a declaration) and how it produces rows.

use crate::{FetchError, RowSink};
use std::fmt;

/// The cloud a table belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cloud {
    /// Amazon Web Services.
    Aws,
    /// Google Cloud.
    Gcp,
    /// Microsoft Azure.
    Azure,
}

impl Cloud {
    /// The lowercase name used in flags and table prefixes.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a table's rows are partitioned, and so which scope columns its rows carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One set of rows per organization, fetched in its management account
    /// (e.g. the organization's accounts); rows carry that account's id.
    Organization,
    /// One set of rows per account (e.g. IAM roles, S3 buckets, regions).
    Account,
    /// One set of rows per account and region (e.g. EC2 instances).
    Region,
    /// One set of rows per GCP project; rows carry `project_id`.
    Project,
    /// One set of rows per Azure subscription; rows carry `subscription_id`.
    Subscription,
    /// One set of rows per scan root — a GCP organization, folder or project,
    /// an Azure management group or subscription — for tables read across the
    /// whole root in one query (Cloud Asset Inventory, Resource Graph); rows
    /// carry `scan_root`, and their own project or subscription as a column.
    Root,
}

impl Scope {
    /// The scope columns every row of such a table carries, before its own.
    pub fn columns(self) -> &'static [ColumnDef] {
        const ACCOUNT: ColumnDef = ColumnDef::new(
            "account_id",
            ColumnType::Text,
            "The account the resource belongs to.",
        );
        const REGION: ColumnDef =
            ColumnDef::new("region", ColumnType::Text, "The region the resource is in.");
        const PROJECT: ColumnDef = ColumnDef::new(
            "project_id",
            ColumnType::Text,
            "The project the resource belongs to.",
        );
        const SUBSCRIPTION: ColumnDef = ColumnDef::new(
            "subscription_id",
            ColumnType::Text,
            "The subscription the resource belongs to.",
        );
        const ROOT: ColumnDef = ColumnDef::new(
            "scan_root",
            ColumnType::Text,
            "The organization, folder, management group or subscription the scan read this row under.",
        );
        match self {
            Scope::Organization | Scope::Account => &[ACCOUNT],
            Scope::Region => &[ACCOUNT, REGION],
            Scope::Project => &[PROJECT],
            Scope::Subscription => &[SUBSCRIPTION],
            Scope::Root => &[ROOT],
        }
    }

    /// The scope's name, for listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Organization => "organization",
            Scope::Account => "account",
            Scope::Region => "account+region",
            Scope::Project => "project",
            Scope::Subscription => "subscription",
            Scope::Root => "scan root",
        }
    }
}

/// The storage type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text.
    Text,
    /// A 64-bit integer.
    Integer,
    /// A double.
    Real,
    /// true / false.
    Boolean,
    /// A UTC instant, stored as RFC 3339 text.
    Timestamp,
    /// A JSON document, stored as text that SQL JSON functions accept.
    Json,
}

impl ColumnType {
    /// The type's name, for listings.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Integer => "integer",
            ColumnType::Real => "real",
            ColumnType::Boolean => "boolean",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Json => "json",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    /// The column's name (snake_case).
    pub name: &'static str,
    /// Its type.
    pub ty: ColumnType,
    /// What it holds, for `cloudbuilder tables` and the docs.
    pub description: &'static str,
}

impl ColumnDef {
    /// A column.
    pub const fn new(name: &'static str, ty: ColumnType, description: &'static str) -> Self {
        ColumnDef {
            name,
            ty,
            description,
        }
    }
}

/// How a unit's rows reach the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// The unit's rows are the whole truth for its scope: they replace the
    /// scope's previous rows (inventory).
    Snapshot,
    /// The unit's rows are new or corrected rows: each replaces the stored row
    /// with the same key, others are kept (audit events, cost by day). Such a
    /// table resumes from the cursor its previous unit left.
    Incremental {
        /// The columns that identify a row within its scope.
        key: &'static [&'static str],
    },
}

/// A table's declaration: everything about it except how rows are fetched.
#[derive(Debug)]
pub struct TableDef {
    /// The table's name (Steampipe's where one exists), e.g. `aws_ec2_instance`.
    pub name: &'static str,
    /// The cloud.
    pub cloud: Cloud,
    /// One sentence on what a row is.
    pub description: &'static str,
    /// How rows are partitioned.
    pub scope: Scope,
    /// The table's own columns (scope columns come from [`Scope::columns`]).
    pub columns: &'static [ColumnDef],
    /// The API permissions the fetch calls, e.g. `ec2:DescribeInstances`. The
    /// Cloud Builder role's policy is generated from these.
    pub permissions: &'static [&'static str],
    /// How its rows are written.
    pub mode: WriteMode,
    /// Provider error codes that mean "nothing to list here" for this table
    /// (e.g. an account outside any organization): the unit succeeds empty.
    pub ignored_errors: &'static [&'static str],
}

impl TableDef {
    /// Scope columns followed by the table's own, in storage order.
    pub fn all_columns(&self) -> impl Iterator<Item = &'static ColumnDef> + '_ {
        self.scope.columns().iter().chain(self.columns.iter())
    }
}

/// Where one unit of work runs: an account, and for regional tables a region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    /// The account, project, subscription or scan root the unit reads.
    pub account_id: String,
    /// The region, for regional tables.
    pub region: Option<String>,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.region {
            Some(region) => write!(f, "{}/{region}", self.account_id),
            None => f.write_str(&self.account_id),
        }
    }
}

/// A table that can fetch its rows with a cloud-specific context `C`.
#[async_trait::async_trait]
pub trait Table<C>: Send + Sync {
    /// The declaration.
    fn def(&self) -> &'static TableDef;

    /// Fetches every row for `target`, following every page, into `rows`,
    /// flushing it after each page so that a unit never holds all its rows.
    /// Each row holds the table's own columns, in declaration order.
    ///
    /// `cursor` holds what the previous successful unit of this table and
    /// target left (incremental tables only); the fetch leaves the new one
    /// there. It is stored in the same transaction as the rows.
    async fn fetch(
        &self,
        ctx: &C,
        target: &Target,
        cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError>;
}
