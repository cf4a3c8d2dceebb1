//! moto's server on a free loopback port, owned by the test that started it.

use std::fs::File;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server; stopped (by PID) when dropped.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    /// Starts `moto_server` on 127.0.0.1 on a free port, logging into `log_dir`,
    /// and waits until it answers. Panics with the log when it cannot start.
    pub fn start(log_dir: &Path) -> Moto {
        Moto::start_with(log_dir, &[])
    }

    /// Like [`Moto::start`], with extra environment for the server, e.g.
    /// `MOTO_IAM_LOAD_MANAGED_POLICIES=true` for AWS's managed policies.
    pub fn start_with(log_dir: &Path, env: &[(&str, &str)]) -> Moto {
        let server = crate::venv_bin().join("moto_server");
        assert!(
            server.exists(),
            "{} is missing: run scripts/bootstrap.sh to install the test tools",
            server.display()
        );
        // A port can be taken between our probe and moto's bind; try a few.
        let mut last_log = String::new();
        for attempt in 0..5 {
            let port = free_port();
            let log_path = log_dir.join(format!("moto-{attempt}.log"));
            let log = File::create(&log_path).expect("create moto log");
            let child = Command::new(&server)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env(
                    "MOTO_RECORDER_FILEPATH",
                    log_dir.join(format!("moto-{attempt}.recording")),
                )
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone log handle"))
                .stderr(log)
                .spawn()
                .expect("spawn moto_server");
            let mut moto = Moto {
                child,
                url: format!("http://127.0.0.1:{port}"),
            };
            if moto.wait_until_ready(Duration::from_secs(60)) {
                return moto;
            }
            last_log = std::fs::read_to_string(&log_path).unwrap_or_default();
        }
        panic!("moto_server did not start; its log:\n{last_log}");
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Turns on moto's IAM authentication and authorization from the next request on:
    /// signatures, identity policies and role trust policies are then enforced.
    pub fn enable_auth(&self) {
        ureq::post(format!("{}/moto-api/reset-auth", self.url))
            .header("Content-Type", "text/plain")
            .send("0")
            .expect("POST /moto-api/reset-auth");
    }

    /// Turns moto's authentication off again: every key is accepted.
    pub fn disable_auth(&self) {
        ureq::post(format!("{}/moto-api/reset-auth", self.url))
            .header("Content-Type", "text/plain")
            .send("inf")
            .expect("POST /moto-api/reset-auth");
    }

    /// Starts recording requests afresh (moto's recorder).
    pub fn start_recording(&self) {
        for step in ["reset-recording", "start-recording"] {
            ureq::post(format!("{}/moto-api/recorder/{step}", self.url))
                .send_empty()
                .unwrap_or_else(|e| panic!("POST /moto-api/recorder/{step}: {e}"));
        }
    }

    /// Stops recording and returns the API actions called since
    /// [`Moto::start_recording`], e.g. `iam:CreateRole`, in order.
    pub fn recorded_actions(&self) -> Vec<String> {
        use base64::Engine;
        ureq::post(format!("{}/moto-api/recorder/stop-recording", self.url))
            .send_empty()
            .expect("stop recording");
        let text = ureq::get(format!("{}/moto-api/recorder/download-recording", self.url))
            .call()
            .expect("download recording")
            .into_body()
            .read_to_string()
            .expect("recording body");
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let entry: serde_json::Value = serde_json::from_str(line).expect("recording entry");
                let header = |name: &str| {
                    entry["headers"]
                        .as_object()
                        .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
                        .and_then(|(_, v)| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                let service = header("Authorization")
                    .split("Credential=")
                    .nth(1)
                    .and_then(|c| c.split('/').nth(3))
                    .unwrap_or("?")
                    .to_owned();
                let target = header("X-Amz-Target");
                if let Some((_, op)) = target.split_once('.') {
                    return format!("{service}:{op}");
                }
                let body = entry["body"].as_str().unwrap_or_default();
                let body = if entry["body_encoded"] == true {
                    String::from_utf8_lossy(
                        &base64::engine::general_purpose::STANDARD
                            .decode(body)
                            .unwrap_or_default(),
                    )
                    .into_owned()
                } else {
                    body.to_owned()
                };
                let url = entry["url"].as_str().unwrap_or_default();
                let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
                let action = body
                    .split('&')
                    .chain(query.split('&'))
                    .find_map(|kv| kv.strip_prefix("Action="))
                    .unwrap_or("?");
                format!("{service}:{action}")
            })
            .collect()
    }

    /// Stops the server now.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_until_ready(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if ureq::get(format!("{}/moto-api/", self.url)).call().is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.stop();
        false
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a free loopback port")
}
