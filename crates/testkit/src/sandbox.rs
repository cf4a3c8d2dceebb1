//! A test's own world: a home folder, an emulator, and commands that see only
//! the environment the test gives them (never the developer's AWS settings).

use crate::Moto;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a finished command did.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Panics, showing both streams, unless the command exited 0.
    #[track_caller]
    pub fn success(self) -> Output {
        assert_eq!(
            self.code,
            Some(0),
            "command failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Standard output parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// The scanner identity and role a test assumes: an IAM user with real keys,
/// allowed to call sts:AssumeRole, and a role that trusts exactly that user.
#[derive(Debug, Clone)]
pub struct ScannerFixture {
    /// The user's ARN.
    pub user_arn: String,
    /// The user's access key id.
    pub access_key_id: String,
    /// The user's secret access key.
    pub secret_access_key: String,
    /// The role's ARN.
    pub role_arn: String,
}

/// A test's home folder and emulator.
#[derive(Debug)]
pub struct Sandbox {
    home: tempfile::TempDir,
    /// The emulator this sandbox's commands talk to.
    pub moto: Moto,
    vars: Vec<(String, String)>,
}

/// The account moto puts everything in.
pub const ACCOUNT: &str = "123456789012";

impl Sandbox {
    /// A fresh home folder and a fresh moto server.
    pub fn new() -> Sandbox {
        Sandbox::with_moto_env(&[])
    }

    /// A fresh home folder and a moto server started with `env`.
    pub fn with_moto_env(env: &[(&str, &str)]) -> Sandbox {
        let home = tempfile::tempdir().expect("temporary home");
        let moto = Moto::start_with(home.path(), env);
        let h = home.path().display().to_string();
        let path = format!(
            "{}:{}",
            crate::venv_bin().display(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_owned())
        );
        let vars = [
            ("HOME", h.clone()),
            ("USER", "tester".to_owned()),
            ("PATH", path),
            ("LANG", "C.UTF-8".to_owned()),
            ("XDG_CACHE_HOME", format!("{h}/.cache")),
            ("AWS_CONFIG_FILE", format!("{h}/.aws/config")),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                format!("{h}/.aws/credentials"),
            ),
            ("AWS_ENDPOINT_URL", moto.url().to_owned()),
            ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            // Setup runs before auth is on, when moto accepts any key.
            ("AWS_ACCESS_KEY_ID", "AKIASETUPEXAMPLE0000".to_owned()),
            (
                "AWS_SECRET_ACCESS_KEY",
                "setup-secret-not-used-after-auth".to_owned(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Sandbox { home, moto, vars }
    }

    /// The home folder.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// A path inside the home folder.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.home.path().join(relative)
    }

    /// Sets a variable for every later command.
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.remove_var(name);
        self.vars.push((name.to_owned(), value.to_owned()));
    }

    /// Removes a variable for every later command.
    pub fn remove_var(&mut self, name: &str) {
        self.vars.retain(|(k, _)| k != name);
    }

    /// The value a variable has for commands.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A command with exactly this sandbox's environment, run in its home.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .current_dir(self.home.path())
            .stdin(Stdio::null());
        for (k, v) in &self.vars {
            command.env(k, v);
        }
        command
    }

    /// Runs a command and collects what it did.
    pub fn run(&self, command: &mut Command) -> Output {
        let out = command.output().expect("run command");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs the real aws CLI (from the project's venv) with `args`.
    pub fn aws(&self, args: &[&str]) -> Output {
        self.aws_as(&[], args)
    }

    /// Runs the aws CLI with some variables overridden (e.g. another account's keys).
    pub fn aws_as(&self, vars: &[(&str, &str)], args: &[&str]) -> Output {
        let mut command = self.command(crate::venv_bin().join("aws"));
        command.args(args);
        for (k, v) in vars {
            command.env(k, v);
        }
        self.run(&mut command)
    }

    /// Creates the scanner user and the `CloudBuilder` role that trusts it (with
    /// an `sts:ExternalId` condition when `external_id` is given; the role may
    /// itself call sts:AssumeRole, for role-chaining tests), then turns
    /// on moto's authentication and makes the scanner's keys the ones in effect.
    pub fn scanner(&mut self, external_id: Option<&str>) -> ScannerFixture {
        let (user_arn, access_key_id, secret_access_key) =
            self.create_scanner_user(&["sts:AssumeRole", "sts:GetCallerIdentity"]);
        let trust = trust_policy(&user_arn, external_id);
        let role = self
            .aws(&[
                "iam",
                "create-role",
                "--role-name",
                "CloudBuilder",
                "--assume-role-policy-document",
                &trust,
            ])
            .success()
            .json();
        let role_arn = role["Role"]["Arn"].as_str().expect("role arn").to_owned();
        self.aws(&[
            "iam",
            "put-role-policy",
            "--role-name",
            "CloudBuilder",
            "--policy-name",
            "read",
            "--policy-document",
            &allow_policy(&["sts:GetCallerIdentity", "sts:AssumeRole", "ec2:Describe*"]),
        ])
        .success();
        self.moto.enable_auth();
        self.set_var("AWS_ACCESS_KEY_ID", &access_key_id);
        self.set_var("AWS_SECRET_ACCESS_KEY", &secret_access_key);
        ScannerFixture {
            user_arn,
            access_key_id,
            secret_access_key,
            role_arn,
        }
    }
}

impl Sandbox {
    /// The IAM user `scanner` (see [`Sandbox::create_user`]).
    pub(crate) fn create_scanner_user(&self, actions: &[&str]) -> (String, String, String) {
        self.create_user("scanner", actions)
    }

    /// Creates the IAM user `name` with an access key and an inline policy
    /// allowing `actions`; returns its ARN, key id and secret.
    pub fn create_user(&self, name: &str, actions: &[&str]) -> (String, String, String) {
        let text = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
        let user = self
            .aws(&["iam", "create-user", "--user-name", name])
            .success()
            .json();
        let key = self
            .aws(&["iam", "create-access-key", "--user-name", name])
            .success()
            .json();
        self.aws(&[
            "iam",
            "put-user-policy",
            "--user-name",
            name,
            "--policy-name",
            name,
            "--policy-document",
            &allow_policy(actions),
        ])
        .success();
        (
            text(&user["User"]["Arn"]),
            text(&key["AccessKey"]["AccessKeyId"]),
            text(&key["AccessKey"]["SecretAccessKey"]),
        )
    }
}

/// An identity policy allowing `actions` on every resource.
pub(crate) fn allow_policy(actions: &[&str]) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]
    })
    .to_string()
}

/// A trust policy letting `principal` assume the role, with an
/// `sts:ExternalId` condition when `external_id` is given.
pub(crate) fn trust_policy(principal: &str, external_id: Option<&str>) -> String {
    let mut statement = serde_json::json!({
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    });
    if let Some(id) = external_id {
        statement["Condition"] = serde_json::json!({"StringEquals": {"sts:ExternalId": id}});
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}
