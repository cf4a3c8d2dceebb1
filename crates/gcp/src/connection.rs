//! How the GCP clients reach Google: the endpoint (overridable, so tests reach
//! the contract fake) and the credentials (Application Default Credentials,
//! a given access token, or AWS credentials federated through Workload
//! Identity Federation), turned into Google's official clients.

use crate::error::{Error, Result};
use crate::token::AccessToken;
use google_cloud_auth::credentials::{
    CacheableResource, Credentials, CredentialsProvider, EntityTag,
};
use google_cloud_auth::errors::CredentialsError;
use http::{Extensions, HeaderMap, HeaderValue};

/// Where to send requests and whose credentials to send.
#[derive(Debug, Clone)]
pub struct Connection {
    endpoint: Option<String>,
    credentials: Credentials,
}

impl Connection {
    /// A connection to `endpoint` (every API at one base URL; None: Google's
    /// own per-service endpoints) with `token` as the bearer token, or with
    /// Application Default Credentials when no token is given.
    pub fn new(endpoint: Option<String>, token: Option<AccessToken>) -> Result<Self> {
        let credentials = match token {
            Some(token) => Credentials::from(BearerToken(token)),
            None => google_cloud_auth::credentials::Builder::default()
                .build()
                .map_err(|e| Error::Credentials(crate::error::first_line(&e.to_string())))?,
        };
        Ok(Connection {
            endpoint: endpoint.map(|e| e.trim_end_matches('/').to_owned()),
            credentials,
        })
    }

    /// A connection to `endpoint` with ready-made credentials.
    pub fn with_credentials(endpoint: Option<String>, credentials: Credentials) -> Self {
        Connection {
            endpoint: endpoint.map(|e| e.trim_end_matches('/').to_owned()),
            credentials,
        }
    }

    /// A connection to `endpoint` that acts as the scanner service account
    /// from AWS credentials alone: the AWS workload's signed
    /// `GetCallerIdentity` is exchanged at Google's STS (through the
    /// credential configuration `role apply --federate-from-aws` wrote) and
    /// the federated principal mints the service account's tokens, again
    /// before each expires. No service-account key is involved.
    pub fn from_aws_federation(
        endpoint: Option<String>,
        federation: &crate::federation::credentials::AwsFederation,
    ) -> Result<Self> {
        Ok(Connection::with_credentials(
            endpoint,
            federation.service_account_credentials()?,
        ))
    }

    /// The same endpoint with another identity's token.
    pub fn with_token(&self, token: AccessToken) -> Self {
        Connection {
            endpoint: self.endpoint.clone(),
            credentials: Credentials::from(BearerToken(token)),
        }
    }

    /// The endpoint override, if any.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// IAM (custom roles, service accounts).
    pub async fn iam(&self) -> Result<google_cloud_iam_admin_v1::client::Iam> {
        let mut builder = google_cloud_iam_admin_v1::client::Iam::builder()
            .with_credentials(self.credentials.clone());
        if let Some(e) = &self.endpoint {
            builder = builder.with_endpoint(e);
        }
        builder.build().await.map_err(|e| build_error("IAM", e))
    }

    /// Resource Manager: projects.
    pub async fn projects(&self) -> Result<google_cloud_resourcemanager_v3::client::Projects> {
        let mut builder = google_cloud_resourcemanager_v3::client::Projects::builder()
            .with_credentials(self.credentials.clone());
        if let Some(e) = &self.endpoint {
            builder = builder.with_endpoint(e);
        }
        builder
            .build()
            .await
            .map_err(|e| build_error("Resource Manager", e))
    }

    /// Resource Manager: folders.
    pub async fn folders(&self) -> Result<google_cloud_resourcemanager_v3::client::Folders> {
        let mut builder = google_cloud_resourcemanager_v3::client::Folders::builder()
            .with_credentials(self.credentials.clone());
        if let Some(e) = &self.endpoint {
            builder = builder.with_endpoint(e);
        }
        builder
            .build()
            .await
            .map_err(|e| build_error("Resource Manager", e))
    }

    /// Resource Manager: organizations.
    pub async fn organizations(
        &self,
    ) -> Result<google_cloud_resourcemanager_v3::client::Organizations> {
        let mut builder = google_cloud_resourcemanager_v3::client::Organizations::builder()
            .with_credentials(self.credentials.clone());
        if let Some(e) = &self.endpoint {
            builder = builder.with_endpoint(e);
        }
        builder
            .build()
            .await
            .map_err(|e| build_error("Resource Manager", e))
    }

    /// IAM Credentials (generateAccessToken).
    pub async fn iam_credentials(
        &self,
    ) -> Result<google_cloud_iam_credentials_v1::client::IAMCredentials> {
        let mut builder = google_cloud_iam_credentials_v1::client::IAMCredentials::builder()
            .with_credentials(self.credentials.clone());
        if let Some(e) = &self.endpoint {
            builder = builder.with_endpoint(e);
        }
        builder
            .build()
            .await
            .map_err(|e| build_error("IAM Credentials", e))
    }
}

fn build_error(api: &str, e: google_cloud_gax::client_builder::Error) -> Error {
    Error::Credentials(format!(
        "cannot set up the {api} client: {}",
        crate::error::first_line(&e.to_string())
    ))
}

/// Credentials that are one bearer token, sent as it is.
#[derive(Debug)]
struct BearerToken(AccessToken);

impl CredentialsProvider for BearerToken {
    async fn headers(
        &self,
        _extensions: Extensions,
    ) -> std::result::Result<CacheableResource<HeaderMap>, CredentialsError> {
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", self.0.expose())).map_err(|_| {
                CredentialsError::from_msg(false, "the access token is not a valid header value")
            })?;
        value.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, value);
        Ok(CacheableResource::New {
            entity_tag: EntityTag::new(),
            data: headers,
        })
    }

    async fn universe_domain(&self) -> Option<String> {
        None
    }
}
