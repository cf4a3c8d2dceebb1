//! The AWS subject token: a `GetCallerIdentity` request signed with SigV4 by
//! the AWS workload's own credentials (never sent to AWS by us: Google's STS
//! replays it to AWS to learn who signed it), serialized as Google's AIP-4117
//! asks: URL-encoded JSON of `{url, method, headers}`, the headers including
//! `x-goog-cloud-target-resource`, the provider the token is meant for.
//!
//! Why not google-cloud-auth's own AWS-sourced credentials (the
//! `credential_source.environment_id = aws1` path of its external-account
//! builder)? Two reasons, both from its source (1.19,
//! `credentials/external_account_sources/aws_sourced.rs`):
//!
//! * it signs the `host` header as the URL's host *without its port*
//!   (`url.host_str()`), so a request to any STS endpoint on a non-default
//!   port, such as the moto server the tests verify against, carries a
//!   signature AWS (and moto) reject as `SignatureDoesNotMatch`; and
//! * it reads AWS credentials only from `AWS_ACCESS_KEY_ID`/`…SECRET…`/
//!   `…SESSION_TOKEN` or EC2 instance metadata, not the SDK's standard chain
//!   (profiles, SSO, `credential_process`, web identity, ECS/EKS containers),
//!   so "run from AWS credentials alone" would not hold for most workloads.
//!
//! So this provider signs with the AWS SDK's own signer (`aws-sigv4`) and
//! credentials from any AWS credentials provider, and plugs into
//! google-cloud-auth's programmatic external-account builder, which still
//! does the STS exchange, caching and refresh.

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use google_cloud_auth::credentials::subject_token::{
    Builder as SubjectTokenBuilder, SubjectToken, SubjectTokenProvider,
};
use google_cloud_auth::errors::SubjectTokenProviderError;
use serde_json::json;
use std::time::SystemTime;

/// The header naming the provider the token is for.
pub const TARGET_RESOURCE_HEADER: &str = "x-goog-cloud-target-resource";
/// The query of the signed request.
const GET_CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// Makes AWS subject tokens for one provider.
#[derive(Debug, Clone)]
pub struct AwsSubjectToken {
    credentials: SharedCredentialsProvider,
    region: String,
    url: String,
    audience: String,
}

/// Why no subject token could be made (never holds a secret).
#[derive(Debug, thiserror::Error)]
#[error("AWS subject token: {message}")]
pub struct SubjectTokenError {
    message: String,
    transient: bool,
}

impl SubjectTokenProviderError for SubjectTokenError {
    fn is_transient(&self) -> bool {
        self.transient
    }
}

impl AwsSubjectToken {
    /// Tokens signed with `credentials` in `region` for `audience`. The
    /// signed URL is `verification_url` (`{region}` filled in), or, when the
    /// AWS SDK's endpoint is overridden (`AWS_ENDPOINT_URL`), that endpoint.
    pub fn new(
        credentials: SharedCredentialsProvider,
        region: &str,
        verification_url: &str,
        sts_endpoint: Option<&str>,
        audience: &str,
    ) -> Self {
        let url = match sts_endpoint {
            Some(endpoint) => format!("{}/?{GET_CALLER_IDENTITY}", endpoint.trim_end_matches('/')),
            None => verification_url.replace("{region}", region),
        };
        AwsSubjectToken {
            credentials,
            region: region.to_owned(),
            url: with_root_path(&url),
            audience: audience.to_owned(),
        }
    }

    /// The URL the token's request names.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The token for `creds`, signed at `now`.
    pub fn sign(
        &self,
        creds: &aws_credential_types::Credentials,
        now: SystemTime,
    ) -> Result<String, SubjectTokenError> {
        let failed = |what: &str, e: &dyn std::fmt::Display| SubjectTokenError {
            message: format!("{what}: {e}"),
            transient: false,
        };
        let uri: http::Uri = self
            .url
            .parse()
            .map_err(|e| failed("the STS verification URL is not a URL", &e))?;
        let host = match (uri.host(), uri.port_u16(), uri.scheme_str()) {
            (Some(h), Some(p), Some(s)) if !matches!((s, p), ("https", 443) | ("http", 80)) => {
                format!("{h}:{p}")
            }
            (Some(h), _, _) => h.to_owned(),
            (None, _, _) => {
                return Err(failed("the STS verification URL has no host", &self.url));
            }
        };
        let identity = creds.clone().into();
        // The empty body's hash travels as a signed `x-amz-content-sha256`
        // header: whoever replays the request (Google's STS, or moto behind
        // the fake) then checks the signature against the body it was made
        // for, whatever body its own HTTP stack puts in.
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("sts")
            .time(now)
            .settings(settings)
            .build()
            .map_err(|e| failed("cannot sign", &e))?
            .into();
        let unsigned = [(TARGET_RESOURCE_HEADER, self.audience.as_str())];
        let request = SignableRequest::new(
            "POST",
            self.url.as_str(),
            unsigned.iter().copied(),
            SignableBody::Bytes(&[]),
        )
        .map_err(|e| failed("cannot sign", &e))?;
        let (instructions, _) = sign(request, &params)
            .map_err(|e| failed("cannot sign", &e))?
            .into_parts();
        let mut headers = vec![
            json!({"key": "host", "value": host}),
            json!({"key": TARGET_RESOURCE_HEADER, "value": self.audience}),
        ];
        for (key, value) in instructions.headers() {
            headers.push(json!({"key": key, "value": value}));
        }
        let token = json!({"url": self.url, "method": "POST", "headers": headers});
        Ok(url_encode(&token.to_string()))
    }
}

