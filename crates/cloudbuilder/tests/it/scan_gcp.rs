//! `scan gcp` against the GCP contract fake: an organization of nested
//! folders and projects is stored page by page with exact counts, a folder
//! scope finds its nested folders' projects, a denied project is an error row
//! and exit 2, audit logs and costs resume from their cursors, quota 429s are
//! retried without losing a row, and bad input exits 64.

use cloudbuilder_testkit::{GCP_ADMIN_TOKEN, GcpFake, Output};
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const ORG: &str = "organizations/123456789012";
const BILLING: &str = "billing-admin.billing_export.gcp_billing_export_v1_0A0A0A_0B0B0B_0C0C0C";
/// Instances, buckets and topics the fake generates in each project.
const INSTANCES_PER_PROJECT: i64 = 3;
const BUCKETS_PER_PROJECT: i64 = 2;
const TOPICS_PER_PROJECT: i64 = 1;
/// Audit entries the fake generates in each project.
const ENTRIES_PER_PROJECT: i64 = 5;

/// A test's GCP world: a fake serving an organization of nested folders, and a home folder.
struct GcpWorld {
    fake: GcpFake,
    home: tempfile::TempDir,
    now: OffsetDateTime,
}

fn stamp(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .expect("whole second")
        .format(&Rfc3339)
        .expect("time")
}

fn day(t: OffsetDateTime, days_ago: i64) -> String {
    (t.date() - time::Duration::days(days_ago)).to_string()
}

