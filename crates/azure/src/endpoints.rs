//! Where Azure is: the ARM endpoint and the Entra ID authority host, both
//! overridable (for sovereign clouds and for the contract fake), and the
//! `azure_core` client options every pipeline is built with.
//!
//! `azure_core`'s bearer-token policy and `azure_identity`'s credentials
//! refuse plain `http`. A test endpoint on the loopback interface is
//! therefore named to them as `https://127.0.0.1:PORT`, and only the
//! transport — the last step of the pipeline — sends it as plain HTTP. Any
//! other host must be `https`.

use crate::{Error, Result};
use azure_core::http::{
    AsyncRawResponse, ClientOptions, HttpClient, Request, Transport, Url, new_http_client,
};
use std::sync::Arc;

/// Azure public cloud's Resource Manager.
pub const PUBLIC_ARM: &str = "https://management.azure.com";
/// The token scope for Resource Manager.
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";
/// The variable that overrides the ARM endpoint.
pub const ARM_ENDPOINT_VAR: &str = "CLOUDBUILDER_AZURE_ARM_ENDPOINT";
/// The standard variable that overrides the Entra ID authority host.
pub const AUTHORITY_HOST_VAR: &str = "AZURE_AUTHORITY_HOST";

/// The environment, as a map (passed in, never read from the process in library code).
pub type Env = std::collections::HashMap<String, String>;

/// The endpoints a run talks to.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// ARM's base URL (as the pipeline sees it: always `https`).
    pub arm: Url,
    /// The authority host, when overridden (as the pipeline sees it).
    pub authority: Option<Url>,
    /// Loopback origins that are really plain HTTP.
    plain: Vec<(String, u16)>,
}

impl Endpoints {
    /// The endpoints from `--arm-endpoint` (else `CLOUDBUILDER_AZURE_ARM_ENDPOINT`,
    /// else the public cloud) and `AZURE_AUTHORITY_HOST`.
    pub fn new(arm_flag: Option<&str>, env: &Env) -> Result<Endpoints> {
        let mut plain = Vec::new();
        let (arm_field, arm_text) = match (arm_flag, env.get(ARM_ENDPOINT_VAR)) {
            (Some(flag), _) => ("--arm-endpoint", flag.to_owned()),
            (None, Some(var)) => (ARM_ENDPOINT_VAR, var.clone()),
            (None, None) => ("--arm-endpoint", PUBLIC_ARM.to_owned()),
        };
        let arm = secure(arm_field, &arm_text, &mut plain)?;
        let authority = env
            .get(AUTHORITY_HOST_VAR)
            .filter(|v| !v.is_empty())
            .map(|v| secure(AUTHORITY_HOST_VAR, v, &mut plain))
            .transpose()?;
        Ok(Endpoints {
            arm,
            authority,
            plain,
        })
    }

    /// Client options for `azure_core` pipelines and `azure_identity`
    /// credentials: the transport (plain HTTP for loopback test endpoints only)
    /// and, with an overridden authority host, that cloud.
    pub fn client_options(&self) -> ClientOptions {
        let mut options = ClientOptions::default();
        if !self.plain.is_empty() {
            options.transport = Some(Transport::new(Arc::new(PlainLoopback {
                inner: new_http_client(None),
                origins: self.plain.clone(),
            })));
        }
        if let Some(authority) = &self.authority {
            let mut custom = azure_core::cloud::CustomConfiguration::default();
            custom.authority_host = authority.as_str().trim_end_matches('/').to_owned();
            options.cloud = Some(Arc::new(custom.into()));
        }
        options
    }

    /// A URL from an answer (a `nextLink`), as the pipeline must see it.
    pub fn normalize(&self, mut url: Url) -> Url {
        if url.scheme() == "http" && self.is_plain(&url) {
            let _ = url.set_scheme("https");
        }
        url
    }

    fn is_plain(&self, url: &Url) -> bool {
        let origin = (
            url.host_str().unwrap_or_default().to_owned(),
            url.port_or_known_default().unwrap_or_default(),
        );
        self.plain.contains(&origin)
    }
}

/// Parses an endpoint; a plain-HTTP loopback one is recorded and named `https`.
fn secure(field: &str, text: &str, plain: &mut Vec<(String, u16)>) -> Result<Url> {
    let mut url = Url::parse(text)
        .map_err(|e| Error::invalid(field, format!("'{text}' is not a URL ({e})")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" => {
            let host = url.host_str().unwrap_or_default().to_owned();
            if !matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]") {
                return Err(Error::invalid(
                    field,
                    format!(
                        "'{text}' must use https; plain http is allowed only on the loopback interface (test endpoints)"
                    ),
                ));
            }
            let port = url.port().unwrap_or(80);
            plain.push((host, port));
            url.set_scheme("https")
                .map_err(|()| Error::invalid(field, format!("'{text}' cannot be used")))?;
            // Keep the explicit port: 80 would vanish as https's non-default.
            let _ = url.set_port(Some(port));
            Ok(url)
        }
        other => Err(Error::invalid(
            field,
            format!("'{text}' has scheme '{other}'; use https"),
        )),
    }
}

/// A transport that sends requests for the recorded loopback origins as plain HTTP.
#[derive(Debug)]
struct PlainLoopback {
    inner: Arc<dyn HttpClient>,
    origins: Vec<(String, u16)>,
}

#[async_trait::async_trait]
impl HttpClient for PlainLoopback {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let url = request.url();
        let origin = (
            url.host_str().unwrap_or_default().to_owned(),
            url.port_or_known_default().unwrap_or_default(),
        );
        if url.scheme() == "https" && self.origins.contains(&origin) {
            let mut plain = request.clone();
            let _ = plain.url_mut().set_scheme("http");
            return self.inner.execute_request(&plain).await;
        }
        self.inner.execute_request(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn public_cloud_by_default() {
        let e = Endpoints::new(None, &env(&[])).ok();
        assert_eq!(
            e.map(|e| e.arm.to_string()).as_deref(),
            Some("https://management.azure.com/")
        );
    }

    #[test]
    fn loopback_http_is_named_https_and_links_are_normalized() {
        let e = Endpoints::new(
            None,
            &env(&[
                (ARM_ENDPOINT_VAR, "http://127.0.0.1:4567"),
                (AUTHORITY_HOST_VAR, "http://127.0.0.1:4567"),
            ]),
        );
        let Ok(e) = e else {
            panic!("loopback endpoints refused")
        };
        assert_eq!(e.arm.as_str(), "https://127.0.0.1:4567/");
        let link = Url::parse("http://127.0.0.1:4567/subscriptions?$skiptoken=a");
        assert_eq!(
            link.map(|l| e.normalize(l).to_string()).ok().as_deref(),
            Some("https://127.0.0.1:4567/subscriptions?$skiptoken=a")
        );
        let other = Url::parse("http://127.0.0.1:9999/x");
        assert_eq!(
            other.map(|l| e.normalize(l).to_string()).ok().as_deref(),
            Some("http://127.0.0.1:9999/x")
        );
    }

    #[test]
    fn plain_http_elsewhere_is_a_usage_error() {
        let err = Endpoints::new(Some("http://management.example.com"), &env(&[])).err();
        assert!(err.is_some_and(|e| e.is_usage() && e.to_string().starts_with("--arm-endpoint: ")));
    }
}
