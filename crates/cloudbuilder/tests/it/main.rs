//! Integration tests of the `cloudbuilder` binary, against moto's server and
//! checked with the real aws CLI. One test binary; each test has its own
//! sandbox (home folder, cache, config files) and its own emulator.

mod azure_util;
mod creds_assume;
mod creds_azure;
mod creds_cache;
mod creds_errors;
mod creds_exec;
mod creds_gcp;
mod creds_profiles;
mod creds_secrets;
mod federation_gcp;
mod reliability;
mod role_aws;
mod role_azure;
mod role_gcp;
mod scan_aws;
mod scan_azure;
mod scan_gcp;
mod util;
