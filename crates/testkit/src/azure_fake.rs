//! The Azure contract fake (`fakes/azure/azure_fake.py`): ARM and an Entra ID
//! token endpoint on one free loopback port, checked against Microsoft's
//! published REST specs; stopped, by its own PID, when dropped. Helpers read
//! its counters and drive its control API (`/_fake/…`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The seed's tenant (`fakes/azure/example_seed.json`).
pub const AZURE_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// The seed's administrator client (an owner everywhere).
pub const AZURE_ADMIN_CLIENT: (&str, &str) =
    ("5a3e2a7c-1c1f-4a7e-9a63-0f1e2d3c4b01", "admin-secret");
/// The seed's scanner client.
pub const AZURE_SCANNER_CLIENT: (&str, &str) =
    ("5a3e2a7c-1c1f-4a7e-9a63-0f1e2d3c4b02", "scanner-secret");
/// The scanner client's object id (the Cloud Builder role's assignee).
pub const AZURE_SCANNER_OBJECT_ID: &str = "6f1d7c2e-8b5a-4e0f-9d3c-2a1b0c9d8e02";
/// The seed's first subscription (under management group `contoso-prod`).
pub const AZURE_SUBSCRIPTION_1: &str = "11111111-2222-4333-8444-555555555501";
/// The seed's second subscription (under management group `contoso`).
pub const AZURE_SUBSCRIPTION_2: &str = "11111111-2222-4333-8444-555555555502";

/// A running Azure fake.
#[derive(Debug)]
pub struct AzureFake {
    child: Child,
    url: String,
}

impl AzureFake {
    /// Starts the fake with the example seed.
    pub fn start() -> AzureFake {
        AzureFake::start_with_seed(&Self::example_seed_path())
    }

    /// The example seed file.
    pub fn example_seed_path() -> PathBuf {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fakes/azure/example_seed.json"
        ))
    }

    /// The example seed, parsed.
    pub fn example_seed() -> serde_json::Value {
        let text = std::fs::read_to_string(Self::example_seed_path()).expect("read the seed");
        serde_json::from_str(&text).expect("seed JSON")
    }

    /// Starts the fake on a free port with `seed`.
    pub fn start_with_seed(seed: &std::path::Path) -> AzureFake {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fakes/azure/azure_fake.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg("--seed")
            .arg(seed)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the Azure fake (python3 is needed)");
        let stdout = child.stdout.take().expect("fake stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("fake announces its port");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("fake said {line:?}"))
            .to_owned();
        AzureFake {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// The ARM endpoint and Entra authority host, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the fake has counted (`GET /_fake/stats`).
    pub fn stats(&self) -> serde_json::Value {
        self.get("/_fake/stats")
    }

    /// The world's counts and custom roles and assignments (`GET /_fake/state`).
    pub fn state(&self) -> serde_json::Value {
        self.get("/_fake/state")
    }

    /// Merges behaviours (`POST /_fake/behave`).
    pub fn behave(&self, behaviours: serde_json::Value) -> serde_json::Value {
        self.post("/_fake/behave", &behaviours)
    }

    /// Replaces the world (`POST /_fake/seed`).
    pub fn seed(&self, seed: &serde_json::Value) -> serde_json::Value {
        self.post("/_fake/seed", seed)
    }

    /// Adds to the world (`POST /_fake/append`).
    pub fn append(&self, data: &serde_json::Value) -> serde_json::Value {
        self.post("/_fake/append", data)
    }

    /// Clears the counters (`POST /_fake/stats/reset`).
    pub fn reset_stats(&self) {
        self.post("/_fake/stats/reset", &serde_json::json!({}));
    }

    /// Panics, listing the reasons, unless the fake counted no invalid request.
    #[track_caller]
    pub fn assert_no_invalid(&self) {
        let stats = self.stats();
        assert_eq!(
            stats["invalid"], 0,
            "the fake saw invalid requests: {:#}",
            stats["invalid_reasons"]
        );
    }

    fn get(&self, path: &str) -> serde_json::Value {
        let body = ureq::get(format!("{}{path}", self.url))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .into_body()
            .read_to_string()
            .expect("fake answer");
        serde_json::from_str(&body).expect("fake JSON")
    }

    fn post(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let answer = ureq::post(format!("{}{path}", self.url))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
            .into_body()
            .read_to_string()
            .expect("fake answer");
        serde_json::from_str(&answer).expect("fake JSON")
    }
}

/// The Python that runs the fake: the project venv's when present, else `python3`
/// (the fake needs only the standard library).
fn python() -> PathBuf {
    let venv = crate::venv_bin().join("python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

impl Drop for AzureFake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
