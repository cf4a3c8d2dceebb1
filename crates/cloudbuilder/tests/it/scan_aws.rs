//! `scan aws` across an organization in moto's auth mode, and `query` on the result.

use crate::util::{assert_one_line_failure, run};
use cloudbuilder_testkit::{OrgFixture, OrgSpec, Sandbox};
use std::collections::BTreeMap;

const NAME: &str = "wéb-1 🚀 ünïcödé";

fn org(sb: &mut Sandbox, denied: &[usize]) -> OrgFixture {
    // The role may do exactly what the table registry declares, and no more.
    let mut actions = cloudbuilder_aws::tables::permissions();
    actions.push("sts:GetCallerIdentity");
    sb.organization(&OrgSpec {
        role_actions: &actions,
        members: 3,
        regions: &["us-east-1", "eu-west-1"],
        instances_per_region: 2,
        external_id: "acme-42",
        denied_members: denied,
        name_tag: NAME,
    })
}

/// Every table but `aws_lambda_function` (in auth mode moto recomputes the
/// signature of Lambda's `GET /2015-03-31/functions/` differently from AWS and
/// from the Rust SDK, so that table is proven without auth, below) and
/// `aws_cloudtrail_event` (moto has no LookupEvents; the trail-bucket path is
/// proven below).
fn tables_moto_authenticates() -> String {
    let names: Vec<&str> = cloudbuilder_aws::tables::defs()
        .iter()
        .map(|d| d.name)
        .filter(|n| *n != "aws_lambda_function" && *n != "aws_cloudtrail_event")
        .collect();
    names.join(",")
}

/// `scan aws --org` over the seeded organization's two regions, for `tables`.
fn scan_org(sb: &Sandbox, store: &str, tables: &str) -> cloudbuilder_testkit::Output {
    run(
        sb,
        &[
            "scan",
            "aws",
            "--org",
            "--external-id",
            "acme-42",
            "--regions",
            "us-east-1,eu-west-1",
            "--tables",
            tables,
            "--store",
            store,
        ],
    )
}

fn query(sb: &Sandbox, store: &str, sql: &str) -> serde_json::Value {
    run(sb, &["query", sql, "--store", store, "--format", "json"])
        .success()
        .json()
}

fn counts(sb: &Sandbox, store: &str) -> BTreeMap<(String, String), i64> {
    query(
        sb,
        store,
        "SELECT account_id, region, count(*) AS n FROM aws_ec2_instance GROUP BY 1, 2",
    )
    .as_array()
    .expect("rows")
    .iter()
    .map(|r| {
        (
            (
                r["account_id"].as_str().expect("a").to_owned(),
                r["region"].as_str().expect("r").to_owned(),
            ),
            r["n"].as_i64().expect("n"),
        )
    })
    .collect()
}

#[test]
fn an_org_scan_finds_every_instance_in_every_member_and_region() {
    let mut sb = Sandbox::new();
    let fx = org(&mut sb, &[]);
    let store = sb.path("scan.db").display().to_string();
    let tables = tables_moto_authenticates();
    let out = scan_org(&sb, &store, &tables);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("0 failed units"), "{}", out.stderr);

    let expected: BTreeMap<(String, String), i64> = fx
        .members
        .iter()
        .flat_map(|m| fx.regions.iter().map(move |r| ((m.clone(), r.clone()), 2)))
        .collect();
    assert_eq!(counts(&sb, &store), expected);

    let tagged = query(
        &sb,
        &store,
        "SELECT DISTINCT tags ->> '$.Name' AS name, tags ->> '$.team' AS team FROM aws_ec2_instance",
    );
    assert_eq!(
        tagged,
        serde_json::json!([{"name": NAME, "team": "platform"}]),
        "tags round-trip, unicode included"
    );

    let accounts = query(
        &sb,
        &store,
        "SELECT id FROM aws_organizations_account ORDER BY id",
    );
    assert_eq!(
        accounts.as_array().expect("rows").len(),
        4,
        "management + 3 members: {accounts}"
    );
    let buckets = query(
        &sb,
        &store,
        "SELECT DISTINCT bucket_region, tags ->> '$.team' AS team FROM aws_s3_bucket",
    );
    assert_eq!(
        buckets,
        serde_json::json!([{"bucket_region": "eu-west-1", "team": "platform"}])
    );
    let per_account = query(
        &sb,
        &store,
        "SELECT count(*) AS n FROM aws_s3_bucket WHERE name = 'logs-' || account_id",
    );
    assert_eq!(
        per_account,
        serde_json::json!([{"n": 3}]),
        "each member's bucket, seen from that member"
    );
    let roles = query(
        &sb,
        &store,
        "SELECT count(DISTINCT account_id) AS n FROM aws_iam_role WHERE name = 'CloudBuilder'",
    );
    assert_eq!(roles, serde_json::json!([{"n": 4}]));
    let trust = query(
        &sb,
        &store,
        "SELECT DISTINCT assume_role_policy -> '$.Statement[0].Condition' AS c FROM aws_iam_role WHERE name = 'CloudBuilder'",
    );
    assert_eq!(
        trust,
        serde_json::json!([{"c": "{\"StringEquals\":{\"sts:ExternalId\":\"acme-42\"}}"}]),
        "trust policies are decoded JSON"
    );
    let run_row = query(&sb, &store, "SELECT status, errors FROM cloudbuilder_run");
    assert_eq!(
        run_row,
        serde_json::json!([{"status": "complete", "errors": 0}])
    );

    // A second scan replaces the first rather than adding to it.
    scan_org(&sb, &store, &tables).success();
    assert_eq!(counts(&sb, &store), expected);
    let runs = query(
        &sb,
        &store,
        "SELECT count(DISTINCT _run_id) AS runs FROM aws_ec2_instance",
    );
    assert_eq!(
        runs,
        serde_json::json!([{"runs": 1}]),
        "every row is from the latest run"
    );
}

