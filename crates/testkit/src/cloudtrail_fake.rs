//! The LookupEvents contract fake (`fakes/cloudtrail_lookup_events.py`): a
//! server checked against botocore's published CloudTrail model, started on a
//! free loopback port and stopped, by its own PID, when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running fake.
#[derive(Debug)]
pub struct CloudTrailFake {
    child: Child,
    url: String,
}

impl CloudTrailFake {
    /// Serves `count` events made from the records in `records_dir`.
    pub fn start(records_dir: &Path, count: usize) -> CloudTrailFake {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fakes/cloudtrail_lookup_events.py"
        );
        let mut child = Command::new(crate::venv_bin().join("python"))
            .arg(script)
            .arg(records_dir)
            .arg(count.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the CloudTrail fake (run scripts/bootstrap.sh first)");
        let stdout = child.stdout.take().expect("fake stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("fake announces its port");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("fake said {line:?}"));
        CloudTrailFake {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// The endpoint URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the fake has counted: requests, throttled, invalid (and why).
    pub fn stats(&self) -> serde_json::Value {
        let body = ureq::get(format!("{}/_fake/stats", self.url))
            .call()
            .expect("fake stats")
            .into_body()
            .read_to_string()
            .expect("stats body");
        serde_json::from_str(&body).expect("stats JSON")
    }
}

impl Drop for CloudTrailFake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
