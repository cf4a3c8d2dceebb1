//! Plain JSON-over-HTTP calls to IAM for the Workload Identity pools and
//! providers, which Google's Rust libraries have no generated client for
//! (`google-cloud-iam-admin-v1` covers roles and service accounts only).
//! The connection's endpoint and credentials are used as the generated
//! clients use them; long-running operations are polled until done.

use crate::Connection;
use crate::error::{Error, Result, first_line};
use google_cloud_auth::credentials::{CacheableResource, Credentials};
use http::Extensions;
use serde_json::Value;
use std::time::Duration;

/// Google's IAM endpoint.
const IAM_ENDPOINT: &str = "https://iam.googleapis.com";
/// How long a long-running operation is waited for.
const OPERATION_DEADLINE: Duration = Duration::from_secs(120);

/// An HTTP client for IAM's REST surface.
#[derive(Debug, Clone)]
pub(crate) struct Rest {
    http: reqwest::Client,
    base: String,
    credentials: Credentials,
}

impl Rest {
    /// A client at the connection's endpoint (else Google's IAM endpoint).
    pub(crate) fn new(conn: &Connection) -> Self {
        Rest {
            http: reqwest::Client::new(),
            base: conn.endpoint().unwrap_or(IAM_ENDPOINT).to_owned(),
            credentials: conn.credentials().clone(),
        }
    }

    /// Sends one request and answers the JSON body; Google's error body
    /// becomes [`Error::Service`] with the canonical status.
    pub(crate) async fn call(
        &self,
        operation: &'static str,
        method: http::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let headers = match self.credentials.headers(Extensions::new()).await {
            Ok(CacheableResource::New { data, .. }) => data,
            Ok(CacheableResource::NotModified) => {
                return Err(Error::Credentials(
                    "the credentials gave no headers".to_owned(),
                ));
            }
            Err(e) => return Err(Error::Credentials(first_line(&e.to_string()))),
        };
        let url = format!("{}/v1/{path}", self.base);
        let mut request = self
            .http
            .request(method, &url)
            .headers(headers)
            .query(query);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| Error::Transport {
            operation,
            message: first_line(&e.without_url().to_string()),
        })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| Error::Transport {
            operation,
            message: first_line(&e.without_url().to_string()),
        })?;
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(json);
        }
        let error = &json["error"];
        Err(Error::Service {
            operation,
            code: error["status"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("HTTP {}", status.as_u16())),
            message: first_line(error["message"].as_str().unwrap_or(&text)),
        })
    }

    /// Polls a long-running operation until it is done; answers its response.
    pub(crate) async fn wait(&self, operation: &'static str, mut op: Value) -> Result<Value> {
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(50);
        loop {
            if op["done"].as_bool() == Some(true) {
                if let Some(error) = op.get("error") {
                    return Err(Error::Service {
                        operation,
                        code: status_of(error),
                        message: first_line(error["message"].as_str().unwrap_or_default()),
                    });
                }
                return Ok(op.get("response").cloned().unwrap_or(Value::Null));
            }
            let name = op["name"].as_str().unwrap_or_default().to_owned();
            if name.is_empty() {
                return Err(Error::Unexpected {
                    operation,
                    message: "an operation without a name".to_owned(),
                });
            }
            if started.elapsed() > OPERATION_DEADLINE {
                return Err(Error::Transport {
                    operation,
                    message: format!(
                        "operation {name} not done after {}s",
                        OPERATION_DEADLINE.as_secs()
                    ),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
            op = self
                .call(operation, http::Method::GET, &name, &[], None)
                .await?;
        }
    }
}

/// The canonical status name of a `google.rpc.Status` in an operation.
fn status_of(error: &Value) -> String {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    error["code"]
        .as_u64()
        .and_then(|c| NAMES.get(usize::try_from(c).unwrap_or(usize::MAX)))
        .map_or_else(|| "UNKNOWN".to_owned(), |s| (*s).to_owned())
}