#[test]
fn a_member_that_denies_ec2_is_an_error_row_and_the_others_are_complete() {
    let mut sb = Sandbox::new();
    let fx = org(&mut sb, &[1]);
    let store = sb.path("scan.db").display().to_string();
    let out = scan_org(&sb, &store, "aws_ec2_instance,aws_vpc");
    assert_eq!(out.code, Some(2), "partial scan:\n{}", out.stderr);
    let denied = &fx.members[1];
    let errors = query(
        &sb,
        &store,
        "SELECT DISTINCT account_id, kind FROM cloudbuilder_scan_error",
    );
    let detail = query(&sb, &store, "SELECT * FROM cloudbuilder_scan_error");
    assert_eq!(
        errors,
        serde_json::json!([{"account_id": denied, "kind": "denied"}]),
        "{detail:#}"
    );
    let n_errors = query(
        &sb,
        &store,
        "SELECT count(*) AS n FROM cloudbuilder_scan_error",
    );
    assert_eq!(
        n_errors,
        serde_json::json!([{"n": 4}]),
        "2 tables × 2 regions of the denied member"
    );

    let counts = counts(&sb, &store);
    assert!(!counts.keys().any(|(a, _)| a == denied), "{counts:?}");
    for member in fx.members.iter().filter(|m| *m != denied) {
        for region in &fx.regions {
            assert_eq!(
                counts.get(&(member.clone(), region.clone())),
                Some(&2),
                "{member}/{region}"
            );
        }
    }
}

#[test]
fn only_the_named_ou_is_scanned_and_excluded_accounts_are_left_out() {
    let mut sb = Sandbox::new();
    let fx = org(&mut sb, &[]);
    let store = sb.path("scan.db").display().to_string();
    run(
        &sb,
        &[
            "scan",
            "aws",
            "--org",
            "--ou",
            &fx.ou,
            "--exclude-account",
            &fx.members[0],
            "--external-id",
            "acme-42",
            "--regions",
            "us-east-1",
            "--tables",
            "aws_ec2_instance",
            "--store",
            &store,
        ],
    )
    .success();
    let accounts: Vec<String> = counts(&sb, &store).into_keys().map(|(a, _)| a).collect();
    let mut expected = vec![fx.members[1].clone(), fx.members[2].clone()];
    expected.sort();
    assert_eq!(accounts, expected);
}

