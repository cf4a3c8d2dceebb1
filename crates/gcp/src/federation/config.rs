//! The external-account credential configuration (Google's AIP-4117 file,
//! what `gcloud iam workload-identity-pools create-cred-config --aws`
//! writes): which provider to federate through, where STS and IAM
//! Credentials are, which service account to act as, and how an AWS
//! workload signs its `GetCallerIdentity`. It holds no secret; it is written
//! with mode 0600 all the same, as every file cloudbuilder writes about
//! credentials.

use super::AWS_SUBJECT_TOKEN_TYPE;
use crate::error::{Error, Result};
use crate::member::email;
use serde_json::{Value, json};
use std::path::Path;

/// The file's name where cloudbuilder writes it.
pub const FILE_NAME: &str = "gcp-from-aws.json";
/// Google's STS token endpoint.
pub const TOKEN_URL: &str = "https://sts.googleapis.com/v1/token";
/// Google's IAM Credentials endpoint.
pub const IAM_CREDENTIALS_ENDPOINT: &str = "https://iamcredentials.googleapis.com";
/// Where AWS STS verifies the signed request (`{region}` is filled in).
pub const REGIONAL_CRED_VERIFICATION_URL: &str =
    "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15";
/// EC2 instance metadata: the zone, the role's credentials, the IMDSv2 token.
const REGION_URL: &str = "http://169.254.169.254/latest/meta-data/placement/availability-zone";
const ROLE_URL: &str = "http://169.254.169.254/latest/meta-data/iam/security-credentials";
const IMDSV2_URL: &str = "http://169.254.169.254/latest/api/token";

/// A credential configuration, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialConfig {
    /// The provider's full name, `//iam.googleapis.com/projects/NUMBER/…/providers/ID`.
    pub audience: String,
    /// The STS token URL.
    pub token_url: String,
    /// `…/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`.
    pub service_account_impersonation_url: String,
    /// The AWS STS URL the signed request names (with `{region}`).
    pub regional_cred_verification_url: String,
}

impl CredentialConfig {
    /// The configuration for `audience` and `service_account`; with
    /// `endpoint`, STS and IAM Credentials are at that base URL (tests).
    pub fn new(audience: &str, service_account: &str, endpoint: Option<&str>) -> Self {
        let (token_url, iamcredentials) = match endpoint {
            Some(base) => {
                let base = base.trim_end_matches('/');
                (format!("{base}/v1/token"), base.to_owned())
            }
            None => (TOKEN_URL.to_owned(), IAM_CREDENTIALS_ENDPOINT.to_owned()),
        };
        CredentialConfig {
            audience: audience.to_owned(),
            token_url,
            service_account_impersonation_url: format!(
                "{iamcredentials}/v1/projects/-/serviceAccounts/{service_account}:generateAccessToken"
            ),
            regional_cred_verification_url: REGIONAL_CRED_VERIFICATION_URL.to_owned(),
        }
    }

    /// The file's JSON, in the shape gcloud writes.
    pub fn to_json(&self) -> Value {
        json!({
            "universe_domain": "googleapis.com",
            "type": "external_account",
            "audience": self.audience,
            "subject_token_type": AWS_SUBJECT_TOKEN_TYPE,
            "token_url": self.token_url,
            "credential_source": {
                "environment_id": "aws1",
                "region_url": REGION_URL,
                "url": ROLE_URL,
                "regional_cred_verification_url": self.regional_cred_verification_url,
                "imdsv2_session_token_url": IMDSV2_URL,
            },
            "service_account_impersonation_url": self.service_account_impersonation_url,
        })
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses a file's text, naming `field` (the flag that named the file) in errors.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let bad = |why: String| Error::invalid(field, why);
        let json: Value = serde_json::from_str(text)
            .map_err(|e| bad(format!("not a JSON credential configuration: {e}")))?;
        let text_of = |key: &str| json[key].as_str().map(str::to_owned);
        if json["type"] != "external_account" {
            return Err(bad("type is not external_account".to_owned()));
        }
        if json["subject_token_type"] != AWS_SUBJECT_TOKEN_TYPE
            || json["credential_source"]["environment_id"] != "aws1"
        {
            return Err(bad(format!(
                "not an AWS configuration (subject_token_type {AWS_SUBJECT_TOKEN_TYPE}, credential_source.environment_id aws1)"
            )));
        }
        let audience = text_of("audience")
            .filter(|a| {
                a.starts_with("//iam.googleapis.com/projects/") && a.contains("/providers/")
            })
            .ok_or_else(|| bad("audience is not a Workload Identity provider".to_owned()))?;
        let token_url = text_of("token_url")
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .ok_or_else(|| bad("token_url is missing".to_owned()))?;
        let service_account_impersonation_url = text_of("service_account_impersonation_url")
            .ok_or_else(|| {
                bad("service_account_impersonation_url is missing: cloudbuilder acts as the scanner service account".to_owned())
            })?;
        let regional_cred_verification_url =
            json["credential_source"]["regional_cred_verification_url"]
                .as_str()
                .unwrap_or(REGIONAL_CRED_VERIFICATION_URL)
                .to_owned();
        let config = CredentialConfig {
            audience,
            token_url,
            service_account_impersonation_url,
            regional_cred_verification_url,
        };
        if config.service_account().is_none() || config.iam_credentials_endpoint().is_none() {
            return Err(bad(
                "service_account_impersonation_url is not …/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken".to_owned(),
            ));
        }
        Ok(config)
    }

