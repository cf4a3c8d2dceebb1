//! `creds azure`: prints the token as POSIX `export` lines or as the JSON
//! `az account get-access-token` prints.

use cloudbuilder_azure::Token;
use serde_json::json;
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;

/// The variable that carries the token.
pub const TOKEN_VAR: &str = "AZURE_ACCESS_TOKEN";
/// The variable that carries its expiry (RFC 3339).
pub const EXPIRY_VAR: &str = "AZURE_ACCESS_TOKEN_EXPIRES_ON";

/// Prints `token` in `format`.
pub fn run(format: &str, scope: &str, token: &Token) -> anyhow::Result<ExitCode> {
    let expires = token.expires_on.format(&Rfc3339)?;
    if format == "json" {
        let body = json!({
            "accessToken": token.secret(),
            "expiresOn": expires,
            "expires_on": token.expires_on.unix_timestamp(),
            "tokenType": "Bearer",
            "scope": scope,
        });
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        // A JWT is base64url with dots: nothing a single-quoted word must escape.
        println!("export {TOKEN_VAR}='{}'", token.secret().replace('\'', ""));
        println!("export {EXPIRY_VAR}='{expires}'");
    }
    Ok(ExitCode::SUCCESS)
}
