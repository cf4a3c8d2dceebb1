//! Tokens: which `azure_identity` credential a run uses, chosen from the
//! standard `AZURE_*` variables, and the redacting [`Token`] it yields.
//!
//! The sources, in order: a service principal's client secret
//! (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`); its
//! certificate (`AZURE_CLIENT_CERTIFICATE_PATH`, a PKCS #12 file, with
//! `AZURE_CLIENT_CERTIFICATE_PASSWORD` when it has one); workload
//! identity federation (`AZURE_FEDERATED_TOKEN_FILE` with the tenant and
//! client); the Azure CLI's login (`az` on `PATH`). A source that is not
//! configured lets the next one try; one that is configured and fails stops
//! the chain with its cause.

use crate::endpoints::{Endpoints, Env};
use crate::{Error, Result};
use azure_core::credentials::{Secret, SecretBytes, TokenCredential};
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientCertificateCredential,
    ClientCertificateCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use std::fmt;
use std::sync::Arc;
use time::OffsetDateTime;

/// An access token. `Debug` and `Display` print a redaction; only
/// [`Token::secret`] gives the value, for the one place that hands it out.
#[derive(Clone)]
pub struct Token {
    secret: Secret,
    /// When it stops working.
    pub expires_on: OffsetDateTime,
}

impl Token {
    /// The bearer token itself.
    pub fn secret(&self) -> &str {
        self.secret.secret()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("secret", &"** redacted **")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

/// A configured credential.
#[derive(Clone)]
pub struct TokenSource {
    credential: Arc<dyn TokenCredential>,
    /// Which source it is, for messages.
    pub name: &'static str,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

const SECRET: &str = "client secret (AZURE_CLIENT_SECRET)";
const CERTIFICATE: &str = "client certificate (AZURE_CLIENT_CERTIFICATE_PATH)";
const WORKLOAD: &str = "workload identity (AZURE_FEDERATED_TOKEN_FILE)";
const CLI: &str = "Azure CLI (az login)";

impl TokenSource {
    /// The first configured source in `env`.
    pub fn from_env(env: &Env, endpoints: &Endpoints) -> Result<TokenSource> {
        let var = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
        let ids = |source: &'static str| -> Result<(String, String)> {
            let missing = |name: &str| Error::Credential {
                source_name: source,
                message: format!("{name} is not set"),
            };
            let tenant = var("AZURE_TENANT_ID").ok_or_else(|| missing("AZURE_TENANT_ID"))?;
            let client = var("AZURE_CLIENT_ID").ok_or_else(|| missing("AZURE_CLIENT_ID"))?;
            Ok((tenant, client))
        };
        let failed = |source: &'static str| {
            move |e: azure_core::Error| Error::Credential {
                source_name: source,
                message: first_line(&e.to_string()),
            }
        };
        if let Some(secret) = var("AZURE_CLIENT_SECRET") {
            let (tenant, client) = ids(SECRET)?;
            let options = ClientSecretCredentialOptions {
                client_options: endpoints.client_options(),
            };
            let credential =
                ClientSecretCredential::new(&tenant, client, Secret::new(secret), Some(options))
                    .map_err(failed(SECRET))?;
            return Ok(TokenSource {
                credential,
                name: SECRET,
            });
        }
        if let Some(path) = var("AZURE_CLIENT_CERTIFICATE_PATH") {
            let (tenant, client) = ids(CERTIFICATE)?;
            let certificate = read_pkcs12(&path)?;
            let options = ClientCertificateCredentialOptions {
                client_options: endpoints.client_options(),
                password: var("AZURE_CLIENT_CERTIFICATE_PASSWORD").map(Secret::new),
            };
            let credential =
                ClientCertificateCredential::new(tenant, client, certificate, Some(options))
                    .map_err(failed(CERTIFICATE))?;
            return Ok(TokenSource {
                credential,
                name: CERTIFICATE,
            });
        }
        if let Some(file) = var("AZURE_FEDERATED_TOKEN_FILE") {
            let (tenant, client) = ids(WORKLOAD)?;
            let options = WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions {
                    client_options: endpoints.client_options(),
                },
                tenant_id: Some(tenant),
                client_id: Some(client),
                token_file_path: Some(file.into()),
            };
            let credential =
                WorkloadIdentityCredential::new(Some(options)).map_err(failed(WORKLOAD))?;
            return Ok(TokenSource {
                credential,
                name: WORKLOAD,
            });
        }
        if on_path(env, "az") {
            let credential = AzureCliCredential::new(None).map_err(failed(CLI))?;
            return Ok(TokenSource {
                credential,
                name: CLI,
            });
        }
        Err(Error::NoCredentials)
    }

    /// A token for `scope`, e.g. `https://management.azure.com/.default`.
    pub async fn token(&self, scope: &str) -> Result<Token> {
        let token = self
            .credential
            .get_token(&[scope], None)
            .await
            .map_err(|e| Error::Credential {
                source_name: self.name,
                message: first_line(&e.to_string()),
            })?;
        Ok(Token {
            secret: token.token,
            expires_on: token.expires_on,
        })
    }

    /// The credential, for `azure_core`'s bearer-token policy.
    pub fn credential(&self) -> Arc<dyn TokenCredential> {
        Arc::clone(&self.credential)
    }
}

/// The certificate file's bytes: PKCS #12 (`.pfx`/`.p12`), the one format
/// `azure_identity`'s certificate credential reads. A PEM file is refused
/// with the command that converts it, rather than with OpenSSL's DER error.
fn read_pkcs12(path: &str) -> Result<SecretBytes> {
    let bad = |message: String| Error::Credential {
        source_name: CERTIFICATE,
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read {path}: {e}")))?;
    if bytes.starts_with(b"-----BEGIN") {
        return Err(bad(format!(
            "{path} is PEM; a PKCS #12 file is needed (openssl pkcs12 -export -in cert.pem -inkey key.pem -out cert.pfx)"
        )));
    }
    Ok(SecretBytes::new(bytes))
}

/// The first line of a message (`azure_identity` appends a troubleshooting link).
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// True when `program` is an executable file in one of `PATH`'s folders.
fn on_path(env: &Env, program: &str) -> bool {
    env.get("PATH")
        .is_some_and(|path| std::env::split_paths(path).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_prints_its_value() {
        let token = Token {
            secret: Secret::new("eyJhbGciOiJub25lIn0.c2VjcmV0.sig"),
            expires_on: OffsetDateTime::UNIX_EPOCH,
        };
        assert!(!format!("{token:?}").contains("eyJ"));
        assert!(!format!("{token}").contains("eyJ"));
        assert_eq!(token.secret(), "eyJhbGciOiJub25lIn0.c2VjcmV0.sig");
    }

    #[test]
    fn nothing_configured_says_what_to_set() {
        let env: Env = [("PATH".to_owned(), "/nonexistent".to_owned())].into();
        let endpoints = Endpoints::new(None, &env).ok();
        let err = endpoints.map(|e| TokenSource::from_env(&env, &e).err());
        assert!(matches!(err, Some(Some(Error::NoCredentials))));
    }

    #[test]
    fn a_secret_without_its_ids_is_an_error_not_a_fallthrough() {
        let env: Env = [("AZURE_CLIENT_SECRET".to_owned(), "s".to_owned())].into();
        let endpoints = Endpoints::new(None, &env).ok();
        let err = endpoints.and_then(|e| TokenSource::from_env(&env, &e).err());
        assert!(err.is_some_and(|e| e.to_string().contains("AZURE_TENANT_ID is not set")));
    }
}
