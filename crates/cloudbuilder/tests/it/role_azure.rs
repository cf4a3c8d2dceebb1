//! `role plan|apply|verify|destroy --cloud azure` against the Azure contract
//! fake: each scope level, idempotence, bad input, PrincipalNotFound retries,
//! RoleAssignmentExists, drift and removal.

use crate::azure_util::AzureWorld;
use crate::util::assert_one_line_failure;
use cloudbuilder_testkit::{AZURE_SCANNER_OBJECT_ID as SCANNER, AZURE_SUBSCRIPTION_1, AzureFake};
use serde_json::{Value, json};

fn sub_scope() -> String {
    format!("/subscriptions/{AZURE_SUBSCRIPTION_1}")
}

fn role(world: &AzureWorld, verb: &str, scope: &str, name: &str) -> cloudbuilder_testkit::Output {
    world.run(&[
        "role",
        verb,
        "--cloud",
        "azure",
        "--scope",
        scope,
        "--role-name",
        name,
        "--assignee",
        SCANNER,
        "--format",
        "json",
    ])
}

/// The (item, result) pairs of a role command's JSON output.
fn results(out: &cloudbuilder_testkit::Output) -> Vec<(String, String)> {
    out.json()
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["item"].as_str().unwrap_or_default().to_owned(),
                r["result"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Replaces the fake's world with the example seed plus `role_definitions` and `role_assignments`.
fn reseed(fake: &AzureFake, role_definitions: Value, role_assignments: Value) {
    let mut seed = AzureFake::example_seed();
    seed["role_definitions"] = role_definitions;
    seed["role_assignments"] = role_assignments;
    fake.seed(&seed);
}

#[test]
fn plan_writes_the_az_role_file_and_script_and_calls_nothing() {
    let world = AzureWorld::new();
    let scope = format!("{}/resourceGroups/rg-web", sub_scope());
    let out = world
        .run(&[
            "role",
            "plan",
            "--cloud",
            "azure",
            "--scope",
            &scope,
            "--assignee",
            SCANNER,
            "--out",
            "plan",
        ])
        .success();
    assert!(out.stdout.contains("nothing was changed"), "{}", out.stdout);

    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(world.path("plan/cloud-builder-role.json")).expect("role file"),
    )
    .expect("role JSON");
    let keys: Vec<&str> = doc
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "Name",
            "IsCustom",
            "Description",
            "Actions",
            "NotActions",
            "DataActions",
            "NotDataActions",
            "AssignableScopes"
        ]
    );
    assert_eq!(doc["Name"], "CloudBuilder");
    assert_eq!(doc["AssignableScopes"], json!([scope]));
    assert_eq!(doc["DataActions"], json!([]));
    let actions: Vec<&str> = doc["Actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for wanted in [
        "Microsoft.ResourceGraph/resources/read",
        "Microsoft.Insights/eventtypes/values/read",
        "Microsoft.CostManagement/query/read",
        "Microsoft.Resources/subscriptions/read",
    ] {
        assert!(
            actions.contains(&wanted),
            "{wanted} missing from {actions:?}"
        );
    }
    assert!(
        actions
            .iter()
            .all(|a| a.ends_with("/read") && !a.to_lowercase().contains("listkeys")),
        "{actions:?}"
    );

    let script = std::fs::read_to_string(world.path("plan/apply.sh")).expect("apply.sh");
    assert!(
        script.contains("az role definition create --role-definition @cloud-builder-role.json")
    );
    assert!(
        script.contains(&format!("--assignee-object-id \"{SCANNER}\"")),
        "{script}"
    );
    assert!(script.contains("--assignee-principal-type ServicePrincipal"));
    assert!(script.contains(&format!("--scope '{scope}'")));
    assert_eq!(
        world.fake.stats()["requests"],
        0,
        "plan must not call Azure"
    );
}

#[test]
fn apply_is_idempotent_at_each_scope_level_and_verify_agrees() {
    let world = AzureWorld::new();
    let scopes = [
        (
            "CloudBuilder-mg",
            "/providers/Microsoft.Management/managementGroups/contoso-prod".to_owned(),
        ),
        ("CloudBuilder-sub", sub_scope()),
        (
            "CloudBuilder-rg",
            format!("{}/resourceGroups/rg-web", sub_scope()),
        ),
    ];
    for (name, scope) in &scopes {
        let first = role(&world, "apply", scope, name).success();
        assert_eq!(
            results(&first),
            pairs(&[
                ("role definition", "created"),
                ("role assignment", "created")
            ]),
            "{scope}: {}",
            first.stdout
        );
        let second = role(&world, "apply", scope, name).success();
        assert_eq!(
            results(&second),
            pairs(&[
                ("role definition", "unchanged"),
                ("role assignment", "unchanged")
            ]),
            "{scope}: {}",
            second.stdout
        );
        let verify = role(&world, "verify", scope, name).success();
        assert_eq!(
            results(&verify),
            pairs(&[("role definition", "ok"), ("role assignment", "ok")])
        );
    }
    let state = world.fake.state();
    let definitions = state["role_definitions"].as_array().expect("definitions");
    assert_eq!(definitions.len(), 3);
    for (name, scope) in &scopes {
        let rd = definitions
            .iter()
            .find(|d| d["roleName"] == *name)
            .expect("definition made");
        assert_eq!(rd["assignableScopes"], json!([scope]));
        assert_eq!(rd["permissions"][0]["dataActions"], json!([]));
    }
    let assignments = state["role_assignments"].as_array().expect("assignments");
    assert_eq!(assignments.len(), 3);
    assert!(assignments.iter().all(|a| a["principalId"] == SCANNER));
    world.fake.assert_no_invalid();
}

