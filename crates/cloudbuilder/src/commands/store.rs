//! Where the store is: `--store`, else `CLOUDBUILDER_STORE`, else a file in the user data folder.

use crate::cli::StoreArgs;
use crate::exit::UsageError;
use std::path::PathBuf;

/// The store file the user means.
pub fn path(args: &StoreArgs) -> Result<PathBuf, UsageError> {
    if let Some(path) = &args.store {
        return Ok(path.clone());
    }
    if let Some(path) = std::env::var_os("CLOUDBUILDER_STORE").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    dirs::data_dir()
        .map(|d| d.join("cloudbuilder").join("cloudbuilder.db"))
        .ok_or_else(|| {
            UsageError::new(
                "--store",
                "no user data folder is known; pass --store PATH or set CLOUDBUILDER_STORE",
            )
        })
}