impl SubjectTokenProvider for AwsSubjectToken {
    type Error = SubjectTokenError;

    async fn subject_token(&self) -> Result<SubjectToken, Self::Error> {
        let creds =
            self.credentials
                .provide_credentials()
                .await
                .map_err(|e| SubjectTokenError {
                    message: format!("no AWS credentials: {}", error_chain(&e)),
                    transient: false,
                })?;
        let token = self.sign(&creds, SystemTime::now())?;
        Ok(SubjectTokenBuilder::new(token).build())
    }
}

/// `https://host?query` becomes `https://host/?query`, as AWS signs it.
fn with_root_path(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
            if rest[authority_end..].starts_with('/') {
                url.to_owned()
            } else {
                format!(
                    "{scheme}://{}/{}",
                    &rest[..authority_end],
                    &rest[authority_end..]
                )
            }
        }
        None => url.to_owned(),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An error and its causes on one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIENCE: &str = "//iam.googleapis.com/projects/333/locations/global/workloadIdentityPools/cloudbuilder/providers/aws-123456789012";

    fn decode(text: &str) -> serde_json::Value {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        serde_json::from_slice(&out).expect("json")
    }

    fn provider(endpoint: Option<&str>) -> (AwsSubjectToken, aws_credential_types::Credentials) {
        let creds = aws_credential_types::Credentials::new(
            "ASIAEXAMPLE",
            "secret-key-never-in-the-token",
            Some("session-token".to_owned()),
            None,
            "test",
        );
        let shared = SharedCredentialsProvider::new(creds.clone());
        (
            AwsSubjectToken::new(
                shared,
                "eu-west-1",
                super::super::config::REGIONAL_CRED_VERIFICATION_URL,
                endpoint,
                AUDIENCE,
            ),
            creds,
        )
    }

    #[test]
    fn the_token_is_a_signed_get_caller_identity_for_the_audience() {
        let (p, creds) = provider(None);
        assert_eq!(
            p.url(),
            "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
        );
        let token = p.sign(&creds, SystemTime::now()).expect("sign");
        assert!(!token.contains("secret-key"));
        let json = decode(&token);
        assert_eq!(json["method"], "POST");
        let header = |name: &str| {
            json["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|h| {
                    h["key"]
                        .as_str()
                        .is_some_and(|k| k.eq_ignore_ascii_case(name))
                })
                .and_then(|h| h["value"].as_str())
                .map(str::to_owned)
        };
        assert_eq!(
            header("host").as_deref(),
            Some("sts.eu-west-1.amazonaws.com")
        );
        assert_eq!(header(TARGET_RESOURCE_HEADER).as_deref(), Some(AUDIENCE));
        assert_eq!(
            header("x-amz-security-token").as_deref(),
            Some("session-token")
        );
        let auth = header("authorization").expect("authorization");
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/"),
            "{auth}"
        );
        assert!(auth.contains("/eu-west-1/sts/aws4_request"), "{auth}");
        assert!(auth.contains("x-goog-cloud-target-resource"), "{auth}");
        assert!(!auth.contains("secret-key"));
    }

    #[test]
    fn an_endpoint_override_is_signed_with_its_port() {
        let (p, creds) = provider(Some("http://127.0.0.1:5000/"));
        assert_eq!(
            p.url(),
            "http://127.0.0.1:5000/?Action=GetCallerIdentity&Version=2011-06-15"
        );
        let json = decode(&p.sign(&creds, SystemTime::now()).expect("sign"));
        assert_eq!(json["headers"][0]["value"], "127.0.0.1:5000");
    }
}