#[test]
fn bad_scope_or_assignee_is_one_line_naming_the_field_and_exit_64() {
    let world = AzureWorld::new();
    let out = world.run(&[
        "role",
        "apply",
        "--cloud",
        "azure",
        "--scope",
        "/subscriptions/not-a-guid",
        "--assignee",
        SCANNER,
    ]);
    assert_one_line_failure(&out, 64, &["--scope", "not-a-guid", "GUID"]);

    let out = world.run(&[
        "role",
        "plan",
        "--cloud",
        "azure",
        "--scope",
        &sub_scope(),
        "--assignee",
        "scanner-app",
    ]);
    assert_one_line_failure(&out, 64, &["--assignee", "scanner-app", "not a GUID"]);

    let out = world.run(&["role", "apply", "--cloud", "azure", "--scope", &sub_scope()]);
    assert_one_line_failure(&out, 64, &["--assignee", "required"]);

    let out = world.run(&["role", "verify", "--cloud", "azure", "--assignee", SCANNER]);
    assert_one_line_failure(&out, 64, &["--scope", "required"]);
    assert_eq!(world.fake.stats()["requests"], 0);
}

#[test]
fn principal_not_found_is_retried_until_the_principal_replicates() {
    let world = AzureWorld::new();
    world.fake.behave(json!({"principal_not_found": 2}));
    let out = role(&world, "apply", &sub_scope(), "CloudBuilder").success();
    assert_eq!(
        results(&out),
        pairs(&[
            ("role definition", "created"),
            ("role assignment", "created")
        ])
    );
    assert!(
        out.stdout.contains("after 2 PrincipalNotFound retries"),
        "{}",
        out.stdout
    );
    let stats = world.fake.stats();
    assert_eq!(stats["principal_not_found"], 2);
    assert_eq!(stats["by_operation"]["RoleAssignments_Create"], 3);
    assert_eq!(
        world.fake.state()["role_assignments"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    world.fake.assert_no_invalid();
}

#[test]
fn an_existing_assignment_under_another_name_counts_as_done() {
    let world = AzureWorld::new();
    role(&world, "apply", &sub_scope(), "CloudBuilder").success();
    // The same grant, made by someone else under another assignment name.
    let state = world.fake.state();
    let mut assignments = state["role_assignments"].clone();
    assignments[0]["name"] = json!("0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d");
    reseed(&world.fake, state["role_definitions"].clone(), assignments);

    let out = role(&world, "apply", &sub_scope(), "CloudBuilder").success();
    assert_eq!(
        results(&out),
        pairs(&[
            ("role definition", "unchanged"),
            ("role assignment", "unchanged")
        ])
    );
    assert!(
        out.stdout.contains("under another assignment name"),
        "{}",
        out.stdout
    );
    assert_eq!(
        world.fake.stats()["conflicts"],
        1,
        "the PUT met RoleAssignmentExists"
    );
    let verify = role(&world, "verify", &sub_scope(), "CloudBuilder").success();
    assert!(
        verify
            .stdout
            .contains("0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"),
        "{}",
        verify.stdout
    );
    world.fake.assert_no_invalid();
}

#[test]
fn verify_reports_drift_made_behind_its_back() {
    let world = AzureWorld::new();
    role(&world, "apply", &sub_scope(), "CloudBuilder").success();
    let state = world.fake.state();
    let mut definitions = state["role_definitions"].clone();
    let actions = definitions[0]["permissions"][0]["actions"]
        .as_array_mut()
        .expect("actions");
    actions.retain(|a| a != "Microsoft.CostManagement/query/read");
    actions.push(json!("Microsoft.Compute/virtualMachines/write"));
    // The assignment is gone too.
    reseed(&world.fake, definitions, json!([]));

    let out = role(&world, "verify", &sub_scope(), "CloudBuilder");
    assert_eq!(
        out.code,
        Some(1),
        "drift exits 1\n{}\n{}",
        out.stdout,
        out.stderr
    );
    assert_eq!(
        results(&out),
        pairs(&[("role definition", "drift"), ("role assignment", "missing")])
    );
    assert!(
        out.stdout
            .contains("extra actions: Microsoft.Compute/virtualMachines/write"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("missing actions: Microsoft.CostManagement/query/read"),
        "{}",
        out.stdout
    );

    // apply repairs it, and verify agrees again.
    let fixed = role(&world, "apply", &sub_scope(), "CloudBuilder").success();
    assert_eq!(
        results(&fixed),
        pairs(&[
            ("role definition", "updated"),
            ("role assignment", "created")
        ])
    );
    role(&world, "verify", &sub_scope(), "CloudBuilder").success();
    world.fake.assert_no_invalid();
}

#[test]
fn destroy_removes_the_assignment_and_the_definition() {
    let world = AzureWorld::new();
    let scope = "/providers/Microsoft.Management/managementGroups/contoso";
    role(&world, "apply", scope, "CloudBuilder").success();
    let out = role(&world, "destroy", scope, "CloudBuilder").success();
    assert_eq!(
        results(&out),
        pairs(&[
            ("role assignment", "deleted"),
            ("role definition", "deleted")
        ])
    );
    let state = world.fake.state();
    assert_eq!(state["role_definitions"], json!([]));
    assert_eq!(state["role_assignments"], json!([]));
    let again = role(&world, "destroy", scope, "CloudBuilder").success();
    assert_eq!(
        results(&again),
        pairs(&[("role assignment", "absent"), ("role definition", "absent")])
    );
    let verify = role(&world, "verify", scope, "CloudBuilder");
    assert_eq!(verify.code, Some(1));
    world.fake.assert_no_invalid();
}
