//! `scan azure` against the Azure contract fake: every page of every table is
//! stored, a denied subscription is an error row and exit 2, and the
//! Activity Log and costs resume from their cursors.

use crate::azure_util::AzureWorld;
use cloudbuilder_testkit::{AZURE_SUBSCRIPTION_1, AZURE_SUBSCRIPTION_2};
use serde_json::json;

const ROOT: &str = "/providers/Microsoft.Management/managementGroups/contoso";

fn scan(world: &AzureWorld, scope: &str) -> cloudbuilder_testkit::Output {
    world.run(&["scan", "azure", "--scope", scope, "--store", "store.db"])
}

fn count(world: &AzureWorld, sql: &str) -> i64 {
    let db = rusqlite::Connection::open(world.path("store.db")).expect("open the store");
    db.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn a_management_group_scan_stores_every_page_of_every_table() {
    let world = AzureWorld::new();
    world
        .fake
        .behave(json!({"page_size": {"Resources": 4, "ActivityLogs_List": 5, "Query_Usage": 6}}));
    let out = scan(&world, ROOT);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);

    let state = world.fake.state();
    assert_eq!(
        count(&world, "SELECT count(*) FROM azure_resource"),
        state["resources"].as_i64().expect("n")
    );
    assert_eq!(count(&world, "SELECT count(*) FROM azure_subscription"), 2);
    assert_eq!(
        count(&world, "SELECT count(*) FROM azure_management_group"),
        2,
        "contoso and contoso-prod"
    );
    assert_eq!(
        count(&world, "SELECT count(*) FROM azure_resource_group"),
        state["resource_groups"].as_i64().expect("n")
    );
    assert!(count(&world, "SELECT count(*) FROM azure_compute_virtual_machine") >= 1);
    assert_eq!(
        count(
            &world,
            "SELECT count(*) FROM azure_storage_account WHERE name = 'contosoweblogs' AND https_only = 1"
        ),
        1
    );
    assert_eq!(
        count(&world, "SELECT count(*) FROM azure_activity_log"),
        state["events"].as_i64().expect("n")
    );
    assert!(
        count(&world, "SELECT count(*) FROM azure_cost_by_service_daily") > 6,
        "several cost pages"
    );
    assert_eq!(
        count(
            &world,
            "SELECT count(DISTINCT subscription_id) FROM azure_activity_log"
        ),
        2
    );
    assert_eq!(
        count(
            &world,
            &format!("SELECT count(*) FROM azure_resource WHERE scan_root = '{ROOT}'")
        ),
        state["resources"].as_i64().expect("n")
    );

    let stats = world.fake.stats();
    assert!(
        stats["by_operation"]["Resources"].as_i64().expect("n") > 6,
        "Resource Graph paged: {stats:#}"
    );
    assert!(
        stats["by_operation"]["ActivityLogs_List"]
            .as_i64()
            .expect("n")
            > 2,
        "nextLinks followed"
    );
    world.fake.assert_no_invalid();
}

#[test]
fn a_denied_subscription_is_an_error_row_and_exit_2() {
    let world = AzureWorld::new();
    world
        .fake
        .behave(json!({"deny": [{"subscription": AZURE_SUBSCRIPTION_2}]}));
    let out = scan(&world, ROOT);
    assert_eq!(out.code, Some(2), "partial\n{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        count(
            &world,
            &format!(
                "SELECT count(*) FROM cloudbuilder_scan_error WHERE account_id = '{AZURE_SUBSCRIPTION_2}' AND kind = 'denied' AND error_code = 'AuthorizationFailed'"
            )
        ),
        2,
        "activity log and cost of the denied subscription"
    );
    assert_eq!(
        count(&world, "SELECT count(*) FROM cloudbuilder_scan_error"),
        2
    );
    assert!(
        count(
            &world,
            &format!(
                "SELECT count(*) FROM azure_activity_log WHERE subscription_id = '{AZURE_SUBSCRIPTION_1}'"
            )
        ) > 0
    );
    assert_eq!(
        count(
            &world,
            &format!(
                "SELECT count(*) FROM azure_resource WHERE subscription_id = '{AZURE_SUBSCRIPTION_2}'"
            )
        ),
        0
    );
    world.fake.assert_no_invalid();
}

