//! Cloud-agnostic credential machinery for cloudbuilder.
//!
//! Everything here is independent of any one cloud's SDK: the redacting
//! [`TemporaryCredentials`] type, [`SessionDuration`] parsing, the on-disk
//! [`CredentialCache`], the [`OutputFormat`]s credentials are handed out in, and
//! the editor for the AWS shared credentials file. Cloud crates build on it.

mod cache;
mod clock;
mod credentials;
mod duration;
mod error;
mod format;
mod shared_file;

pub use cache::{CacheKey, CredentialCache, MIN_REMAINING, Origin};
pub use clock::{Clock, FixedClock, SystemClock};
pub use credentials::{TemporaryCredentials, redact};
pub use duration::SessionDuration;
pub use error::Error;
pub use format::{CONFLICTING_VARIABLES, OutputFormat, environment, render};
pub use shared_file::{SharedCredentialsFile, WriteOutcome};