#[test]
fn bad_tables_regions_and_sql_are_one_line() {
    let sb = Sandbox::new();
    let store = sb.path("scan.db").display().to_string();
    let out = run(
        &sb,
        &[
            "scan",
            "aws",
            "--tables",
            "aws_ec2_instances",
            "--store",
            &store,
        ],
    );
    assert_one_line_failure(
        &out,
        64,
        &[
            "--tables: no table 'aws_ec2_instances'",
            "aws_ec2_instance, ",
        ],
    );
    let out = run(
        &sb,
        &["scan", "aws", "--regions", "us-east-9", "--store", &store],
    );
    assert_one_line_failure(&out, 64, &["--regions: no region 'us-east-9'", "eu-west-1"]);

    run(
        &sb,
        &[
            "scan",
            "aws",
            "--regions",
            "us-east-1",
            "--tables",
            "aws_vpc",
            "--store",
            &store,
        ],
    )
    .success();
    let out = run(&sb, &["query", "SELEC 1", "--store", &store]);
    assert_one_line_failure(&out, 1, &["query: ", "syntax error"]);
    let out = run(&sb, &["query", "DELETE FROM aws_vpc", "--store", &store]);
    assert_one_line_failure(&out, 1, &["only read-only statements"]);
    let csv = run(
        &sb,
        &[
            "query",
            "SELECT account_id, vpc_id FROM aws_vpc",
            "--store",
            &store,
            "--format",
            "csv",
        ],
    )
    .success();
    assert!(
        csv.stdout
            .starts_with("account_id,vpc_id\n123456789012,vpc-"),
        "{}",
        csv.stdout
    );
    let table = run(
        &sb,
        &[
            "query",
            "SELECT count(*) AS n FROM aws_vpc",
            "--store",
            &store,
        ],
    )
    .success();
    assert_eq!(table.stdout, "n\n-\n1\n(1 row)\n");
}

#[test]
fn tables_lists_every_table_with_its_permissions() {
    let sb = Sandbox::new();
    let out = run(&sb, &["tables", "--format", "json"]).success().json();
    let names: Vec<&str> = out
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert!(
        names.contains(&"aws_ec2_instance") && names.contains(&"aws_organizations_account"),
        "{names:?}"
    );
    let instance = out
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["name"] == "aws_ec2_instance")
        .expect("instance");
    assert_eq!(
        instance["permissions"],
        serde_json::json!(["ec2:DescribeInstances"])
    );
    assert_eq!(instance["columns"][0]["name"], "account_id");
    assert_eq!(instance["columns"][1]["name"], "region");
}

#[test]
fn lambda_functions_and_rds_instances_are_listed() {
    let sb = Sandbox::new();
    let zip = sb.path("fn.zip");
    let made = sb.run(sb.command("python3").args([
        "-c",
        "import sys, zipfile; zipfile.ZipFile(sys.argv[1], 'w').writestr('index.py', 'def handler(e, c): return 1')",
        &zip.display().to_string(),
    ]));
    assert_eq!(made.code, Some(0), "{}", made.stderr);
    sb.aws(&[
        "iam", "create-role", "--role-name", "fn-exec", "--assume-role-policy-document",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    ])
    .success();
    sb.aws(&[
        "lambda",
        "create-function",
        "--function-name",
        "nightly-report",
        "--runtime",
        "python3.12",
        "--handler",
        "index.handler",
        "--role",
        "arn:aws:iam::123456789012:role/fn-exec",
        "--zip-file",
        &format!("fileb://{}", zip.display()),
        "--memory-size",
        "256",
    ])
    .success();
    // awscli v1's rds commands ignore AWS_ENDPOINT_URL; name the endpoint.
    sb.aws(&[
        "--endpoint-url",
        sb.moto.url(),
        "rds",
        "create-db-instance",
        "--db-instance-identifier",
        "orders",
        "--db-instance-class",
        "db.t3.micro",
        "--engine",
        "postgres",
        "--allocated-storage",
        "20",
        "--master-username",
        "admin_user",
        "--master-user-password",
        "not-a-real-password-1",
        "--tags",
        "Key=team,Value=payments",
    ])
    .success();
    let store = sb.path("scan.db").display().to_string();
    run(
        &sb,
        &[
            "scan",
            "aws",
            "--regions",
            "us-east-1",
            "--tables",
            "aws_lambda_function,aws_rds_db_instance",
            "--store",
            &store,
        ],
    )
    .success();
    let functions = query(
        &sb,
        &store,
        "SELECT name, runtime, memory_size, role FROM aws_lambda_function",
    );
    assert_eq!(
        functions,
        serde_json::json!([{"name": "nightly-report", "runtime": "python3.12", "memory_size": 256, "role": "arn:aws:iam::123456789012:role/fn-exec"}])
    );
    let databases = query(
        &sb,
        &store,
        "SELECT db_instance_identifier, engine, tags ->> '$.team' AS team FROM aws_rds_db_instance",
    );
    assert_eq!(
        databases,
        serde_json::json!([{"db_instance_identifier": "orders", "engine": "postgres", "team": "payments"}])
    );
}

