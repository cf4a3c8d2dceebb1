//! The test kit: real, independent AWS for tests, and nothing of the user's.
//!
//! [`Moto`] runs moto's server (from the project's `.venv`, made by
//! `scripts/bootstrap.sh`) on a free loopback port and stops it, by its own
//! PID, when dropped. [`Sandbox`] gives a test its own home folder, cache and
//! AWS config files, and builds commands (the real `aws` CLI, cloudbuilder)
//! whose environment holds only what the test put there.

mod admin_org;
mod azure_fake;
mod cloudtrail_fake;
mod fault_proxy;
mod gcp_fake;
mod moto;
mod org;
mod sandbox;

pub use admin_org::AdminOrg;
pub use azure_fake::{
    AZURE_ADMIN_CLIENT, AZURE_SCANNER_CLIENT, AZURE_SCANNER_OBJECT_ID, AZURE_SUBSCRIPTION_1,
    AZURE_SUBSCRIPTION_2, AZURE_TENANT, AzureFake,
};
pub use cloudtrail_fake::CloudTrailFake;
pub use fault_proxy::{FaultProxy, FaultProxyOptions};
pub use gcp_fake::{GCP_ADMIN_TOKEN, GcpFake};
pub use moto::Moto;
pub use org::{OrgFixture, OrgSpec};
pub use sandbox::{ACCOUNT, Output, Sandbox, ScannerFixture};

use std::path::PathBuf;

/// The project-local virtualenv's `bin` folder (`CLOUDBUILDER_VENV` overrides the venv).
pub fn venv_bin() -> PathBuf {
    let venv = std::env::var_os("CLOUDBUILDER_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv")));
    venv.join("bin")
}