#[test]
fn a_second_scan_reads_only_new_events_and_open_cost_days() {
    let world = AzureWorld::new();
    let scope = format!("/subscriptions/{AZURE_SUBSCRIPTION_1}");
    assert_eq!(scan(&world, &scope).code, Some(0));
    let before = count(&world, "SELECT count(*) FROM azure_activity_log");
    let newest: String = {
        let db = rusqlite::Connection::open(world.path("store.db")).expect("store");
        db.query_row(
            "SELECT cursor FROM cloudbuilder_cursor WHERE table_name = 'azure_activity_log'",
            [],
            |r| r.get(0),
        )
        .expect("an activity log cursor")
    };
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .replace_nanosecond(0)
        .expect("whole second")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    world.fake.append(&json!({"subscriptions": [{"id": AZURE_SUBSCRIPTION_1, "activity_log": [{
        "eventTimestamp": stamp, "operationName": "Microsoft.Storage/storageAccounts/write",
        "resourceId": format!("/subscriptions/{AZURE_SUBSCRIPTION_1}/resourceGroups/rg-web"),
        "caller": "new@contoso.com", "status": "Succeeded", "level": "Informational",
        "correlationId": "0a0b0c0d-1111-4222-8333-444455556666", "eventDataId": "0a0b0c0d-1111-4222-8333-777788889999"}]}]}));
    world.fake.reset_stats();
    assert_eq!(scan(&world, &scope).code, Some(0));
    assert_eq!(
        count(&world, "SELECT count(*) FROM azure_activity_log"),
        before + 1
    );
    assert_eq!(
        count(
            &world,
            "SELECT count(*) FROM azure_activity_log WHERE caller = 'new@contoso.com'"
        ),
        1
    );

    let stats = world.fake.stats();
    let last = stats["last"].as_array().expect("last requests");
    let filter = last
        .iter()
        .rev()
        .find(|r| r["operation"] == "ActivityLogs_List")
        .and_then(|r| r["query"]["$filter"].as_str())
        .expect("an activity log request");
    assert!(
        filter.starts_with(&format!("eventTimestamp ge '{newest}'")),
        "{filter} should start at {newest}"
    );
    let cost = last
        .iter()
        .rev()
        .find(|r| r["operation"] == "Query_Usage")
        .expect("a cost request");
    let from = cost["body"]["timePeriod"]["from"].as_str().expect("from");
    let closed = (now.date() - time::Duration::days(3)).to_string();
    assert!(
        from > closed.as_str(),
        "closed days are not asked again: from {from}, closed up to {closed}"
    );
    world.fake.assert_no_invalid();
}

#[test]
fn throttled_resource_graph_and_cost_calls_are_retried_after_retry_after() {
    let world = AzureWorld::new();
    world.fake.behave(json!({"throttle": [
        {"operation": "Resources", "count": 2, "retry_after": 1},
        {"operation": "Query_Usage", "count": 1, "retry_after": 1},
    ]}));
    let out = scan(&world, &format!("/subscriptions/{AZURE_SUBSCRIPTION_1}"));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let stats = world.fake.stats();
    assert_eq!(stats["throttled"], 3, "{stats:#}");
    assert!(count(&world, "SELECT count(*) FROM azure_cost_by_service_daily") > 0);
    assert_eq!(
        count(&world, "SELECT count(*) FROM cloudbuilder_scan_error"),
        0
    );
    world.fake.assert_no_invalid();
}

#[test]
fn a_resource_group_scan_reads_only_that_group() {
    let world = AzureWorld::new();
    let scope = format!("/subscriptions/{AZURE_SUBSCRIPTION_1}/resourceGroups/rg-web");
    let out = scan(&world, &scope);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(
        count(&world, "SELECT count(*) FROM azure_resource") >= 2,
        "web-vm-1 and contosoweblogs"
    );
    assert_eq!(
        count(
            &world,
            "SELECT count(*) FROM azure_resource WHERE resource_group <> 'rg-web'"
        ),
        0,
        "nothing outside rg-web"
    );
    assert_eq!(
        count(&world, "SELECT count(*) FROM azure_resource_group"),
        1
    );
    assert_eq!(
        count(
            &world,
            "SELECT count(*) FROM azure_storage_account WHERE name = 'contosoweblogs'"
        ),
        1
    );

    let stats = world.fake.stats();
    let last = stats["last"].as_array().expect("last requests");
    let filter = last
        .iter()
        .find(|r| r["operation"] == "ActivityLogs_List")
        .and_then(|r| r["query"]["$filter"].as_str())
        .expect("an activity log request");
    assert!(
        filter.ends_with("and resourceGroupName eq 'rg-web'"),
        "{filter}"
    );
    let cost = last
        .iter()
        .find(|r| r["operation"] == "Query_Usage")
        .and_then(|r| r["path"].as_str())
        .expect("a cost request");
    assert!(
        cost.to_ascii_lowercase()
            .contains("/resourcegroups/rg-web/providers/microsoft.costmanagement/query"),
        "{cost}"
    );
    world.fake.assert_no_invalid();

    let missing = world.run(&[
        "scan",
        "azure",
        "--scope",
        &format!("/subscriptions/{AZURE_SUBSCRIPTION_1}/resourceGroups/rg-nowhere"),
        "--store",
        "other.db",
    ]);
    assert_ne!(missing.code, Some(0));
    assert!(
        missing.stderr.contains("rg-nowhere does not exist"),
        "{}",
        missing.stderr
    );
}
