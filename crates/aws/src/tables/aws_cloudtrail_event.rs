//! `aws_cloudtrail_event`: CloudTrail events, per account and region.
//!
//! Two sources. With a trail bucket (`--trail-bucket`), the log files under
//! `AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/` are read in key order,
//! and the cursor is the last key read: a re-scan reads only files delivered
//! since. Without one, `LookupEvents` is asked (2 requests per second per
//! account and region, 50 events a page, 90 days back), and the cursor is the
//! newest event time seen. Events are keyed by `event_id`, so one read twice
//! is stored once.
//!
//! Response elements are never stored: some hold credentials (AssumeRole and
//! GetFederationToken return a session token there).

use super::common::{S3_BUCKET_READ, each_page, fetch_error, rows_by_page};
use crate::scan::{AwsContext, TrailReader};
use aws_smithy_types::DateTime;
use cloudbuilder_core::{
    ApiBudget, Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef,
    Target, Value, WriteMode,
};
use std::io::Read;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The table.
pub struct CloudTrailEvent;

/// LookupEvents: 2 requests per second per account and region.
pub const LOOKUP_EVENTS: ApiBudget = ApiBudget {
    name: "cloudtrail:LookupEvents",
    burst: 2,
    per_second: 2,
};

/// How far back the first LookupEvents scan of a target reaches.
const FIRST_LOOKUP: time::Duration = time::Duration::days(7);

static DEF: TableDef = TableDef {
    name: "aws_cloudtrail_event",
    cloud: Cloud::Aws,
    description: "A CloudTrail event (management and data events; response elements are never stored).",
    scope: Scope::Region,
    columns: &[
        ColumnDef::new("event_id", Text, "The event's unique id."),
        ColumnDef::new("event_time", Timestamp, "When the request was made."),
        ColumnDef::new("event_source", Text, "The service, e.g. iam.amazonaws.com."),
        ColumnDef::new("event_name", Text, "The API action, e.g. CreateUser."),
        ColumnDef::new(
            "event_type",
            Text,
            "AwsApiCall, AwsServiceEvent, AwsConsoleSignIn, …",
        ),
        ColumnDef::new("event_category", Text, "Management, Data or Insight."),
        ColumnDef::new("read_only", Boolean, "Whether the call only read."),
        ColumnDef::new(
            "user_type",
            Text,
            "The caller's identity type: IAMUser, AssumedRole, Root, …",
        ),
        ColumnDef::new("user_arn", Text, "The caller's ARN."),
        ColumnDef::new("user_name", Text, "The caller's user or role name."),
        ColumnDef::new(
            "access_key_id",
            Text,
            "The access key the call was signed with.",
        ),
        ColumnDef::new("source_ip_address", Text, "Where the call came from."),
        ColumnDef::new("user_agent", Text, "The caller's user agent."),
        ColumnDef::new("error_code", Text, "The error, when the call failed."),
        ColumnDef::new("error_message", Text, "The error's message."),
        ColumnDef::new(
            "recipient_account_id",
            Text,
            "The account that received the event.",
        ),
        ColumnDef::new("user_identity", Json, "The caller's full identity."),
        ColumnDef::new("request_parameters", Json, "The request's parameters."),
        ColumnDef::new("resources", Json, "The resources the event names."),
    ],
    permissions: &["cloudtrail:LookupEvents", "s3:ListBucket", "s3:GetObject"],
    mode: WriteMode::Incremental { key: &["event_id"] },
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for CloudTrailEvent {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    async fn fetch(
        &self,
        ctx: &AwsContext,
        target: &Target,
        cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        match &ctx.trail {
            Some(trail) => from_bucket(ctx, trail, target, cursor, rows).await,
            None => from_lookup(ctx, target, cursor, rows).await,
        }
    }
}

async fn from_bucket(
    ctx: &AwsContext,
    trail: &TrailReader,
    target: &Target,
    cursor: &mut Option<String>,
    rows: &mut RowSink,
) -> Result<(), FetchError> {
    let region = target.region.as_deref().unwrap_or(&ctx.region);
    let prefix = format!(
        "{}{}/CloudTrail/{region}/",
        trail.root(ctx, target).await?,
        target.account_id
    );
    let mut keys = Vec::new();
    each_page(
        ctx,
        &S3_BUCKET_READ,
        target,
        "ListObjectsV2",
        trail
            .s3
            .list_objects_v2()
            .bucket(&trail.bucket)
            .prefix(&prefix)
            .set_start_after(cursor.clone())
            .into_paginator()
            .send(),
        |page| {
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            )
        },
    )
    .await?;
    for key in keys
        .into_iter()
        .filter(|k| k.ends_with(".json.gz") || k.ends_with(".json"))
    {
        ctx.budgets.acquire(&S3_BUCKET_READ, target).await;
        tracing::info!(bucket = %trail.bucket, key = %key, "reading CloudTrail log file");
        let object = trail
            .s3
            .get_object()
            .bucket(&trail.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| fetch_error("GetObject", e))?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| FetchError::classify("ReadFailed", format!("{key}: {e}")))?
            .into_bytes();
        rows.extend(records(&key, &bytes)?.iter().filter_map(row));
        rows.flush().await?;
        // Files are read in key order, so the last one read is where the next scan starts.
        *cursor = Some(key);
    }
    Ok(())
}

