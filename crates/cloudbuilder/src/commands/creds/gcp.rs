//! `creds gcp`: a short-lived access token for a service account, minted
//! through IAM Credentials `generateAccessToken` with the caller's
//! Application Default Credentials, or, with `--from-aws`, by the AWS
//! credentials in effect federated through Workload Identity Federation (no
//! Google credentials and no key at all); printed as `export` lines or JSON, or,
//! with `exec`, handed to a command in `CLOUDSDK_AUTH_ACCESS_TOKEN` and
//! `GOOGLE_OAUTH_ACCESS_TOKEN`. The token appears nowhere else: not in logs,
//! not in errors.

use crate::cli::{CredsGcpArgs, CredsGcpCommand};
use crate::exit::UsageError;
use cloudbuilder_gcp::mint::{MintedToken, TokenRequest, generate_access_token, parse_lifetime};
use std::process::{Command, ExitCode};
use time::format_description::well_known::Rfc3339;

/// Where gcloud and Google's tools read a ready-made token from.
const TOKEN_VARIABLES: [&str; 2] = ["CLOUDSDK_AUTH_ACCESS_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN"];
/// Variables removed from the child's environment: each would make a Google
/// tool use other credentials.
const CLEARED: [&str; 3] = [
    "GOOGLE_APPLICATION_CREDENTIALS",
    "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE",
    "CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT",
];

/// Runs `creds gcp [exec -- COMMAND]`.
pub async fn run(args: CredsGcpArgs) -> anyhow::Result<ExitCode> {
    let lifetime = parse_lifetime("--lifetime", &args.lifetime)?;
    if let Some(CredsGcpCommand::Exec { command }) = &args.exec
        && command.is_empty()
    {
        return Err(UsageError::new("COMMAND", "give the command to run after --").into());
    }
    let minted = match crate::commands::gcp_federation::federation(&args.federation).await? {
        Some(federation) => {
            let service_account = federation.service_account()?;
            if let Some(asked) = args.impersonate.as_deref()
                && asked != service_account
            {
                return Err(UsageError::new(
                    "--impersonate",
                    format!(
                        "the credential configuration acts as {service_account}, not {asked}; leave --impersonate out with --from-aws"
                    ),
                )
                .into());
            }
            let request = TokenRequest::new(service_account, args.scopes.clone(), lifetime)?;
            federation.mint(&request).await?
        }
        None => {
            let service_account = args.impersonate.as_deref().ok_or_else(|| {
                UsageError::new(
                    "--impersonate",
                    "required: the service account to mint a token for, e.g. cloud-builder@PROJECT.iam.gserviceaccount.com (or --from-aws)",
                )
            })?;
            let request = TokenRequest::new(service_account, args.scopes.clone(), lifetime)?;
            let conn =
                crate::commands::role::gcp::connection(args.connection.gcp_endpoint.as_deref())?;
            generate_access_token(&conn, &request).await?
        }
    };
    match args.exec {
        Some(CredsGcpCommand::Exec { command }) => Ok(exec(&minted, &command)),
        None => {
            print(&args.format, &minted);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print(format: &str, minted: &MintedToken) {
    let expires = minted.expires.format(&Rfc3339).unwrap_or_default();
    if format == "json" {
        let out = serde_json::json!({
            "access_token": minted.token.expose(),
            "expire_time": expires,
            "service_account": minted.service_account,
            "token_type": "Bearer",
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        for name in TOKEN_VARIABLES {
            println!("export {name}='{}'", minted.token.expose());
        }
        println!("# {} until {expires}", minted.service_account);
    }
}

fn exec(minted: &MintedToken, command: &[std::ffi::OsString]) -> ExitCode {
    let Some((program, rest)) = command.split_first() else {
        return ExitCode::from(crate::exit::USAGE);
    };
    let mut child = Command::new(program);
    child.args(rest);
    for name in CLEARED {
        child.env_remove(name);
    }
    for name in TOKEN_VARIABLES {
        child.env(name, minted.token.expose());
    }
    tracing::debug!(program = %program.to_string_lossy(), service_account = %minted.service_account, "running command with a GCP access token");
    match child.status() {
        Ok(status) => ExitCode::from(
            status
                .code()
                .map_or(1, |c| u8::try_from(c & 0xff).unwrap_or(1)),
        ),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "error: cannot run '{}': command not found",
                program.to_string_lossy()
            );
            ExitCode::from(127)
        }
        Err(err) => {
            eprintln!("error: cannot run '{}': {err}", program.to_string_lossy());
            ExitCode::from(126)
        }
    }
}
