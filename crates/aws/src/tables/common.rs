//! What the AWS tables share: published rate budgets, tag and time
//! conversions, and SDK errors as scan errors.

use crate::Error;
use crate::scan::AwsContext;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::DateTime;
use cloudbuilder_core::Target;
use cloudbuilder_core::{ApiBudget, FetchError, RowSink, Value};
use time::OffsetDateTime;

/// EC2 Describe*/List* calls: a bucket of 100, refilled at 20 per second, per
/// account and region (EC2 API request throttling, "non-mutating actions").
pub const EC2_DESCRIBE: ApiBudget = ApiBudget {
    name: "ec2:Describe",
    burst: 100,
    per_second: 20,
};

/// AWS Organizations reads. AWS publishes no per-action figure; the service
/// throttles a few requests per second per account, so stay well inside that.
pub const ORGANIZATIONS_READ: ApiBudget = ApiBudget {
    name: "organizations:Read",
    burst: 10,
    per_second: 5,
};

/// IAM reads. IAM is a global service with a low, unpublished control-plane
/// rate; these figures stay well inside what the service sustains.
pub const IAM_READ: ApiBudget = ApiBudget {
    name: "iam:Read",
    burst: 20,
    per_second: 10,
};

/// Lambda control-plane reads: 15 requests per second per account and region
/// (Lambda quotas, "control plane API requests"; ListFunctions shares it).
pub const LAMBDA_READ: ApiBudget = ApiBudget {
    name: "lambda:Read",
    burst: 15,
    per_second: 15,
};

/// RDS Describe* calls. RDS throttles describe calls per account and region
/// without a published figure; this pace stays inside it.
pub const RDS_DESCRIBE: ApiBudget = ApiBudget {
    name: "rds:Describe",
    burst: 20,
    per_second: 10,
};

/// S3 bucket-level reads (ListBuckets, GetBucketLocation, GetBucketTagging).
/// S3 allows thousands of requests per second per prefix; the pace here only
/// keeps a scan of many buckets polite.
pub const S3_BUCKET_READ: ApiBudget = ApiBudget {
    name: "s3:BucketRead",
    burst: 50,
    per_second: 50,
};

/// Tags as a JSON object `{"Key": "Value"}` (Steampipe's `tags` column).
pub fn tags<'a>(pairs: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Value {
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .filter_map(|(k, v)| {
            Some((
                k?.to_owned(),
                serde_json::Value::from(v.unwrap_or_default()),
            ))
        })
        .collect();
    Value::Json(serde_json::Value::Object(map))
}

/// An SDK timestamp as a cell.
pub fn timestamp(t: Option<&DateTime>) -> Value {
    t.and_then(|t| {
        let nanos = i128::from(t.secs()) * 1_000_000_000 + i128::from(t.subsec_nanos());
        OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
    })
    .into()
}

/// An SDK error as the scan records it, with the provider's code.
pub fn fetch_error<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> FetchError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    Error::from_sdk(operation, err).into()
}

/// Follows `pages` to the end, waiting on `budget` before each request, and
/// hands every page to `on_page`. Every list call goes through here (or
/// [`rows_by_page`]), so every one is paginated and paced.
pub async fn each_page<T, E>(
    ctx: &AwsContext,
    budget: &ApiBudget,
    target: &Target,
    operation: &'static str,
    mut pages: PaginationStream<Result<T, SdkError<E, HttpResponse>>>,
    mut on_page: impl FnMut(T),
) -> Result<(), FetchError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    while let Some(page) = next_page(ctx, budget, target, operation, &mut pages).await? {
        on_page(page);
    }
    Ok(())
}

/// [`each_page`] for pages that become rows: `on_page` turns a page into
/// rows, which are handed on before the next page is asked for, so a unit
/// holds one page of rows at a time.
pub async fn rows_by_page<T, E>(
    ctx: &AwsContext,
    budget: &ApiBudget,
    target: &Target,
    operation: &'static str,
    mut pages: PaginationStream<Result<T, SdkError<E, HttpResponse>>>,
    rows: &mut RowSink,
    mut on_page: impl FnMut(T, &mut RowSink),
) -> Result<(), FetchError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    while let Some(page) = next_page(ctx, budget, target, operation, &mut pages).await? {
        on_page(page, rows);
        rows.flush().await?;
    }
    Ok(())
}

/// The next page, once `budget` allows the request.
async fn next_page<T, E>(
    ctx: &AwsContext,
    budget: &ApiBudget,
    target: &Target,
    operation: &'static str,
    pages: &mut PaginationStream<Result<T, SdkError<E, HttpResponse>>>,
) -> Result<Option<T>, FetchError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    ctx.budgets.acquire(budget, target).await;
    pages
        .next()
        .await
        .transpose()
        .map_err(|e| fetch_error(operation, e))
}

/// Text of an SDK enum (`InstanceType`, `VolumeState`, …).
pub fn text<T: AsRef<str>>(v: Option<&T>) -> Value {
    v.map(|v| v.as_ref()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_become_an_object_and_keep_unicode() {
        let pairs = [
            (Some("Name"), Some("wéb-1 🚀")),
            (Some("empty"), None),
            (None, Some("orphan")),
        ];
        assert_eq!(
            tags(pairs.into_iter()),
            Value::Json(serde_json::json!({"Name": "wéb-1 🚀", "empty": ""}))
        );
    }

    #[test]
    fn timestamps_keep_subsecond_precision() {
        let t = DateTime::from_secs_and_nanos(1_767_323_045, 500_000_000);
        assert_eq!(
            timestamp(Some(&t)),
            Value::Timestamp(time::macros::datetime!(2026-01-02 03:04:05.5 UTC))
        );
        assert_eq!(timestamp(None), Value::Null);
    }
}
