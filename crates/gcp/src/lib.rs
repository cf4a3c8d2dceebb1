//! GCP for cloudbuilder: the Cloud Builder custom role at organization, folder
//! or project scope, short-lived access tokens, and the GCP tables.
//!
//! Google's official client libraries (`google-cloud-*`) do the transport,
//! authentication and paging; their endpoints are overridable so that the
//! tests reach the contract fakes built from Google's discovery documents.
//! Cloud Logging's crate speaks gRPC only, so [`logging`] reads audit logs
//! over REST itself.

pub mod asset;
pub mod billing;
mod connection;
mod error;
pub mod federation;
pub mod logging;
pub mod member;
pub mod mint;
pub mod permission;
pub mod retry;
pub mod role;
pub mod scan;
pub mod scope;
pub mod tables;
mod token;

pub use connection::Connection;
pub use error::{Error, Result};
pub use member::Member;
pub use scope::GcpScope;
pub use token::AccessToken;