impl GcpWorld {
    /// The organization: prod (1001) > team-a (1002) > team-a-svc (1003), and dev (2001);
    /// projects alpha-prod (in 1002), alpha-svc (in 1003), beta-dev (in 2001) and
    /// billing-admin (under the organization). Audit entries and costs are recent.
    fn new() -> GcpWorld {
        let home = tempfile::tempdir().expect("home");
        let now = OffsetDateTime::now_utc();
        let seed = json!({
            "organization": {"id": "123456789012", "displayName": "example.com", "directoryCustomerId": "C0example"},
            "folders": [
                {"id": "1001", "displayName": "prod", "parent": ORG},
                {"id": "1002", "displayName": "team-a", "parent": "folders/1001"},
                {"id": "1003", "displayName": "team-a-svc", "parent": "folders/1002"},
                {"id": "2001", "displayName": "dev", "parent": ORG},
            ],
            "projects": [
                {"projectId": "alpha-prod", "number": "111111111111", "parent": "folders/1002", "labels": {"env": "prod"}},
                {"projectId": "alpha-svc", "number": "111111111112", "parent": "folders/1003"},
                {"projectId": "beta-dev", "number": "222222222222", "parent": "folders/2001"},
                {"projectId": "billing-admin", "number": "333333333333", "parent": ORG},
            ],
            "service_accounts": [
                {"email": "cloud-builder@billing-admin.iam.gserviceaccount.com", "displayName": "Cloud Builder scanner"},
                {"email": "web@alpha-prod.iam.gserviceaccount.com", "displayName": "web"},
            ],
            "resources": [
                {"project": "alpha-prod", "assetType": "compute.googleapis.com/Instance",
                 "name": "//compute.googleapis.com/projects/alpha-prod/zones/us-central1-a/instances/web-1",
                 "displayName": "web-1", "location": "us-central1-a", "state": "RUNNING", "labels": {"app": "web"},
                 "createTime": "2026-01-10T08:00:00Z", "updateTime": "2026-10-01T08:00:00Z",
                 "additionalAttributes": {"machineType": "e2-standard-4", "id": "4242424242424242"}},
                {"project": "alpha-prod", "assetType": "storage.googleapis.com/Bucket",
                 "name": "//storage.googleapis.com/alpha-prod-logs", "location": "us", "labels": {"team": "a"},
                 "createTime": "2026-01-11T08:00:00Z", "updateTime": "2026-01-11T08:00:00Z",
                 "additionalAttributes": {"storageClass": "COLDLINE"}},
            ],
            "generate": {
                "resources_per_project": {
                    "compute.googleapis.com/Instance": INSTANCES_PER_PROJECT,
                    "storage.googleapis.com/Bucket": BUCKETS_PER_PROJECT,
                    "pubsub.googleapis.com/Topic": TOPICS_PER_PROJECT,
                },
                "audit_entries_per_project": ENTRIES_PER_PROJECT,
                "audit_start": stamp(now - time::Duration::days(2)),
                "audit_interval_seconds": 3600,
            },
            "log_entries": [
                {"logName": format!("{ORG}/logs/cloudaudit.googleapis.com%2Factivity"),
                 "timestamp": stamp(now - time::Duration::days(1)), "insertId": "org-0001",
                 "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                                  "serviceName": "cloudresourcemanager.googleapis.com", "methodName": "SetIamPolicy",
                                  "resourceName": ORG, "authenticationInfo": {"principalEmail": "admin@example.com"}}},
                {"logName": "folders/1002/logs/cloudaudit.googleapis.com%2Factivity",
                 "timestamp": stamp(now - time::Duration::days(1)), "insertId": "folder-0001",
                 "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                                  "serviceName": "cloudresourcemanager.googleapis.com", "methodName": "CreateProject",
                                  "resourceName": "folders/1002", "authenticationInfo": {"principalEmail": "admin@example.com"}}},
                {"logName": "projects/alpha-prod/logs/cloudaudit.googleapis.com%2Factivity",
                 "timestamp": stamp(now - time::Duration::days(45)), "insertId": "too-old",
                 "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                                  "serviceName": "compute.googleapis.com", "methodName": "v1.compute.instances.delete",
                                  "resourceName": "projects/alpha-prod/zones/us-central1-a/instances/old",
                                  "authenticationInfo": {"principalEmail": "admin@example.com"}}},
                {"logName": "projects/alpha-prod/logs/app", "timestamp": stamp(now - time::Duration::hours(3)),
                 "insertId": "not-audit", "textPayload": "an application log line"},
            ],
            "policies": {ORG: {"bindings": [{"role": "roles/owner", "members": ["user:admin@example.com"]}]}},
            "tokens": {GCP_ADMIN_TOKEN: "user:admin@example.com"},
            "billing_export": {
                "table": BILLING,
                "location": "US",
                "rows": (0..7).flat_map(|ago| [
                    json!({"usage_date": day(now, ago), "service": "Compute Engine", "project_id": "alpha-prod",
                           "cost": 10.0 + ago as f64, "currency": "USD"}),
                    json!({"usage_date": day(now, ago), "service": "Cloud Storage", "project_id": "beta-dev",
                           "cost": 0.5, "currency": "USD"}),
                ]).collect::<Vec<_>>(),
            },
        });
        let seed_path = home.path().join("seed.json");
        std::fs::write(&seed_path, seed.to_string()).expect("write the seed");
        let fake = GcpFake::start_with_seed(seed_path.to_str().expect("utf-8 path"));
        GcpWorld { fake, home, now }
    }

    fn run(&self, args: &[&str]) -> Output {
        let h = self.home.path().display().to_string();
        let out = Command::new(crate::util::BIN)
            .args(args)
            .env_clear()
            .current_dir(self.home.path())
            .stdin(Stdio::null())
            .env("HOME", &h)
            .env("PATH", "/usr/bin:/bin")
            .env("XDG_CACHE_HOME", format!("{h}/.cache"))
            .env("CLOUDBUILDER_GCP_ENDPOINT", self.fake.url())
            .env("CLOUDBUILDER_GCP_ACCESS_TOKEN", GCP_ADMIN_TOKEN)
            .output()
            .expect("run cloudbuilder");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `scan gcp --scope SCOPE --store store.db --rate-scale 10 EXTRA…` (the budgets
    /// scaled up so that paging many small pages does not take a minute).
    fn scan(&self, scope: &str, extra: &[&str]) -> Output {
        let mut args = vec![
            "scan",
            "gcp",
            "--scope",
            scope,
            "--store",
            "store.db",
            "--rate-scale",
            "10",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.home.path().join("store.db")).expect("open the store")
    }

    fn count(&self, sql: &str) -> i64 {
        self.db()
            .query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    fn strings(&self, sql: &str) -> Vec<String> {
        let db = self.db();
        let mut stmt = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    }

    fn cursor(&self, table: &str, account: &str) -> String {
        self.db()
            .query_row(
                "SELECT cursor FROM cloudbuilder_cursor WHERE table_name = ?1 AND account_id = ?2",
                [table, account],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("no cursor for {table} {account}: {e}"))
    }

    /// The requests the fake recorded for `method` (a glob).
    fn requests(&self, method: &str) -> Vec<Value> {
        self.fake.stats(Some(method))["recent"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

#[track_caller]
fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.code,
        Some(code),
        "exit code\nstdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
}

const PROJECTS: i64 = 4;
const SERVICE_ACCOUNTS: i64 = 2;

#[test]
fn scan_gcp_an_organization_stores_every_page_of_every_table() {
    let world = GcpWorld::new();
    world.fake.behave(json!({"page_size": {"*": 2}}));
    let out = world.scan(ORG, &["--billing-export-table", BILLING]);
    assert_code(&out, 0);

    assert_eq!(
        world.strings("SELECT name FROM gcp_organization"),
        [ORG],
        "the organization"
    );
    assert_eq!(
        world.strings("SELECT name || ' < ' || parent FROM gcp_folder ORDER BY name"),
        [
            "folders/1001 < organizations/123456789012",
            "folders/1002 < folders/1001",
            "folders/1003 < folders/1002",
            "folders/2001 < organizations/123456789012",
        ]
    );
    assert_eq!(
        world.strings("SELECT project_id || ' ' || project_number || ' < ' || parent FROM gcp_project ORDER BY project_id"),
        [
            "alpha-prod 111111111111 < folders/1002",
            "alpha-svc 111111111112 < folders/1003",
            "beta-dev 222222222222 < folders/2001",
            "billing-admin 333333333333 < organizations/123456789012",
        ]
    );
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_project WHERE labels ->> '$.env' = 'prod'"),
        1
    );

    let instances = PROJECTS * INSTANCES_PER_PROJECT + 1;
    let buckets = PROJECTS * BUCKETS_PER_PROJECT + 1;
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_compute_instance"),
        instances
    );
    assert_eq!(
        world.strings(
            "SELECT name || ' ' || zone || ' ' || status || ' ' || machine_type || ' ' || project
             FROM gcp_compute_instance WHERE labels ->> '$.app' = 'web'"
        ),
        ["web-1 us-central1-a RUNNING e2-standard-4 projects/111111111111"]
    );
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_storage_bucket"),
        buckets
    );
    assert_eq!(
        world
            .strings("SELECT storage_class FROM gcp_storage_bucket WHERE name = 'alpha-prod-logs'"),
        ["COLDLINE"]
    );
    assert_eq!(
        world.strings("SELECT email FROM gcp_service_account ORDER BY email"),
        [
            "cloud-builder@billing-admin.iam.gserviceaccount.com",
            "web@alpha-prod.iam.gserviceaccount.com"
        ]
    );
    // Everything Asset Inventory holds: the organization, 4 folders, the
    // projects and every resource in them.
    let everything =
        1 + 4 + PROJECTS + instances + buckets + PROJECTS * TOPICS_PER_PROJECT + SERVICE_ACCOUNTS;
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_cloudasset_resource"),
        everything
    );
    assert_eq!(
        world.count(&format!(
            "SELECT count(*) FROM gcp_cloudasset_resource WHERE scan_root = '{ORG}'"
        )),
        everything
    );
    assert_eq!(
        world.count(
            "SELECT count(*) FROM gcp_cloudasset_resource WHERE asset_type = 'pubsub.googleapis.com/Topic'
             AND organization = 'organizations/123456789012'"
        ),
        PROJECTS
    );
    assert_eq!(
        world.strings(
            "SELECT folders FROM gcp_cloudasset_resource WHERE asset_type = 'pubsub.googleapis.com/Topic'
             AND name LIKE '%/projects/alpha-svc/%'"
        ),
        [r#"["folders/1003","folders/1002","folders/1001"]"#],
        "the folders above a project three levels down"
    );

    // Audit logs: every project's entries, the organization's and the
    // folder's own; not the application log, not the entry older than the first window.
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_audit_log"),
        PROJECTS * ENTRIES_PER_PROJECT + 2
    );
    assert_eq!(
        world.strings("SELECT project_id FROM gcp_audit_log WHERE insert_id IN ('org-0001', 'folder-0001') ORDER BY 1"),
        ["folders/1002", ORG]
    );
    assert_eq!(
        world.count(
            "SELECT count(*) FROM gcp_audit_log WHERE insert_id IN ('too-old', 'not-audit')"
        ),
        0
    );
    assert_eq!(
        world.count(
            "SELECT count(*) FROM gcp_audit_log WHERE project_id = 'alpha-svc'
             AND method_name = 'v1.compute.instances.insert' AND principal_email = 'admin@example.com'"
        ),
        ENTRIES_PER_PROJECT
    );
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_billing_cost_daily"),
        14
    );
    assert_eq!(
        world.count("SELECT count(*) FROM cloudbuilder_scan_error"),
        0
    );

    // Pages of two were followed to the end.
    let stats = world.fake.stats(None);
    let calls = |m: &str| stats["by_method"][m].as_i64().unwrap_or(0);
    assert!(
        calls("cloudasset.searchAllResources") > everything / 2,
        "{stats:#}"
    );
    // Pages of 2: 3 for each project's 5 entries, 1 for each of the 5 folders and organization.
    assert!(
        calls("logging.entries.list") >= PROJECTS * 3 + 5,
        "{stats:#}"
    );
    assert!(calls("bigquery.jobs.getQueryResults") >= 6, "{stats:#}");
    world.fake.assert_no_invalid();
}

