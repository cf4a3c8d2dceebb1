//! The fault-injection proxy (`fakes/fault_proxy.py`) in front of moto: added
//! latency, EC2-style token buckets, injected 500/503/connection resets,
//! expiring assumed-role keys, request counts per account, and record/replay
//! of answers. Started on a free loopback port and stopped, by its own PID,
//! when dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// How the proxy behaves; `Default` forwards everything untouched.
#[derive(Debug, Clone, Default)]
pub struct FaultProxyOptions {
    /// Latency added to every request, in milliseconds.
    pub latency_ms: u64,
    /// Token bucket size per (account, region) for EC2 (0: no throttling).
    pub bucket_burst: u32,
    /// Tokens added per second to each bucket (0: no throttling).
    pub bucket_refill: u32,
    /// Throttle every service but STS, per (account, region, service), not only EC2.
    pub bucket_all_services: bool,
    /// Fraction of requests (0.0 to 1.0) answered 500, 503 or with a connection reset.
    pub fault_rate: f64,
    /// Inject faults into STS requests too.
    pub fault_sts: bool,
    /// Seed of the fault choices.
    pub seed: u64,
    /// An assumed-role key is answered `ExpiredToken` after this many requests (0: never).
    pub expire_keys_after: u32,
    /// Record answers, appending them to this file (JSON lines).
    pub record: Option<PathBuf>,
    /// Serve only the answers recorded in this file, never calling the upstream.
    pub replay: Option<PathBuf>,
}

/// A running proxy.
#[derive(Debug)]
pub struct FaultProxy {
    child: Child,
    url: String,
}

impl FaultProxy {
    /// Starts the proxy in front of `upstream` (moto's URL).
    pub fn start(upstream: &str, options: &FaultProxyOptions) -> FaultProxy {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fakes/fault_proxy.py");
        let mut command = Command::new(crate::venv_bin().join("python"));
        command
            .arg(script)
            .args(["--upstream", upstream])
            .args(["--latency-ms", &options.latency_ms.to_string()])
            .args(["--bucket-burst", &options.bucket_burst.to_string()])
            .args(["--bucket-refill", &options.bucket_refill.to_string()])
            .args(["--fault-rate", &options.fault_rate.to_string()])
            .args(["--seed", &options.seed.to_string()])
            .args([
                "--expire-keys-after",
                &options.expire_keys_after.to_string(),
            ]);
        if options.bucket_all_services {
            command.arg("--bucket-all-services");
        }
        if options.fault_sts {
            command.arg("--fault-sts");
        }
        if let Some(file) = &options.record {
            command.arg("--record").arg(file);
        }
        if let Some(file) = &options.replay {
            command.arg("--replay").arg(file);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the fault proxy (run scripts/bootstrap.sh first)");
        let stdout = child.stdout.take().expect("proxy stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("proxy announces its port");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("proxy said {line:?}"));
        FaultProxy {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// The endpoint URL to give clients (`AWS_ENDPOINT_URL`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the proxy has counted: `requests[account][region][service][action]`,
    /// `total`, `throttled`, `faults` (`http_500`, `http_503`, `reset`), `expired`,
    /// `replay_misses`, `first_request_at[account]` (epoch seconds), and more.
    pub fn stats(&self) -> serde_json::Value {
        let body = ureq::get(format!("{}/_proxy/stats", self.url))
            .call()
            .expect("proxy stats")
            .into_body()
            .read_to_string()
            .expect("stats body");
        serde_json::from_str(&body).expect("stats JSON")
    }

    /// Zeroes the counters, the token buckets, the key uses and the fault sequence.
    pub fn reset(&self) {
        ureq::post(format!("{}/_proxy/reset", self.url))
            .send_empty()
            .expect("POST /_proxy/reset");
    }

    /// Changes settings while running, e.g. `{"mode": "replay", "latency_ms": 80}`
    /// (the names of the proxy's flags, with `_`); answers the settings in effect.
    pub fn configure(&self, settings: &serde_json::Value) -> serde_json::Value {
        let body = ureq::post(format!("{}/_proxy/config", self.url))
            .header("Content-Type", "application/json")
            .send(settings.to_string())
            .expect("POST /_proxy/config")
            .into_body()
            .read_to_string()
            .expect("config body");
        serde_json::from_str(&body).expect("config JSON")
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
