//! The scan when the cloud misbehaves, through the test kit's fault proxy in
//! front of moto (auth mode): injected 500s, 503s and connection resets,
//! sessions refused as expired mid-scan, and `kill -9` at random moments.

use crate::util::run;
use cloudbuilder_testkit::{FaultProxy, FaultProxyOptions, OrgFixture, OrgSpec, Sandbox};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

const TABLES: &str = "aws_ec2_instance,aws_ebs_volume,aws_vpc,aws_vpc_subnet,aws_vpc_security_group,aws_s3_bucket,aws_iam_role,aws_organizations_account";
const EXTERNAL_ID: &str = "acme-faults";

fn org(sb: &mut Sandbox) -> OrgFixture {
    let mut actions = cloudbuilder_aws::tables::permissions();
    actions.push("sts:GetCallerIdentity");
    sb.organization(&OrgSpec {
        role_actions: &actions,
        members: 2,
        regions: &["us-east-1", "eu-west-1"],
        instances_per_region: 2,
        external_id: EXTERNAL_ID,
        denied_members: &[],
        name_tag: "reliable",
    })
}

fn scan_args<'a>(store: &'a str, tables: &'a str) -> Vec<&'a str> {
    vec![
        "scan",
        "aws",
        "--org",
        "--external-id",
        EXTERNAL_ID,
        "--regions",
        "us-east-1,eu-west-1",
        "--tables",
        tables,
        "--store",
        store,
    ]
}

/// Every row of every table in `tables`, without the run's own columns, sorted.
fn rows(store: &Path, tables: &str) -> BTreeMap<String, Vec<String>> {
    let db = rusqlite::Connection::open(store).expect("open store");
    tables
        .split(',')
        .map(|table| {
            let mut stmt = db
                .prepare(&format!("SELECT * FROM {table}"))
                .expect("select");
            let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
            let mut all: Vec<String> = stmt
                .query_map([], |row| {
                    let mut fields = Vec::new();
                    for (i, name) in names.iter().enumerate() {
                        if !name.starts_with('_') {
                            let v: rusqlite::types::Value = row.get(i)?;
                            fields.push(format!("{name}={v:?}"));
                        }
                    }
                    Ok(fields.join("|"))
                })
                .expect("query")
                .map(|r| r.expect("row"))
                .collect();
            all.sort();
            (table.to_owned(), all)
        })
        .collect()
}

fn error_rows(store: &Path) -> i64 {
    let db = rusqlite::Connection::open(store).expect("open store");
    db.query_row("SELECT count(*) FROM cloudbuilder_scan_error", [], |r| {
        r.get(0)
    })
    .expect("count errors")
}

#[test]
fn a_tenth_of_answers_faulted_leaves_the_same_rows_as_a_clean_scan() {
    let mut sb = Sandbox::new();
    org(&mut sb);
    let clean = sb.path("clean.db");
    run(&sb, &scan_args(clean.to_str().expect("utf-8"), TABLES)).success();

    let proxy = FaultProxy::start(
        sb.moto.url(),
        &FaultProxyOptions {
            fault_rate: 0.1,
            seed: 7,
            ..Default::default()
        },
    );
    sb.set_var("AWS_ENDPOINT_URL", proxy.url());
    let faulty = sb.path("faulty.db");
    let out = run(&sb, &scan_args(faulty.to_str().expect("utf-8"), TABLES));
    let stats = proxy.stats();
    assert_eq!(
        out.code,
        Some(0),
        "{}\n{}\nproxy: {stats:#}",
        out.stdout,
        out.stderr
    );
    let faults: u64 = stats["faults"]
        .as_object()
        .expect("faults")
        .values()
        .filter_map(serde_json::Value::as_u64)
        .sum();
    let total = stats["total"].as_u64().expect("total");
    assert!(
        faults * 20 >= total,
        "about a tenth faulted: {faults} of {total}: {stats:#}"
    );
    assert_eq!(error_rows(&faulty), 0);
    assert_eq!(rows(&faulty, TABLES), rows(&clean, TABLES));
}