#[test]
fn scan_gcp_a_folder_finds_the_projects_of_its_nested_folders() {
    let world = GcpWorld::new();
    world.fake.behave(json!({"page_size": {"*": 3}}));
    let out = world.scan(
        "folders/1001",
        &[
            "--tables",
            "gcp_folder,gcp_project,gcp_compute_instance,gcp_audit_log",
        ],
    );
    assert_code(&out, 0);
    assert_eq!(
        world.strings("SELECT project_id FROM gcp_project ORDER BY 1"),
        ["alpha-prod", "alpha-svc"]
    );
    assert_eq!(
        world.strings("SELECT name FROM gcp_folder ORDER BY 1"),
        ["folders/1001", "folders/1002", "folders/1003"]
    );
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_compute_instance"),
        2 * INSTANCES_PER_PROJECT + 1
    );
    assert_eq!(
        world.strings("SELECT DISTINCT project_id FROM gcp_audit_log ORDER BY 1"),
        ["alpha-prod", "alpha-svc", "folders/1002"]
    );
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_audit_log"),
        2 * ENTRIES_PER_PROJECT + 1
    );
    assert_eq!(
        world.count("SELECT count(*) FROM sqlite_master WHERE name = 'gcp_billing_cost_daily'"),
        0
    );
    world.fake.assert_no_invalid();
}

