//! Azure for cloudbuilder: the Cloud Builder custom role at management group,
//! subscription or resource group scope, short-lived tokens, and the Azure
//! tables.
//!
//! Microsoft's `azure_core` carries every request (pipeline, retries,
//! tracing) and `azure_identity` supplies the tokens. No maintained Rust crate
//! covers Authorization, Resource Graph, the Activity Log or Cost Management,
//! so a small typed client over `azure_core` speaks those REST APIs.

pub mod arm;
pub mod credential;
pub mod endpoints;
mod error;
pub mod guid;
pub mod role;
pub mod scan;
pub mod scope;
pub mod tables;

pub use arm::Arm;
pub use credential::{Token, TokenSource};
pub use endpoints::{ARM_SCOPE, Endpoints, Env};
pub use error::{Error, Result};
pub use guid::Guid;
pub use scope::AzureScope;
