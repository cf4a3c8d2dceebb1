//! `creds azure [exec]` against the Azure contract fake: the token it prints
//! works against ARM, exec hands it to a command (and not the client secret),
//! and neither the token nor the secret reaches standard error.

use crate::azure_util::AzureWorld;
use crate::util::assert_one_line_failure;
use cloudbuilder_testkit::{AZURE_SCANNER_CLIENT, AZURE_SUBSCRIPTION_1};

/// Lists subscriptions with `token` straight against the fake, as any tool would.
fn list_subscriptions(world: &AzureWorld, token: &str) -> serde_json::Value {
    let body = ureq::get(format!(
        "{}/subscriptions?api-version=2022-12-01",
        world.fake.url()
    ))
    .header("Authorization", &format!("Bearer {token}"))
    .call()
    .expect("the token is accepted")
    .into_body()
    .read_to_string()
    .expect("body");
    serde_json::from_str(&body).expect("JSON")
}

#[test]
fn the_printed_token_works_against_arm() {
    let mut world = AzureWorld::new();
    world.client(AZURE_SCANNER_CLIENT);
    let out = world.run(&["creds", "azure", "--format", "json"]).success();
    let json = out.json();
    let token = json["accessToken"].as_str().expect("accessToken");
    assert_eq!(json["tokenType"], "Bearer");
    assert!(json["expires_on"].as_i64().is_some());
    let subs = list_subscriptions(&world, token);
    let ids: Vec<&str> = subs["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|s| s["subscriptionId"].as_str())
        .collect();
    assert!(ids.contains(&AZURE_SUBSCRIPTION_1), "{subs:#}");

    let env = world.run(&["creds", "azure"]).success();
    let line = env.stdout.lines().next().unwrap_or_default();
    let token = line
        .strip_prefix("export AZURE_ACCESS_TOKEN='")
        .and_then(|t| t.strip_suffix('\''))
        .expect("an export line");
    list_subscriptions(&world, token);
    assert!(env.stdout.contains("export AZURE_ACCESS_TOKEN_EXPIRES_ON="));
    assert_eq!(world.fake.stats()["tokens_issued"], 2);
    world.fake.assert_no_invalid();
}

#[test]
fn exec_hands_the_token_not_the_secret_and_keeps_the_exit_code() {
    let mut world = AzureWorld::new();
    world.client(AZURE_SCANNER_CLIENT);
    let out = world.run(&[
        "-vvv", "creds", "azure", "exec", "--",
        "sh", "-c", "printf %s \"$AZURE_ACCESS_TOKEN\" > token; printf %s \"${AZURE_CLIENT_SECRET-unset}\" > secret; exit 7",
    ]);
    assert_eq!(out.code, Some(7), "the command's exit code\n{}", out.stderr);
    let token = std::fs::read_to_string(world.path("token")).expect("token written");
    assert!(token.len() > 20);
    assert_eq!(
        std::fs::read_to_string(world.path("secret")).expect("secret file"),
        "unset"
    );
    list_subscriptions(&world, &token);
    assert!(
        !out.stderr.contains(&token),
        "the token reached the log:\n{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains(AZURE_SCANNER_CLIENT.1),
        "the secret reached the log"
    );
    world.fake.assert_no_invalid();
}

#[test]
fn a_wrong_secret_is_one_line_without_the_secret() {
    let mut world = AzureWorld::new();
    world.client((AZURE_SCANNER_CLIENT.0, "not-the-secret-xyz"));
    let out = world.run(&["creds", "azure"]);
    assert_one_line_failure(&out, 1, &["AADSTS7000215"]);
    assert!(!out.stderr.contains("not-the-secret-xyz"));

    let out = world.run(&["creds", "azure", "--scope", "management"]);
    assert_one_line_failure(&out, 64, &["--scope", "/.default"]);
}

/// A Kubernetes-style federated token for the scanner client (the fake checks
/// that `iss` and `sub` are the client id; it does not check the signature).
const FEDERATED_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiI1YTNlMmE3Yy0xYzFmLTRhN2UtOWE2My0wZjFlMmQzYzRiMDIiLCJzdWIiOiI1YTNlMmE3Yy0xYzFmLTRhN2UtOWE2My0wZjFlMmQzYzRiMDIiLCJhdWQiOiJhcGk6Ly9BenVyZUFEVG9rZW5FeGNoYW5nZSJ9.c2lnbmF0dXJl";

#[test]
fn workload_identity_federation_gets_a_token_from_the_token_file() {
    let mut world = AzureWorld::new();
    world.client(AZURE_SCANNER_CLIENT);
    world.set_var("AZURE_CLIENT_SECRET", "");
    let file = world.path("federated-token");
    std::fs::write(&file, FEDERATED_TOKEN).expect("token file");
    world.set_var("AZURE_FEDERATED_TOKEN_FILE", &file.display().to_string());
    let out = world.run(&["creds", "azure", "--format", "json"]).success();
    let token = out.json()["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    list_subscriptions(&world, &token);
    world.fake.assert_no_invalid();
}

/// The throw-away test certificate (`crates/testkit/certs/README.md`).
const CERTIFICATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testkit/certs/scanner-certificate.pfx"
);
const CERTIFICATE_PASSWORD: &str = "fixture-password";

/// The claims of a JWT, decoded.
fn claims(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[test]
fn a_client_certificate_gets_a_token_by_signed_assertion() {
    let mut world = AzureWorld::new();
    world.client((AZURE_SCANNER_CLIENT.0, ""));
    world.set_var("AZURE_CLIENT_CERTIFICATE_PATH", CERTIFICATE);
    world.set_var("AZURE_CLIENT_CERTIFICATE_PASSWORD", CERTIFICATE_PASSWORD);
    let out = world.run(&["-vvv", "creds", "azure", "--format", "json"]);
    let out = out.success();
    let token = out.json()["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    list_subscriptions(&world, &token);
    let claims = claims(&token);
    assert_eq!(claims["appid"], AZURE_SCANNER_CLIENT.0);
    assert_eq!(
        claims["appidacr"], "2",
        "authenticated by certificate, not by secret: {claims:#}"
    );
    assert!(!out.stderr.contains(CERTIFICATE_PASSWORD));
    world.fake.assert_no_invalid();
}

#[test]
fn a_wrong_certificate_password_or_a_pem_file_is_one_clear_line() {
    let mut world = AzureWorld::new();
    world.client((AZURE_SCANNER_CLIENT.0, ""));
    world.set_var("AZURE_CLIENT_CERTIFICATE_PATH", CERTIFICATE);
    world.set_var("AZURE_CLIENT_CERTIFICATE_PASSWORD", "not-the-password-xyz");
    let out = world.run(&["creds", "azure"]);
    assert_one_line_failure(&out, 1, &["AZURE_CLIENT_CERTIFICATE_PATH", "PKCS12"]);
    assert!(!out.stderr.contains("not-the-password-xyz"));

    let pem = world.path("scanner.pem");
    std::fs::write(
        &pem,
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .expect("pem");
    world.set_var("AZURE_CLIENT_CERTIFICATE_PATH", &pem.display().to_string());
    let out = world.run(&["creds", "azure"]);
    assert_one_line_failure(&out, 1, &["is PEM", "openssl pkcs12 -export"]);
    assert_eq!(world.fake.stats()["tokens_issued"], 0);
}