#[test]
fn scan_gcp_a_denied_project_is_an_error_row_and_exit_2() {
    let world = GcpWorld::new();
    world.fake.behave(json!({"deny": ["projects/beta-dev"]}));
    let out = world.scan(ORG, &[]);
    assert_code(&out, 2);
    assert!(
        out.stderr.contains("gcp_audit_log beta-dev"),
        "{}",
        out.stderr
    );
    assert_eq!(
        world.strings("SELECT table_name || ' ' || account_id || ' ' || kind || ' ' || error_code FROM cloudbuilder_scan_error"),
        ["gcp_audit_log beta-dev denied PERMISSION_DENIED"]
    );
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_audit_log"),
        (PROJECTS - 1) * ENTRIES_PER_PROJECT + 2,
        "the other projects' entries are stored"
    );
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_audit_log WHERE project_id = 'beta-dev'"),
        0
    );
    assert_eq!(world.count("SELECT count(*) FROM gcp_project"), PROJECTS);
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_compute_instance"),
        PROJECTS * INSTANCES_PER_PROJECT + 1
    );
    world.fake.assert_no_invalid();
}

#[test]
fn scan_gcp_a_second_audit_log_scan_asks_only_for_newer_entries() {
    let world = GcpWorld::new();
    let tables = ["--tables", "gcp_audit_log"];
    assert_code(&world.scan(ORG, &tables), 0);
    let first_bounds: Vec<Value> = world
        .requests("logging.entries.list")
        .iter()
        .map(|r| r["derived"]["timestamp_lower_bounds"].clone())
        .collect();
    let window = stamp(world.now - time::Duration::days(30));
    assert!(
        first_bounds
            .iter()
            .all(|b| b[0].as_str().is_some_and(|b| b.contains(&window[..10]))),
        "the first scan reads the last 30 days: {first_bounds:?}"
    );
    let before = world.count("SELECT count(*) FROM gcp_audit_log");
    let newest = world.cursor("gcp_audit_log", "alpha-prod");
    let newest_stored: String = world.strings(
        "SELECT timestamp FROM gcp_audit_log WHERE project_id = 'alpha-prod' ORDER BY timestamp DESC LIMIT 1",
    )[0]
    .clone();
    assert_eq!(
        OffsetDateTime::parse(&newest, &Rfc3339).ok(),
        OffsetDateTime::parse(&newest_stored, &Rfc3339).ok(),
        "the cursor is the newest entry's time"
    );

    let later = stamp(world.now - time::Duration::minutes(5));
    world.fake.append(json!({"log_entries": [
        {"logName": "projects/alpha-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
         "timestamp": later, "insertId": "new-0001",
         "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                          "serviceName": "storage.googleapis.com", "methodName": "storage.buckets.get",
                          "resourceName": "projects/_/buckets/alpha-prod-logs",
                          "authenticationInfo": {"principalEmail": "new@example.com"}}}]}));
    world.fake.reset_stats();
    assert_code(&world.scan(ORG, &tables), 0);

    let requests = world.requests("logging.entries.list");
    let alpha = requests
        .iter()
        .find(|r| r["body"]["resourceNames"][0] == "projects/alpha-prod")
        .expect("alpha-prod's audit logs were read");
    let bound = alpha["derived"]["timestamp_lower_bounds"][0]
        .as_str()
        .expect("a lower bound")
        .to_owned();
    assert!(
        bound.ends_with(&newest) && bound.starts_with(">="),
        "the second scan starts at the newest entry it has: {bound} vs {newest}"
    );
    // Every target that had entries starts at its own newest one, not at the 30-day window.
    let with_entries = [
        "projects/alpha-prod",
        "projects/alpha-svc",
        "projects/beta-dev",
        "projects/billing-admin",
        "folders/1002",
        ORG,
    ];
    for name in with_entries {
        let request = requests
            .iter()
            .find(|r| r["body"]["resourceNames"][0] == name)
            .unwrap_or_else(|| panic!("{name}'s audit logs were read"));
        let bound = request["derived"]["timestamp_lower_bounds"][0]
            .as_str()
            .unwrap_or_default();
        assert!(
            !bound.contains(&window[..10]),
            "{name} reads its 30-day window again: {bound}"
        );
    }
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_audit_log"),
        before + 1
    );
    assert_eq!(
        world.strings(
            "SELECT log_name FROM gcp_audit_log WHERE principal_email = 'new@example.com'"
        ),
        ["projects/alpha-prod/logs/cloudaudit.googleapis.com%2Fdata_access"]
    );
    assert!(
        world
            .cursor("gcp_audit_log", "alpha-prod")
            .starts_with(&later[..19])
    );
    world.fake.assert_no_invalid();
}