#[test]
fn sessions_expiring_mid_scan_are_replaced_and_no_unit_fails() {
    let mut sb = Sandbox::new();
    org(&mut sb);
    let clean = sb.path("clean.db");
    run(&sb, &scan_args(clean.to_str().expect("utf-8"), TABLES)).success();

    let proxy = FaultProxy::start(
        sb.moto.url(),
        &FaultProxyOptions {
            expire_keys_after: 8,
            ..Default::default()
        },
    );
    sb.set_var("AWS_ENDPOINT_URL", proxy.url());
    let store = sb.path("expiring.db");
    let out = run(&sb, &scan_args(store.to_str().expect("utf-8"), TABLES));
    let stats = proxy.stats();
    assert_eq!(
        out.code,
        Some(0),
        "{}\n{}\nproxy: {stats:#}",
        out.stdout,
        out.stderr
    );
    assert!(
        stats["expired"].as_u64().expect("expired") > 0,
        "sessions did expire: {stats:#}"
    );
    assert_eq!(error_rows(&store), 0);
    assert_eq!(rows(&store, TABLES), rows(&clean, TABLES));
}

/// Instance ids per (account, region) in the store.
fn instances(store: &Path) -> BTreeMap<(String, String), BTreeSet<String>> {
    let db = rusqlite::Connection::open(store).expect("open store");
    let ok: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(ok, "ok");
    let mut stmt = db
        .prepare("SELECT account_id, region, instance_id FROM aws_ec2_instance")
        .expect("select");
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for row in stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
    {
        let (account, region, id): (String, String, String) = row.expect("row");
        out.entry((account, region)).or_default().insert(id);
    }
    out
}

#[test]
fn kill_9_at_twenty_random_moments_leaves_a_sound_store_with_whole_snapshots() {
    let mut sb = Sandbox::new();
    let fixture = org(&mut sb);
    let store = sb.path("store.db");
    let path = store.to_str().expect("utf-8");
    let tables = "aws_ec2_instance,aws_ebs_volume,aws_vpc";
    run(&sb, &scan_args(path, tables)).success();
    let old = instances(&store);

    // One more instance in every member and region: the next snapshot differs from the last.
    sb.moto.disable_auth();
    for account in &fixture.members {
        let vars = sb.member_env(account, "OrganizationAccountAccessRole");
        let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for region in &fixture.regions {
            let ami = sb
                .aws_as(
                    &env,
                    &[
                        "ec2",
                        "describe-images",
                        "--owners",
                        "amazon",
                        "--region",
                        region,
                    ],
                )
                .success()
                .json()["Images"][0]["ImageId"]
                .as_str()
                .expect("ami")
                .to_owned();
            sb.aws_as(
                &env,
                &[
                    "ec2",
                    "run-instances",
                    "--region",
                    region,
                    "--image-id",
                    &ami,
                    "--instance-type",
                    "t3.micro",
                    "--count",
                    "1",
                ],
            )
            .success();
        }
    }
    sb.moto.enable_auth();

    // Slow the scan down so that kills land inside it.
    let proxy = FaultProxy::start(
        sb.moto.url(),
        &FaultProxyOptions {
            latency_ms: 30,
            ..Default::default()
        },
    );
    sb.set_var("AWS_ENDPOINT_URL", proxy.url());
    // How long a whole scan of the new state takes (into another store).
    let probe = sb.path("probe.db");
    let mut scan =
        crate::util::cloudbuilder(&sb, &scan_args(probe.to_str().expect("utf-8"), tables));
    let started = Instant::now();
    let whole = sb.run(&mut scan);
    assert_eq!(whole.code, Some(0), "{}", whole.stderr);
    let span = started.elapsed().as_millis().max(1) as u64;
    let new = instances(&probe);
    assert_ne!(old, new);

    // A tiny LCG: no randomness crate for one test; the seed is printed.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos() as u64;
    println!("kill moments seed {seed}, a whole scan takes {span} ms");
    let mut killed_inside = 0;
    for _ in 0..20 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let after = Duration::from_millis((seed >> 33) % span);
        let mut child = crate::util::cloudbuilder(&sb, &scan_args(path, tables))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start scan");
        std::thread::sleep(after);
        if child.try_wait().expect("poll").is_none() {
            killed_inside += 1;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        // Every (account, region) holds one whole snapshot: the old or the new, never a mix.
        let now = instances(&store);
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            old.keys().collect::<Vec<_>>(),
            "no scope lost"
        );
        for (scope, ids) in &now {
            assert!(
                ids == &old[scope] || ids == &new[scope],
                "{scope:?} holds a partial snapshot: {ids:?}"
            );
        }
    }
    assert!(
        killed_inside >= 10,
        "most kills landed inside a scan: {killed_inside}/20"
    );
    // And a scan left alone completes the new snapshot everywhere.
    run(&sb, &scan_args(path, tables)).success();
    assert_eq!(instances(&store), new);
}
