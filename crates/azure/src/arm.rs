//! A small typed client for Azure Resource Manager's REST APIs over
//! `azure_core`: the pipeline (bearer token, retries honouring
//! `Retry-After` on 429 and 5xx, telemetry) carries every request; this
//! module builds URLs, reads ARM's error shape and follows `nextLink`s.

use crate::credential::TokenSource;
use crate::endpoints::{ARM_SCOPE, Endpoints};
use crate::{Error, Result};
use azure_core::http::policies::Policy;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::{Context, Method, Pipeline, PipelineSendOptions, Request, Url};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// One answer from ARM.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names in lowercase.
    pub headers: HashMap<String, String>,
    /// The JSON body (`Null` when empty).
    pub body: Value,
}

impl Answer {
    /// True for 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// ARM's error as an [`Error::Service`] (`{"error": {"code", "message"}}`,
    /// or Cost Management's bare `{"code", "message"}`).
    pub fn error(&self, operation: &'static str) -> Error {
        let inner = self.body.get("error").unwrap_or(&self.body);
        let text = |key: &str| inner.get(key).and_then(Value::as_str).map(str::to_owned);
        Error::Service {
            operation,
            status: self.status,
            code: text("code").unwrap_or_else(|| format!("HTTP{}", self.status)),
            message: text("message").unwrap_or_else(|| "no message".to_owned()),
        }
    }

    /// The body when 2xx, else the error.
    pub fn into_ok(self, operation: &'static str) -> Result<Value> {
        if self.ok() {
            Ok(self.body)
        } else {
            Err(self.error(operation))
        }
    }
}

/// An ARM client.
#[derive(Debug, Clone)]
pub struct Arm {
    pipeline: Pipeline,
    endpoints: Endpoints,
}

impl Arm {
    /// A client for `endpoints`, authenticated by `source`.
    pub fn new(endpoints: Endpoints, source: &TokenSource) -> Arm {
        let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            source.credential(),
            [ARM_SCOPE],
        ));
        let pipeline = Pipeline::new(
            Some("cloudbuilder-azure"),
            Some(env!("CARGO_PKG_VERSION")),
            endpoints.client_options(),
            Vec::new(),
            vec![auth],
            None,
        );
        Arm {
            pipeline,
            endpoints,
        }
    }

    /// The URL of `path` (which starts with `/`) with `api-version` and `query`.
    pub fn url(&self, path: &str, api_version: &str, query: &[(&str, &str)]) -> Result<Url> {
        let mut url = self
            .endpoints
            .arm
            .join(path)
            .map_err(|e| Error::Unexpected {
                operation: "url",
                message: format!("cannot build a URL for {path}: {e}"),
            })?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("api-version", api_version);
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// A `nextLink` from an answer, as the pipeline must see it.
    pub fn next_link(&self, operation: &'static str, link: &str) -> Result<Url> {
        let url = Url::parse(link).map_err(|e| Error::Unexpected {
            operation,
            message: format!("nextLink '{link}' is not a URL ({e})"),
        })?;
        Ok(self.endpoints.normalize(url))
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(
        &self,
        operation: &'static str,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Answer> {
        let mut request = Request::new(url, method);
        request.insert_header("accept", "application/json");
        if let Some(body) = body {
            request.insert_header("content-type", "application/json");
            request.set_body(body.to_string());
        }
        let response = self
            .pipeline
            .send(
                &Context::new(),
                &mut request,
                Some(PipelineSendOptions {
                    skip_checks: true,
                    ..Default::default()
                }),
            )
            .await
            .map_err(|e| Error::Unreachable {
                operation,
                message: e.to_string().lines().next().unwrap_or_default().to_owned(),
            })?;
        let (status, headers, body) = response.deconstruct();
        let headers = headers
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.as_str().to_owned()))
            .collect();
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).map_err(|e| Error::Unexpected {
                operation,
                message: format!("the answer is not JSON ({e})"),
            })?
        };
        Ok(Answer {
            status: u16::from(status),
            headers,
            body,
        })
    }

    /// GET `path`: the body, or None on 404.
    pub async fn get(
        &self,
        operation: &'static str,
        path: &str,
        api_version: &str,
    ) -> Result<Option<Value>> {
        let answer = self
            .send(
                operation,
                Method::Get,
                self.url(path, api_version, &[])?,
                None,
            )
            .await?;
        if answer.status == 404 {
            return Ok(None);
        }
        answer.into_ok(operation).map(Some)
    }

    /// Every item of a pageable list (`value` + `nextLink`), starting at `url`.
    pub async fn list(&self, operation: &'static str, url: Url) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut next = Some(url);
        while let Some(url) = next.take() {
            let body = self
                .send(operation, Method::Get, url, None)
                .await?
                .into_ok(operation)?;
            if let Some(Value::Array(page)) = body.get("value") {
                items.extend(page.iter().cloned());
            }
            if let Some(link) = body.get("nextLink").and_then(Value::as_str) {
                next = Some(self.next_link(operation, link)?);
            }
        }
        Ok(items)
    }
}