#[test]
fn scan_gcp_billing_second_scan_does_not_query_closed_days() {
    let world = GcpWorld::new();
    world
        .fake
        .behave(json!({"page_size": {"bigquery.jobs.query": 4}, "bq_incomplete": 1}));
    let args = [
        "--tables",
        "gcp_billing_cost_daily",
        "--billing-export-table",
        BILLING,
    ];
    assert_code(&world.scan(ORG, &args), 0);
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_billing_cost_daily"),
        14
    );
    assert_eq!(
        world.count(
            "SELECT count(*) FROM gcp_billing_cost_daily WHERE service = 'Compute Engine' AND project = 'alpha-prod' AND cost >= 10 AND currency = 'USD'"
        ),
        7
    );
    let first = world.requests("bigquery.jobs.query");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["derived"]["date_from"], day(world.now, 30));
    assert_eq!(first[0]["body"]["useLegacySql"], false);
    assert!(
        world.requests("bigquery.jobs.getQueryResults").len() >= 4,
        "jobComplete: false, then pages of 4"
    );
    let closed = day(world.now, 3);
    assert_eq!(world.cursor("gcp_billing_cost_daily", ORG), closed);

    world.fake.append(json!({"billing_rows": [
        {"usage_date": day(world.now, 0), "service": "BigQuery", "project_id": "billing-admin", "cost": 0.01, "currency": "USD"},
        {"usage_date": day(world.now, 5), "service": "BigQuery", "project_id": "billing-admin", "cost": 9.99, "currency": "USD"},
    ]}));
    world.fake.reset_stats();
    assert_code(&world.scan(ORG, &args), 0);
    let second = world.requests("bigquery.jobs.query");
    assert_eq!(second.len(), 1);
    assert_eq!(
        second[0]["derived"]["date_from"],
        day(world.now, 2),
        "closed days (up to {closed}) are not queried again"
    );
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_billing_cost_daily"),
        15,
        "today's new row; the late row of a closed day is not read"
    );
    assert_eq!(
        world.count(&format!(
            "SELECT count(*) FROM gcp_billing_cost_daily WHERE usage_date <= '{closed}'"
        )),
        8,
        "the closed days' rows are kept"
    );
    world.fake.assert_no_invalid();
}