/// The records of one log file (gzipped or not; `{"Records": [...]}` or a bare array).
fn records(key: &str, bytes: &[u8]) -> Result<Vec<serde_json::Value>, FetchError> {
    let bad = |what: String| FetchError::classify("InvalidLogFile", format!("{key}: {what}"));
    let mut text = Vec::new();
    if key.ends_with(".gz") {
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut text)
            .map_err(|e| bad(format!("not gzip: {e}")))?;
    } else {
        text.extend_from_slice(bytes);
    }
    match serde_json::from_slice(&text).map_err(|e| bad(format!("not JSON: {e}")))? {
        serde_json::Value::Object(mut file) => match file.remove("Records") {
            Some(serde_json::Value::Array(records)) => Ok(records),
            _ => Err(bad("no Records array".to_owned())),
        },
        serde_json::Value::Array(records) => Ok(records),
        _ => Err(bad("neither a log file nor an array of records".to_owned())),
    }
}

async fn from_lookup(
    ctx: &AwsContext,
    target: &Target,
    cursor: &mut Option<String>,
    rows: &mut RowSink,
) -> Result<(), FetchError> {
    let since = cursor
        .as_deref()
        .and_then(|c| OffsetDateTime::parse(c, &Rfc3339).ok())
        .unwrap_or_else(|| OffsetDateTime::now_utc() - FIRST_LOOKUP);
    let mut newest = since;
    rows_by_page(
        ctx,
        &LOOKUP_EVENTS,
        target,
        "LookupEvents",
        ctx.cloudtrail()
            .lookup_events()
            .start_time(DateTime::from_secs(since.unix_timestamp()))
            .max_results(50)
            .into_paginator()
            .send(),
        rows,
        |page, rows| {
            for event in page.events() {
                let Some(record) = event
                    .cloud_trail_event()
                    .and_then(|e| serde_json::from_str(e).ok())
                else {
                    continue;
                };
                if let Some(row) = row(&record) {
                    if let Value::Timestamp(t) = &row[1] {
                        newest = newest.max(*t);
                    }
                    rows.push(row);
                }
            }
        },
    )
    .await?;
    *cursor = newest.format(&Rfc3339).ok();
    Ok(())
}

/// One record as a row; `None` for a record without an event id.
fn row(record: &serde_json::Value) -> Option<Row> {
    let text = |v: &serde_json::Value| -> Value { v.as_str().map_or(Value::Null, Value::from) };
    let json = |v: &serde_json::Value| -> Value {
        if v.is_null() {
            Value::Null
        } else {
            Value::Json(v.clone())
        }
    };
    let identity = &record["userIdentity"];
    let user_name = identity["userName"]
        .as_str()
        .or_else(|| identity["sessionContext"]["sessionIssuer"]["userName"].as_str());
    let read_only = match &record["readOnly"] {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) => Some(s == "true"),
        _ => None,
    };
    Some(vec![
        Value::from(record["eventID"].as_str()?),
        record["eventTime"]
            .as_str()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            .into(),
        text(&record["eventSource"]),
        text(&record["eventName"]),
        text(&record["eventType"]),
        text(&record["eventCategory"]),
        read_only.into(),
        text(&identity["type"]),
        text(&identity["arn"]),
        user_name.into(),
        text(&identity["accessKeyId"]),
        text(&record["sourceIPAddress"]),
        text(&record["userAgent"]),
        text(&record["errorCode"]),
        text(&record["errorMessage"]),
        text(&record["recipientAccountId"]),
        json(identity),
        json(&record["requestParameters"]),
        json(&record["resources"]),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const FILE: &str = r#"{"Records":[
        {"eventID":"e1","eventTime":"2026-12-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole",
         "readOnly":true,"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","userName":"a","accessKeyId":"AKIAEXAMPLE"},
         "requestParameters":{"roleArn":"arn:aws:iam::1:role/R"},
         "responseElements":{"credentials":{"sessionToken":"SECRET-TOKEN","accessKeyId":"ASIAEXAMPLE"}},
         "recipientAccountId":"1"},
        {"eventTime":"2026-12-01T10:00:01Z","eventName":"NoId"}
    ]}"#;

    #[test]
    fn gzipped_log_files_become_rows_without_response_elements() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(FILE.as_bytes()).expect("gzip");
        let records = records("x.json.gz", &gz.finish().expect("gzip")).expect("records");
        let rows: Vec<Row> = records.iter().filter_map(row).collect();
        assert_eq!(rows.len(), 1, "a record without an event id is skipped");
        assert_eq!(rows[0].len(), DEF.columns.len());
        assert_eq!(rows[0][0], Value::from("e1"));
        assert_eq!(rows[0][6], Value::Boolean(true));
        assert_eq!(rows[0][9], Value::from("a"));
        assert!(
            !format!("{:?}", rows[0]).contains("SECRET-TOKEN"),
            "response elements are dropped"
        );
    }

    #[test]
    fn bare_arrays_are_accepted_and_garbage_is_one_clear_error() {
        assert_eq!(
            records("a.json", br#"[{"eventID":"x"}]"#)
                .expect("array")
                .len(),
            1
        );
        let err = records("b.json.gz", b"not gzip").expect_err("garbage");
        assert_eq!(err.code, "InvalidLogFile");
        assert!(
            err.message.starts_with("b.json.gz: not gzip"),
            "{}",
            err.message
        );
    }
}
