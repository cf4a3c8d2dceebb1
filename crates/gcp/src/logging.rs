//! Cloud Logging's `entries.list` over REST (`POST /v2/entries:list`).
//!
//! Why not `google-cloud-logging-v2`: that crate speaks gRPC only, so it can
//! reach neither an HTTP/JSON endpoint such as the contract fake nor a proxy
//! that only forwards HTTP/1.1. Logging's REST surface is small, so this module
//! sends the one request itself, with the same credentials (and so the same
//! `Authorization` and `x-goog-user-project` headers) the [`Connection`]'s
//! Google clients use, over `reqwest` — the HTTP client Google's crates use
//! underneath (they keep theirs private).

use crate::connection::Connection;
use crate::error::{Error, first_line};
use crate::retry::{Failure, parse_retry_after};
use google_cloud_auth::credentials::{CacheableResource, Credentials};
use reqwest::Url;
use serde_json::Value;

const OPERATION: &str = "entries.list";
const DEFAULT_ENDPOINT: &str = "https://logging.googleapis.com";

/// A Cloud Logging reader.
#[derive(Clone)]
pub struct Logging {
    http: reqwest::Client,
    credentials: Credentials,
    url: Url,
}

impl std::fmt::Debug for Logging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Logging({})", self.url)
    }
}

impl Logging {
    /// A reader at the connection's endpoint (or Google's) with its credentials.
    pub fn new(conn: &Connection) -> Result<Self, Error> {
        let base = conn.endpoint().unwrap_or(DEFAULT_ENDPOINT);
        let url = Url::parse(&format!("{base}/v2/entries:list")).map_err(|e| {
            Error::invalid(
                "--gcp-endpoint",
                format!("'{base}' is not a URL ({e}); allowed is http(s)://host[:port]"),
            )
        })?;
        Ok(Logging {
            http: reqwest::Client::new(),
            credentials: conn.credentials().clone(),
            url,
        })
    }

    /// One `entries.list` call: `request` is the ListLogEntriesRequest JSON;
    /// the answer is the ListLogEntriesResponse JSON.
    pub async fn list(&self, request: &Value) -> Result<Value, Failure> {
        let headers = match self
            .credentials
            .headers(http::Extensions::new())
            .await
            .map_err(|e| Error::Credentials(first_line(&e.to_string())))?
        {
            CacheableResource::New { data, .. } => data,
            CacheableResource::NotModified => http::HeaderMap::new(),
        };
        let transport = |e: &dyn std::fmt::Display| Error::Transport {
            operation: OPERATION,
            message: first_line(&e.to_string()),
        };
        let response = self
            .http
            .post(self.url.clone())
            .headers(headers)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .body(request.to_string())
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = response.bytes().await.map_err(|e| transport(&e))?;
        let json: Value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).map_err(|e| Error::Unexpected {
                operation: OPERATION,
                message: format!("HTTP {status}: the answer is not JSON ({e})"),
            })?
        };
        if (200..300).contains(&status) {
            return Ok(json);
        }
        Err(Failure {
            error: service_error(status, &json),
            retry_after,
        })
    }
}

/// Google's JSON error (`{"error": {"code", "message", "status"}}`) as ours.
fn service_error(status: u16, body: &Value) -> Error {
    let error = &body["error"];
    Error::Service {
        operation: OPERATION,
        code: error["status"]
            .as_str()
            .map_or_else(|| format!("HTTP {status}"), str::to_owned),
        message: first_line(error["message"].as_str().unwrap_or("no message")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn googles_error_body_names_the_status() {
        let body = serde_json::json!({"error": {"code": 403, "status": "PERMISSION_DENIED",
            "message": "The caller does not have permission\nsecond line"}});
        let err = service_error(403, &body);
        assert_eq!(err.code(), Some("PERMISSION_DENIED"));
        assert_eq!(
            err.to_string(),
            "entries.list refused: The caller does not have permission (PERMISSION_DENIED)"
        );
        assert_eq!(service_error(502, &Value::Null).code(), Some("HTTP 502"));
    }

    #[test]
    fn a_bad_endpoint_is_a_usage_error() {
        let conn = Connection::new(Some("not a url".into()), Some(crate::AccessToken::new("t")))
            .expect("connection");
        assert!(Logging::new(&conn).is_err_and(|e| e.is_usage()));
    }
}