#[test]
fn scan_gcp_quota_429s_are_retried_and_nothing_is_lost() {
    let world = GcpWorld::new();
    world.fake.behave(json!({
        "page_size": {"cloudasset.searchAllResources": 4},
        "quota": {"cloudasset.searchAllResources": {"limit": 5, "window_seconds": 2}},
    }));
    let out = world.scan(
        ORG,
        &["--tables", "gcp_cloudasset_resource,gcp_compute_instance"],
    );
    assert_code(&out, 0);
    let stats = world.fake.stats(None);
    assert!(
        stats["quota_exceeded"].as_i64().unwrap_or(0) > 0,
        "the quota was hit: {stats:#}"
    );
    let instances = PROJECTS * INSTANCES_PER_PROJECT + 1;
    let buckets = PROJECTS * BUCKETS_PER_PROJECT + 1;
    let everything =
        1 + 4 + PROJECTS + instances + buckets + PROJECTS * TOPICS_PER_PROJECT + SERVICE_ACCOUNTS;
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_cloudasset_resource"),
        everything
    );
    assert_eq!(
        world.count("SELECT count(*) FROM gcp_compute_instance"),
        instances
    );
    assert_eq!(
        world.count("SELECT count(*) FROM cloudbuilder_scan_error"),
        0
    );
    world.fake.assert_no_invalid();
}

#[test]
fn scan_gcp_bad_input_exits_64_naming_the_field() {
    let world = GcpWorld::new();
    for (args, field) in [
        (vec!["--scope", "org/12"], "--scope"),
        (vec!["--scope", "organizations/abc"], "--scope"),
        (
            vec![
                "--scope",
                ORG,
                "--billing-export-table",
                "billing-admin.export",
            ],
            "--billing-export-table",
        ),
        (
            vec!["--scope", ORG, "--billing-export-table", "Bad_Project.ds.t"],
            "--billing-export-table",
        ),
        (
            vec!["--scope", ORG, "--tables", "gcp_billing_cost_daily"],
            "--billing-export-table",
        ),
        (vec!["--scope", ORG, "--tables", "gcp_nope"], "--tables"),
        (vec!["--scope", ORG, "--rate-scale", "0"], "--rate-scale"),
        (
            vec!["--scope", ORG, "--impersonate", "cloud-builder"],
            "--impersonate",
        ),
    ] {
        let mut full = vec!["scan", "gcp", "--store", "store.db"];
        full.extend(args.iter().copied());
        let out = world.run(&full);
        crate::util::assert_one_line_failure(&out, 64, &[field]);
    }
    assert_eq!(world.fake.stats(None)["requests"], 0, "nothing was called");
}

#[test]
fn scan_gcp_tables_lists_the_gcp_tables() {
    let world = GcpWorld::new();
    let out = world.run(&["tables", "--cloud", "gcp", "--format", "json"]);
    assert_code(&out, 0);
    let tables: Value = serde_json::from_str(&out.stdout).expect("json");
    let names: Vec<&str> = tables
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "gcp_organization",
            "gcp_folder",
            "gcp_project",
            "gcp_cloudasset_resource",
            "gcp_compute_instance",
            "gcp_storage_bucket",
            "gcp_service_account",
            "gcp_audit_log",
            "gcp_billing_cost_daily",
        ]
    );
    let all = world.run(&["tables"]);
    assert_code(&all, 0);
    for name in ["aws_ec2_instance", "gcp_audit_log", "azure_resource"] {
        assert!(all.stdout.contains(name), "{name} is listed");
    }
}
