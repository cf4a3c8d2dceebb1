//! AWS for cloudbuilder.
//!
//! Role assumption through STS as a tool people and programs use every day:
//! the role comes from flags or from an AWS CLI profile, the source credentials
//! from the AWS SDK's own provider chain (environment, shared config and
//! credentials files including SSO, container, IMDS), endpoints from the SDK's
//! standard `AWS_ENDPOINT_URL*` settings. Signing, retries and credential
//! chains are the SDK's; this crate adds validation, caching, and errors a
//! person can act on. [`scan`] and [`tables`] are the AWS half of the scanner.

mod assume;
mod error;
mod ids;
mod inputs;
mod member;
mod profile;
mod region;
pub mod role;
pub mod scan;
mod source;
mod sts;
pub mod tables;

pub use assume::{AssumeRoleRequest, Mfa, TokenCodeSource, assume_role};
pub use error::Error;
pub use ids::{AccountId, OuId, PolicyArn, PrincipalArn, RoleName, check_bucket_name};
pub use inputs::{ExternalId, MfaSerial, RoleArn, SessionName, TokenCode};
pub use member::{AssumeFailure, MemberRole};
pub use profile::{ProfileSettings, read_profile};
pub use region::resolve_region;
pub use source::SourceCredentials;
pub use sts::{CallerIdentity, caller_identity};
