//! `scan aws` across an organization in moto's auth mode, and `query` on the result.

use crate::util::{assert_one_line_failure, run};
use cloudbuilder_testkit::{OrgFixture, OrgSpec, Sandbox};
use std::collections::BTreeMap;

const NAME: &str = "wéb-1 🚀 ünïcödé";

fn org(sb: &mut Sandbox, denied: &[usize]) -> OrgFixture {
    sb.organization(&OrgSpec {
        members: 3,
        regions: &["us-east-1", "eu-west-1"],
        instances_per_region: 2,
        external_id: "acme-42",
        denied_members: denied,
        name_tag: NAME,
    })
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
    let out = run(
        &sb,
        &[
            "scan",
            "aws",
            "--org",
            "--external-id",
            "acme-42",
            "--regions",
            "us-east-1,eu-west-1",
            "--store",
            &store,
        ],
    );
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
    let run_row = query(&sb, &store, "SELECT status, errors FROM cloudbuilder_run");
    assert_eq!(
        run_row,
        serde_json::json!([{"status": "complete", "errors": 0}])
    );

    // A second scan replaces the first rather than adding to it.
    run(
        &sb,
        &[
            "scan",
            "aws",
            "--org",
            "--external-id",
            "acme-42",
            "--regions",
            "us-east-1,eu-west-1",
            "--store",
            &store,
        ],
    )
    .success();
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
    let out = run(
        &sb,
        &[
            "scan",
            "aws",
            "--org",
            "--external-id",
            "acme-42",
            "--regions",
            "us-east-1,eu-west-1",
            "--tables",
            "aws_ec2_instance,aws_vpc",
            "--store",
            &store,
        ],
    );
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
