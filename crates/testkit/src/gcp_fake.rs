//! The GCP contract fake (`fakes/gcp/fake.py`): one server for every Google
//! API cloudbuilder calls, checked against Google's discovery documents,
//! started on a free loopback port and stopped, by its own PID, when dropped.
//! Helpers drive its control API (`/_fake/…`).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running fake.
#[derive(Debug)]
pub struct GcpFake {
    child: Child,
    url: String,
}

/// The admin token the example seed knows (`user:admin@example.com`, owner of the organization).
pub const GCP_ADMIN_TOKEN: &str = "admin-token";

impl GcpFake {
    /// A fake serving the example seed (`fakes/gcp/example_seed.json`).
    pub fn start() -> GcpFake {
        GcpFake::start_with_seed(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fakes/gcp/example_seed.json"
        ))
    }

    /// A fake serving the seed in `seed_path`.
    pub fn start_with_seed(seed_path: &str) -> GcpFake {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fakes/gcp/fake.py");
        let venv_python = crate::venv_bin().join("python");
        // The fake needs only the standard library: any python3 will do.
        let python = if venv_python.exists() {
            venv_python.into_os_string()
        } else {
            "python3".into()
        };
        let mut child = Command::new(python)
            .arg(script)
            .arg("--seed")
            .arg(seed_path)
            .arg("--port")
            .arg("0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the GCP fake");
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
        GcpFake {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// The base URL of every API.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn get(&self, path: &str) -> Value {
        let body = ureq::get(format!("{}{path}", self.url))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .into_body()
            .read_to_string()
            .expect("fake body");
        serde_json::from_str(&body).expect("fake JSON")
    }

    fn post(&self, path: &str, body: &Value) -> Value {
        let text = ureq::post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
            .into_body()
            .read_to_string()
            .expect("fake body");
        serde_json::from_str(&text).expect("fake JSON")
    }

    /// Counters and recent requests (`/_fake/stats`), optionally of one method (a glob).
    pub fn stats(&self, method: Option<&str>) -> Value {
        match method {
            Some(m) => self.get(&format!("/_fake/stats?method={m}")),
            None => self.get("/_fake/stats"),
        }
    }

    /// The fake's world: policies, roles, tokens…
    pub fn state(&self) -> Value {
        self.get("/_fake/state")
    }

    /// Merges behaviours (`/_fake/behave`).
    pub fn behave(&self, behaviours: Value) -> Value {
        self.post("/_fake/behave", &behaviours)
    }

    /// Appends resources, log entries, billing rows or service accounts.
    pub fn append(&self, items: Value) -> Value {
        self.post("/_fake/append", &items)
    }

    /// Mints a token for `principal` (e.g. `user:a@example.com`).
    pub fn token(&self, principal: &str, lifetime_seconds: u64) -> String {
        let answer = self.post(
            "/_fake/token",
            &serde_json::json!({"principal": principal, "lifetime_seconds": lifetime_seconds}),
        );
        answer["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Clears the counters and recent requests.
    pub fn reset_stats(&self) {
        self.post("/_fake/reset", &serde_json::json!({"stats": true}));
    }

    /// Panics with the reasons when the fake counted an invalid request.
    #[track_caller]
    pub fn assert_no_invalid(&self) {
        let stats = self.stats(None);
        assert_eq!(
            stats["invalid"], 0,
            "the fake counted invalid requests: {:#}",
            stats["invalid_reasons"]
        );
    }
}

impl Drop for GcpFake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
