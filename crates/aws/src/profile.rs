//! Reads an AWS CLI profile's role settings, with the SDK's own parser and file
//! locations (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `~/.aws/…`).

use crate::{Error, ExternalId, MfaSerial, RoleArn, SessionName};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};
use cloudbuilder_creds::SessionDuration;

/// Where a role profile's source credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSource {
    /// `source_profile = NAME`: another profile's credentials.
    Profile(String),
    /// `credential_source = Environment`.
    Environment,
    /// `credential_source = Ec2InstanceMetadata`.
    Ec2InstanceMetadata,
    /// `credential_source = EcsContainer`.
    EcsContainer,
}

/// The keys of one profile that shape a role assumption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSettings {
    /// The profile's name.
    pub name: String,
    /// `role_arn`.
    pub role_arn: Option<RoleArn>,
    /// `source_profile` or `credential_source`.
    pub source: Option<ProfileSource>,
    /// `external_id`.
    pub external_id: Option<ExternalId>,
    /// `mfa_serial`.
    pub mfa_serial: Option<MfaSerial>,
    /// `duration_seconds`.
    pub duration: Option<SessionDuration>,
    /// `role_session_name`.
    pub session_name: Option<SessionName>,
    /// `region`.
    pub region: Option<String>,
}

/// Reads profile `name`; an unknown name is a usage error listing the known ones.
pub async fn read_profile(name: &str, env: &Env, fs: &Fs) -> Result<ProfileSettings, Error> {
    let set = aws_config::profile::load(fs, env, &EnvConfigFiles::default(), None)
        .await
        .map_err(|e| Error::Config(crate::error::one_line(&e.to_string())))?;
    let Some(profile) = set.get_profile(name) else {
        let mut known: Vec<&str> = set.profiles().collect();
        known.sort_unstable();
        return Err(Error::UnknownProfile {
            name: name.to_owned(),
            known: if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            },
        });
    };
    let field = |key: &str| format!("profile '{name}' {key}");
    let get = |key: &str| profile.get(key).map(str::trim).filter(|v| !v.is_empty());

    let source = match (get("source_profile"), get("credential_source")) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                field("source_profile"),
                "set either source_profile or credential_source, not both",
            ));
        }
        (Some(p), None) => Some(ProfileSource::Profile(p.to_owned())),
        (None, Some("Environment")) => Some(ProfileSource::Environment),
        (None, Some("Ec2InstanceMetadata")) => Some(ProfileSource::Ec2InstanceMetadata),
        (None, Some("EcsContainer")) => Some(ProfileSource::EcsContainer),
        (None, Some(other)) => {
            return Err(Error::invalid(
                field("credential_source"),
                format!(
                    "'{other}' is not a credential source; allowed: Environment, Ec2InstanceMetadata, EcsContainer"
                ),
            ));
        }
        (None, None) => None,
    };
    let duration = match get("duration_seconds") {
        Some(text) => {
            let secs: u64 = text.parse().map_err(|_| {
                Error::invalid(
                    field("duration_seconds"),
                    format!("'{text}' is not a whole number of seconds (900 to 43200)"),
                )
            })?;
            Some(SessionDuration::from_secs(
                &field("duration_seconds"),
                secs,
            )?)
        }
        None => None,
    };
    Ok(ProfileSettings {
        name: name.to_owned(),
        role_arn: get("role_arn")
            .map(|v| RoleArn::parse(&field("role_arn"), v))
            .transpose()?,
        source,
        external_id: get("external_id")
            .map(|v| ExternalId::parse(&field("external_id"), v))
            .transpose()?,
        mfa_serial: get("mfa_serial")
            .map(|v| MfaSerial::parse(&field("mfa_serial"), v))
            .transpose()?,
        duration,
        session_name: get("role_session_name")
            .map(|v| SessionName::parse(&field("role_session_name"), v))
            .transpose()?,
        region: get("region").map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(config: &str, credentials: &str, name: &str) -> Result<ProfileSettings, Error> {
        let fs = Fs::from_slice(&[
            ("/home/u/.aws/config", config),
            ("/home/u/.aws/credentials", credentials),
        ]);
        let env = Env::from_slice(&[("HOME", "/home/u")]);
        read_profile(name, &env, &fs).await
    }

    #[tokio::test]
    async fn reads_the_aws_cli_role_keys() {
        let config = "\
[profile scanner]
role_arn = arn:aws:iam::123456789012:role/CloudBuilder
source_profile = base
external_id = tenant-42
mfa_serial = arn:aws:iam::111111111111:mfa/alice
duration_seconds = 7200
role_session_name = nightly
region = eu-west-1
";
        let p = read(config, "[base]\naws_access_key_id = A\n", "scanner")
            .await
            .expect("profile");
        assert_eq!(p.role_arn.as_ref().map(RoleArn::name), Some("CloudBuilder"));
        assert_eq!(p.source, Some(ProfileSource::Profile("base".into())));
        assert_eq!(
            p.external_id.as_ref().map(ExternalId::as_str),
            Some("tenant-42")
        );
        assert_eq!(
            p.mfa_serial.as_ref().map(MfaSerial::as_str),
            Some("arn:aws:iam::111111111111:mfa/alice")
        );
        assert_eq!(p.duration.map(SessionDuration::as_secs), Some(7200));
        assert_eq!(
            p.session_name.as_ref().map(SessionName::as_str),
            Some("nightly")
        );
        assert_eq!(p.region.as_deref(), Some("eu-west-1"));
    }

    #[tokio::test]
    async fn credential_source_values_are_checked() {
        let config = "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/R\ncredential_source = EcsContainer\n";
        assert_eq!(
            read(config, "", "a").await.expect("profile").source,
            Some(ProfileSource::EcsContainer)
        );
        let config = "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/R\ncredential_source = Laptop\n";
        let err = read(config, "", "a")
            .await
            .expect_err("bad source")
            .to_string();
        assert_eq!(
            err,
            "profile 'a' credential_source: 'Laptop' is not a credential source; allowed: Environment, Ec2InstanceMetadata, EcsContainer"
        );
    }

    #[tokio::test]
    async fn unknown_profiles_list_the_known_ones() {
        let err = read(
            "[profile b]\nregion = x\n[default]\nregion = y\n",
            "[c]\n",
            "nope",
        )
        .await
        .expect_err("unknown");
        assert!(err.is_usage());
        assert_eq!(
            err.to_string(),
            "--profile: no profile 'nope' in the AWS config or credentials file; known profiles: b, c, default"
        );
    }

    #[tokio::test]
    async fn bad_values_name_the_profile_and_key() {
        let config =
            "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/R\nduration_seconds = 60\n";
        let err = read(config, "", "a").await.expect_err("short").to_string();
        assert!(
            err.starts_with("profile 'a' duration_seconds: 60 s is out of range"),
            "{err}"
        );
        let err = read("[profile a]\nrole_arn = CloudBuilder\n", "", "a")
            .await
            .expect_err("arn")
            .to_string();
        assert!(
            err.starts_with("profile 'a' role_arn: 'CloudBuilder' is not an IAM role ARN"),
            "{err}"
        );
    }
}