/// Queues Cost Explorer answers in moto, in the order requests will take them.
fn seed_cost(sb: &Sandbox, results: serde_json::Value) {
    let body = serde_json::json!({ "results": results }).to_string();
    let out = sb.run(sb.command("python3").args([
        "-c",
        "import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], data=sys.argv[2].encode(), headers={'Content-Type': 'application/json'}))",
        &format!("{}/moto-api/static/ce/cost-and-usage-results", sb.moto.url()),
        &body,
    ]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

fn cost_day(start: &str, end: &str, service: &str, amount: &str) -> serde_json::Value {
    serde_json::json!({
        "TimePeriod": {"Start": start, "End": end},
        "Total": {},
        "Groups": [{"Keys": [service], "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}, "UsageQuantity": {"Amount": "10", "Unit": "N/A"}}}],
        "Estimated": false
    })
}

#[test]
fn closed_cost_days_are_kept_and_never_requested_again() {
    let sb = Sandbox::new();
    let today = time::OffsetDateTime::now_utc().date();
    let (yesterday, tomorrow) = (
        today.previous_day().expect("day"),
        today.next_day().expect("day"),
    );
    let (y, t, n) = (
        yesterday.to_string(),
        today.to_string(),
        tomorrow.to_string(),
    );
    seed_cost(
        &sb,
        serde_json::json!([
            {"ResultsByTime": [cost_day(&y, &t, "Amazon EC2", "4.50"), cost_day(&t, &n, "Amazon EC2", "1.00")]},
            {"ResultsByTime": [cost_day(&t, &n, "Amazon EC2", "2.75")]},
        ]),
    );
    let store = sb.path("scan.db").display().to_string();
    let scan = || {
        run(
            &sb,
            &[
                "-v",
                "scan",
                "aws",
                "--regions",
                "us-east-1",
                "--tables",
                "aws_cost_by_service_daily",
                "--store",
                &store,
            ],
        )
        .success()
    };
    let requests = |out: &cloudbuilder_testkit::Output| -> Vec<String> {
        out.stderr
            .lines()
            .filter(|l| l.contains("Cost Explorer request"))
            .map(str::to_owned)
            .collect()
    };

    let first = scan();
    let first_requests = requests(&first);
    assert_eq!(first_requests.len(), 1, "{first_requests:?}");
    assert!(
        first_requests[0].contains(&format!("end={n}")),
        "{first_requests:?}"
    );

    let second = scan();
    let second_requests = requests(&second);
    assert_eq!(second_requests.len(), 1, "{second_requests:?}");
    assert!(
        second_requests[0].contains(&format!("start={t}"))
            && second_requests[0].contains(&format!("end={n}")),
        "the second scan asks only for the open day: {second_requests:?}"
    );

    let rows = query(
        &sb,
        &store,
        "SELECT period_start, service, unblended_cost_amount AS usd, usage_quantity_amount AS qty FROM aws_cost_by_service_daily ORDER BY 1",
    );
    assert_eq!(
        rows,
        serde_json::json!([
            {"period_start": y, "service": "Amazon EC2", "usd": 4.5, "qty": 10.0},
            {"period_start": t, "service": "Amazon EC2", "usd": 2.75, "qty": 10.0},
        ]),
        "the closed day is kept; the open day is replaced by its newer figure"
    );
}

/// Delivers a published log file into the trail bucket as CloudTrail does: gzipped `{"Records": [...]}`.
fn deliver(sb: &Sandbox, fixture: &str, key: &str) {
    let source = format!(
        "{}/tests/fixtures/cloudtrail/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    );
    let gz = sb.path("delivery.json.gz");
    let out = sb.run(sb.command("python3").args([
        "-c",
        "import gzip, json, sys
d = json.load(open(sys.argv[1]))
gzip.open(sys.argv[2], 'wt').write(json.dumps(d if isinstance(d, dict) else {'Records': d}))",
        &source,
        &gz.display().to_string(),
    ]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    sb.aws(&[
        "s3api",
        "put-object",
        "--bucket",
        "org-trail",
        "--key",
        key,
        "--body",
        &gz.display().to_string(),
    ])
    .success();
}

#[test]
fn trail_bucket_scans_read_only_new_log_files_and_never_store_response_elements() {
    let sb = Sandbox::new();
    sb.aws(&["s3api", "create-bucket", "--bucket", "org-trail"])
        .success();
    let folder = "AWSLogs/o-abc123def4/123456789012/CloudTrail/us-east-1/2026/12/01";
    deliver(
        &sb,
        "opentelemetry-collector-contrib__cloudtraillog_testdata__cloudtrail_log.json",
        &format!("{folder}/123456789012_CloudTrail_us-east-1_20261201T1000Z_a1.json.gz"),
    );
    deliver(
        &sb,
        "stratus-red-team__aws.persistence.iam-create-backdoor-role.json",
        &format!("{folder}/123456789012_CloudTrail_us-east-1_20261201T1100Z_b2.json.gz"),
    );
    let store = sb.path("scan.db").display().to_string();
    let scan = || {
        run(
            &sb,
            &[
                "-v",
                "scan",
                "aws",
                "--regions",
                "us-east-1",
                "--tables",
                "aws_cloudtrail_event",
                "--trail-bucket",
                "org-trail",
                "--store",
                &store,
            ],
        )
        .success()
        .stderr
        .lines()
        .filter(|l| l.contains("reading CloudTrail log file"))
        .count()
    };
    assert_eq!(scan(), 2);
    let count = || {
        query(
            &sb,
            &store,
            "SELECT count(*) AS n FROM aws_cloudtrail_event",
        )[0]["n"]
            .as_i64()
            .expect("n")
    };
    assert_eq!(count(), 9, "7 + 2 records");

    assert_eq!(scan(), 0, "nothing new was delivered");
    deliver(
        &sb,
        "stratus-red-team__aws.persistence.sts-federation-token.json",
        &format!("{folder}/123456789012_CloudTrail_us-east-1_20261201T1200Z_c3.json.gz"),
    );
    assert_eq!(scan(), 1, "only the new file is read");
    assert_eq!(count(), 11);

    let federation = query(
        &sb,
        &store,
        "SELECT event_name, user_type, request_parameters ->> '$.name' AS who FROM aws_cloudtrail_event WHERE event_name = 'GetFederationToken'",
    );
    assert_eq!(
        federation.as_array().expect("rows").len(),
        1,
        "{federation}"
    );
    // The session token GetFederationToken returned is in the log's responseElements, never in the store.
    let token_start = "IQoJb3JpZ2luX2VjEOH";
    for file in ["scan.db", "scan.db-wal"] {
        let bytes = std::fs::read(sb.path(file)).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(token_start),
            "{file} holds a session token"
        );
    }
}

#[test]
fn lookup_events_are_paged_paced_and_resumed_against_the_published_model() {
    let mut sb = Sandbox::new();
    let fake = cloudbuilder_testkit::CloudTrailFake::start(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/cloudtrail"
        )),
        120,
    );
    sb.set_var("AWS_ENDPOINT_URL_CLOUDTRAIL", fake.url());
    let store = sb.path("scan.db").display().to_string();
    let args = [
        "scan",
        "aws",
        "--regions",
        "us-east-1,eu-west-1",
        "--tables",
        "aws_cloudtrail_event",
        "--store",
        &store,
    ];
    run(&sb, &args).success();

    let stats = fake.stats();
    assert_eq!(
        stats["invalid"], 0,
        "every request fits the published model: {stats}"
    );
    assert_eq!(
        stats["throttled"], 0,
        "the 2/s budget keeps the scan under LookupEvents' limit: {stats}"
    );
    assert_eq!(
        stats["requests"], 6,
        "120 events are 3 pages of 50, in each of 2 regions: {stats}"
    );
    let per_region = query(
        &sb,
        &store,
        "SELECT region, count(*) AS n FROM aws_cloudtrail_event GROUP BY 1 ORDER BY 1",
    );
    assert_eq!(
        per_region,
        serde_json::json!([{"region": "eu-west-1", "n": 120}, {"region": "us-east-1", "n": 120}])
    );

    // The second scan starts at the newest event seen: one page per region, no duplicates.
    run(&sb, &args).success();
    let stats = fake.stats();
    assert_eq!(stats["requests"], 8, "{stats}");
    assert_eq!(stats["invalid"], 0, "{stats}");
    let total = query(
        &sb,
        &store,
        "SELECT count(*) AS n FROM aws_cloudtrail_event",
    );
    assert_eq!(total, serde_json::json!([{"n": 240}]));
}
