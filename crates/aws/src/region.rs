//! The region, resolved without network calls: flag, then `AWS_REGION` /
//! `AWS_DEFAULT_REGION`, then the profile's `region`. IMDS is deliberately not
//! consulted: a cached credential must be served in milliseconds, and STS
//! credentials are valid in every region anyway.

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_types::region::Region;

/// The region in effect, if the user configured one anywhere.
pub async fn resolve_region(explicit: Option<&str>, profile: Option<&str>) -> Option<Region> {
    if let Some(region) = explicit {
        return Some(Region::new(region.to_owned()));
    }
    let mut from_profile = ProfileFileRegionProvider::builder();
    if let Some(name) = profile {
        from_profile = from_profile.profile_name(name);
    }
    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(from_profile.build())
        .region()
        .await
}