    /// The service account it acts as.
    pub fn service_account(&self) -> Option<&str> {
        self.service_account_impersonation_url
            .split_once("/serviceAccounts/")
            .and_then(|(_, rest)| rest.strip_suffix(":generateAccessToken"))
            .filter(|e| email(e))
    }

    /// The IAM Credentials base URL the impersonation URL names.
    pub fn iam_credentials_endpoint(&self) -> Option<&str> {
        self.service_account_impersonation_url
            .split_once("/v1/projects/")
            .map(|(base, _)| base)
            .filter(|b| b.starts_with("https://") || b.starts_with("http://"))
    }
}

/// Reads a configuration file.
pub fn read(field: &str, path: &Path) -> Result<CredentialConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::invalid(
            field,
            format!(
                "cannot read {}: {e} (role apply --cloud gcp --federate-from-aws writes it)",
                path.display()
            ),
        )
    })?;
    CredentialConfig::parse(&format!("{field} {}", path.display()), &text)
}

/// Writes the configuration to `path` with mode 0600 (folders made as
/// needed). Answers false, writing nothing, when the file already holds it.
pub fn write(path: &Path, config: &CredentialConfig) -> Result<bool> {
    let text = config.render();
    let io = |e: std::io::Error| Error::Transport {
        operation: "write the credential configuration",
        message: format!("{}: {e}", path.display()),
    };
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        set_private(path).map_err(io)?;
        return Ok(false);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(io)?;
        set_private(&tmp).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(true)
}

fn set_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIENCE: &str = "//iam.googleapis.com/projects/333/locations/global/workloadIdentityPools/cloudbuilder/providers/aws-123456789012";

    #[test]
    fn the_file_is_googles_aws_shape_and_reads_back() {
        let config = CredentialConfig::new(AUDIENCE, "sa@p-1234.iam.gserviceaccount.com", None);
        let json = config.to_json();
        assert_eq!(json["type"], "external_account");
        assert_eq!(json["token_url"], TOKEN_URL);
        assert_eq!(json["credential_source"]["environment_id"], "aws1");
        assert_eq!(
            json["service_account_impersonation_url"],
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p-1234.iam.gserviceaccount.com:generateAccessToken"
        );
        let back = CredentialConfig::parse("--credential-config", &config.render()).expect("parse");
        assert_eq!(back, config);
        assert_eq!(
            back.service_account(),
            Some("sa@p-1234.iam.gserviceaccount.com")
        );
        assert_eq!(
            back.iam_credentials_endpoint(),
            Some(IAM_CREDENTIALS_ENDPOINT)
        );
    }

    #[test]
    fn an_endpoint_moves_sts_and_iam_credentials() {
        let config = CredentialConfig::new(
            AUDIENCE,
            "sa@p-1234.iam.gserviceaccount.com",
            Some("http://127.0.0.1:9/"),
        );
        assert_eq!(config.token_url, "http://127.0.0.1:9/v1/token");
        assert_eq!(
            config.iam_credentials_endpoint(),
            Some("http://127.0.0.1:9")
        );
    }

    #[test]
    fn other_files_are_refused_naming_the_flag() {
        for bad in [
            "not json",
            r#"{"type": "service_account"}"#,
            r#"{"type": "external_account", "subject_token_type": "urn:ietf:params:oauth:token-type:jwt"}"#,
        ] {
            let err = CredentialConfig::parse("--credential-config", bad).expect_err(bad);
            assert!(err.is_usage());
            assert!(
                err.to_string().starts_with("--credential-config: "),
                "{err}"
            );
        }
    }

    #[test]
    fn written_private_and_only_when_it_changed() {
        let dir = std::env::temp_dir().join(format!("cb-config-{}", std::process::id()));
        let path = dir.join(FILE_NAME);
        let config = CredentialConfig::new(AUDIENCE, "sa@p-1234.iam.gserviceaccount.com", None);
        assert!(write(&path, &config).expect("write"));
        assert!(!write(&path, &config).expect("again"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(read("--credential-config", &path).expect("read"), config);
        let _ = std::fs::remove_dir_all(dir);
    }
}
