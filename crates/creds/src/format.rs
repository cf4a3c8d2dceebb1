//! The shapes temporary credentials are handed out in: shell exports for POSIX
//! shells, fish and PowerShell, the runbook's JSON, and the AWS CLI's
//! `credential_process` protocol (Version 1).

use crate::TemporaryCredentials;
use secrecy::ExposeSecret;
use std::str::FromStr;
use time::format_description::well_known::Rfc3339;

/// How credentials are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// POSIX `export` lines for `eval "$(…)"` in sh, bash, zsh.
    Env,
    /// `set -gx` lines for fish.
    Fish,
    /// `$Env:` assignments for PowerShell.
    Powershell,
    /// The runbook's fields as a JSON object, plus the assumed role ARN.
    Json,
    /// The AWS CLI's `credential_process` output, Version 1.
    CredentialProcess,
}

impl OutputFormat {
    /// Every accepted name, in the order help shows them.
    pub const NAMES: [&'static str; 5] =
        ["env", "fish", "powershell", "json", "credential-process"];
}

impl FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "env" => OutputFormat::Env,
            "fish" => OutputFormat::Fish,
            "powershell" => OutputFormat::Powershell,
            "json" => OutputFormat::Json,
            "credential-process" => OutputFormat::CredentialProcess,
            _ => {
                return Err(format!(
                    "'{s}' is not a format; allowed: {}",
                    Self::NAMES.join(", ")
                ));
            }
        })
    }
}

/// Variables that would take precedence over, or contradict, exported credentials.
pub const CONFLICTING_VARIABLES: [&str; 3] =
    ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

/// Renders `creds` in `format`; `region`, when known, is exported alongside.
pub fn render(format: OutputFormat, creds: &TemporaryCredentials, region: Option<&str>) -> String {
    let expiration = rfc3339(creds);
    match format {
        OutputFormat::Json => {
            let value = serde_json::json!({
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key.expose_secret(),
                "SessionToken": creds.session_token.expose_secret(),
                "Expiration": expiration,
                "AssumedRoleArn": creds.assumed_role_arn,
            });
            format!("{value:#}\n")
        }
        OutputFormat::CredentialProcess => {
            let value = serde_json::json!({
                "Version": 1,
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key.expose_secret(),
                "SessionToken": creds.session_token.expose_secret(),
                "Expiration": expiration,
            });
            format!("{value}\n")
        }
        shell => {
            let mut out = String::new();
            for name in CONFLICTING_VARIABLES {
                out.push_str(&unset(shell, name));
            }
            for (name, value) in environment(creds, region) {
                out.push_str(&set(shell, name, &value));
            }
            out
        }
    }
}

/// The environment variables that carry `creds` (and `region`) to AWS tools.
pub fn environment(
    creds: &TemporaryCredentials,
    region: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", creds.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            creds.secret_access_key.expose_secret().to_owned(),
        ),
        (
            "AWS_SESSION_TOKEN",
            creds.session_token.expose_secret().to_owned(),
        ),
        ("AWS_CREDENTIAL_EXPIRATION", rfc3339(creds)),
    ];
    if let Some(region) = region {
        vars.push(("AWS_REGION", region.to_owned()));
        vars.push(("AWS_DEFAULT_REGION", region.to_owned()));
    }
    vars
}

fn rfc3339(creds: &TemporaryCredentials) -> String {
    creds
        .expiration
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| creds.expiration.unix_timestamp().to_string())
}

fn set(shell: OutputFormat, name: &str, value: &str) -> String {
    match shell {
        OutputFormat::Fish => format!("set -gx {name} {}\n", fish_quote(value)),
        OutputFormat::Powershell => format!("$Env:{name} = '{}'\n", value.replace('\'', "''")),
        _ => format!("export {name}={}\n", posix_quote(value)),
    }
}

fn unset(shell: OutputFormat, name: &str) -> String {
    match shell {
        OutputFormat::Fish => format!("set -e {name}\n"),
        OutputFormat::Powershell => {
            format!("Remove-Item Env:{name} -ErrorAction SilentlyContinue\n")
        }
        _ => format!("unset {name}\n"),
    }
}

fn posix_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::tests::{SECRET, TOKEN, sample};

    #[test]
    fn env_exports_every_variable_quoted_and_unsets_profiles() {
        let out = render(OutputFormat::Env, &sample(), Some("eu-west-1"));
        assert!(out.starts_with("unset AWS_PROFILE\n"), "{out}");
        assert!(out.contains("export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n"));
        assert!(out.contains(&format!("export AWS_SECRET_ACCESS_KEY='{SECRET}'\n")));
        assert!(out.contains(&format!("export AWS_SESSION_TOKEN='{TOKEN}'\n")));
        assert!(out.contains("export AWS_CREDENTIAL_EXPIRATION='2026-12-03T18:00:00Z'\n"));
        assert!(out.contains("export AWS_REGION='eu-west-1'\n"));
        assert!(out.contains("export AWS_DEFAULT_REGION='eu-west-1'\n"));
    }

    #[test]
    fn shell_quoting_survives_quotes_in_values() {
        assert_eq!(posix_quote("a'b"), r"'a'\''b'");
        assert_eq!(fish_quote(r"a'b\c"), r"'a\'b\\c'");
        let mut creds = sample();
        creds.access_key_id = "it's".into();
        let ps = render(OutputFormat::Powershell, &creds, None);
        assert!(ps.contains("$Env:AWS_ACCESS_KEY_ID = 'it''s'\n"), "{ps}");
        assert!(!ps.contains("AWS_REGION"), "no region, no region variable");
    }

    #[test]
    fn fish_uses_set_gx() {
        let out = render(OutputFormat::Fish, &sample(), None);
        assert!(out.contains("set -e AWS_PROFILE\n"));
        assert!(out.contains("set -gx AWS_ACCESS_KEY_ID 'ASIAEXAMPLE'\n"));
    }

    #[test]
    fn json_has_the_runbook_fields_and_the_role() {
        let out = render(OutputFormat::Json, &sample(), None);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["AccessKeyId"], "ASIAEXAMPLE");
        assert_eq!(v["SecretAccessKey"], SECRET);
        assert_eq!(v["SessionToken"], TOKEN);
        assert_eq!(v["Expiration"], "2026-12-03T18:00:00Z");
        assert_eq!(
            v["AssumedRoleArn"],
            "arn:aws:sts::123456789012:assumed-role/CloudBuilder/me"
        );
    }

    #[test]
    fn credential_process_is_version_1_on_one_line() {
        let out = render(
            OutputFormat::CredentialProcess,
            &sample(),
            Some("us-east-1"),
        );
        assert_eq!(out.lines().count(), 1);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["Version"], 1);
        assert_eq!(v["Expiration"], "2026-12-03T18:00:00Z");
        assert_eq!(v["SessionToken"], TOKEN);
    }

    #[test]
    fn format_names_parse_and_unknown_names_list_the_allowed() {
        for name in OutputFormat::NAMES {
            assert!(name.parse::<OutputFormat>().is_ok(), "{name}");
        }
        let err = "yaml".parse::<OutputFormat>().unwrap_err();
        assert!(
            err.contains("env, fish, powershell, json, credential-process"),
            "{err}"
        );
    }
}
