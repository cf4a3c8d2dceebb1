//! Helpers for the Azure tests: a private home and environment per test,
//! pointed at its own Azure contract fake, and the built binary run in it.

use cloudbuilder_testkit::{AZURE_ADMIN_CLIENT, AZURE_TENANT, AzureFake, Output};
use std::process::{Command, Stdio};

/// A test's Azure world: the fake and the environment cloudbuilder sees.
pub struct AzureWorld {
    /// The fake.
    pub fake: AzureFake,
    home: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

impl AzureWorld {
    /// A fresh fake with the example seed, and the administrator's credentials.
    pub fn new() -> AzureWorld {
        let fake = AzureFake::start();
        let home = tempfile::tempdir().expect("temporary home");
        let h = home.path().display().to_string();
        let vars = [
            ("HOME", h.clone()),
            ("USER", "tester".to_owned()),
            // No `az` here: the Azure CLI source must not be picked up.
            ("PATH", "/usr/bin:/bin".to_owned()),
            ("LANG", "C.UTF-8".to_owned()),
            ("XDG_CACHE_HOME", format!("{h}/.cache")),
            ("AZURE_AUTHORITY_HOST", fake.url().to_owned()),
            ("CLOUDBUILDER_AZURE_ARM_ENDPOINT", fake.url().to_owned()),
            ("AZURE_TENANT_ID", AZURE_TENANT.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let mut world = AzureWorld { fake, home, vars };
        world.client(AZURE_ADMIN_CLIENT);
        world
    }

    /// Authenticates later commands as `(client_id, client_secret)`.
    pub fn client(&mut self, (id, secret): (&str, &str)) {
        self.set_var("AZURE_CLIENT_ID", id);
        self.set_var("AZURE_CLIENT_SECRET", secret);
    }

    /// Sets a variable for later commands.
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.vars.retain(|(k, _)| k != name);
        self.vars.push((name.to_owned(), value.to_owned()));
    }

    /// A path in the home folder.
    pub fn path(&self, relative: &str) -> std::path::PathBuf {
        self.home.path().join(relative)
    }

    /// `cloudbuilder args…` with exactly this world's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(crate::util::BIN);
        command
            .args(args)
            .env_clear()
            .current_dir(self.home.path())
            .stdin(Stdio::null());
        for (k, v) in &self.vars {
            command.env(k, v);
        }
        command
    }

    /// Runs `cloudbuilder args…`.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("run cloudbuilder");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
