//! Reading a CloudTrail bucket: one S3 client for the whole scan, signed as
//! whoever can read the bucket (the Cloud Builder role of the account that
//! holds it, or the scanner itself), and the bucket's layout, found once.

use crate::tables::common::fetch_error;
use cloudbuilder_core::FetchError;
use tokio::sync::OnceCell;

/// The trail bucket and a client that can read it.
#[derive(Debug)]
pub struct TrailReader {
    /// The client.
    pub s3: aws_sdk_s3::Client,
    /// The bucket.
    pub bucket: String,
    root: OnceCell<String>,
}

impl TrailReader {
    /// A reader of `bucket` with `s3`.
    pub fn new(s3: aws_sdk_s3::Client, bucket: String) -> Self {
        TrailReader {
            s3,
            bucket,
            root: OnceCell::new(),
        }
    }

    /// Where the account folders start: `AWSLogs/<org-id>/` for an organization
    /// trail, `AWSLogs/` for an account trail.
    pub async fn root(
        &self,
        ctx: &super::AwsContext,
        target: &cloudbuilder_core::Target,
    ) -> Result<&str, FetchError> {
        self.root
            .get_or_try_init(|| async {
                ctx.budgets
                    .acquire(&crate::tables::common::S3_BUCKET_READ, target)
                    .await;
                let out = self
                    .s3
                    .list_objects_v2()
                    .bucket(&self.bucket)
                    .prefix("AWSLogs/")
                    .delimiter("/")
                    .send()
                    .await
                    .map_err(|e| fetch_error("ListObjectsV2", e))?;
                let org = out
                    .common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix())
                    .find(|p| p.starts_with("AWSLogs/o-"));
                Ok(org.unwrap_or("AWSLogs/").to_owned())
            })
            .await
            .map(String::as_str)
    }
}
