//! `aws_s3_bucket`: S3 buckets and their regions (never object contents).

use super::common::{S3_BUCKET_READ, each_page, fetch_error, tags, timestamp};
use crate::scan::AwsContext;
use aws_sdk_s3::operation::get_bucket_tagging::GetBucketTaggingError;
use aws_types::region::Region;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, RowSink, Scope, Table, TableDef, Target, Value,
    WriteMode,
};

/// The table.
pub struct S3Bucket;

static DEF: TableDef = TableDef {
    name: "aws_s3_bucket",
    cloud: Cloud::Aws,
    description: "An S3 bucket (bucket-level facts only; objects are never read).",
    scope: Scope::Account,
    columns: &[
        ColumnDef::new("name", Text, "The bucket's name."),
        ColumnDef::new("arn", Text, "The bucket's ARN."),
        ColumnDef::new("bucket_region", Text, "The region the bucket lives in."),
        ColumnDef::new("creation_date", Timestamp, "When the bucket was created."),
        ColumnDef::new("tags", Json, "The bucket's tags, as {\"Key\": \"Value\"}."),
    ],
    permissions: &[
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetBucketTagging",
    ],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for S3Bucket {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    async fn fetch(
        &self,
        ctx: &AwsContext,
        target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        let mut buckets = Vec::new();
        each_page(
            ctx,
            &S3_BUCKET_READ,
            target,
            "ListBuckets",
            ctx.s3()
                .list_buckets()
                .max_buckets(1000)
                .into_paginator()
                .send(),
            |page| {
                buckets.extend(page.buckets().iter().cloned());
            },
        )
        .await?;
        for bucket in buckets {
            let Some(name) = bucket.name() else { continue };
            let region = match bucket.bucket_region() {
                Some(region) => region.to_owned(),
                None => {
                    ctx.budgets.acquire(&S3_BUCKET_READ, target).await;
                    let location = ctx
                        .s3()
                        .get_bucket_location()
                        .bucket(name)
                        .send()
                        .await
                        .map_err(|e| fetch_error("GetBucketLocation", e))?;
                    location_region(location.location_constraint().map(|c| c.as_str()))
                }
            };
            ctx.budgets.acquire(&S3_BUCKET_READ, target).await;
            // Tagging is answered only by the bucket's own region.
            let regional = aws_sdk_s3::Client::from_conf(
                ctx.s3()
                    .config()
                    .to_builder()
                    .region(Region::new(region.clone()))
                    .build(),
            );
            let tag_set = match regional.get_bucket_tagging().bucket(name).send().await {
                Ok(out) => tags(
                    out.tag_set()
                        .iter()
                        .map(|t| (Some(t.key()), Some(t.value()))),
                ),
                Err(e) if no_tags(&e) => Value::Json(serde_json::json!({})),
                Err(e) => return Err(fetch_error("GetBucketTagging", e)),
            };
            rows.push(vec![
                name.into(),
                format!("arn:aws:s3:::{name}").into(),
                region.into(),
                timestamp(bucket.creation_date()),
                tag_set,
            ]);
        }
        Ok(())
    }
}

/// A bucket without tags answers `NoSuchTagSet`.
fn no_tags(
    err: &aws_sdk_s3::error::SdkError<
        GetBucketTaggingError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> bool {
    use aws_sdk_s3::error::ProvideErrorMetadata;
    err.as_service_error().and_then(|e| e.code()) == Some("NoSuchTagSet")
}

/// GetBucketLocation's answer as a region name: empty means us-east-1, `EU` is eu-west-1.
fn location_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(region) => region.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::location_region;

    #[test]
    fn legacy_location_constraints_map_to_regions() {
        assert_eq!(location_region(None), "us-east-1");
        assert_eq!(location_region(Some("")), "us-east-1");
        assert_eq!(location_region(Some("EU")), "eu-west-1");
        assert_eq!(location_region(Some("ap-south-1")), "ap-south-1");
    }
}
