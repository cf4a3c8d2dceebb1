//! Writes one profile's temporary credentials into the AWS shared credentials
//! file (`~/.aws/credentials`), leaving every other profile, key and comment as
//! it was. The file is replaced atomically and is mode 0600.
//!
//! Reading profiles is the AWS SDK's job; this is the writing half, which no
//! SDK offers. It edits lines rather than re-serialising a parsed file, because
//! re-serialising would drop the comments and layout the user keeps there.

use crate::cache::replace_file;
use crate::{Error, TemporaryCredentials};
use secrecy::ExposeSecret;
use std::fs;
use std::path::{Path, PathBuf};
use time::format_description::well_known::Rfc3339;

/// The keys this editor owns inside a profile; any other key is left alone.
const MANAGED_KEYS: [&str; 5] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "x_security_token_expires",
];

/// Whether the profile was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The profile did not exist and was appended.
    Created,
    /// The profile existed and its credential keys were replaced.
    Updated,
}

/// The AWS shared credentials file.
#[derive(Debug, Clone)]
pub struct SharedCredentialsFile {
    path: PathBuf,
}

impl SharedCredentialsFile {
    /// Finds the file as the AWS CLI does: `AWS_SHARED_CREDENTIALS_FILE`, else
    /// `~/.aws/credentials`. `var` reads the environment; `home` is the home folder.
    pub fn locate(
        var: impl Fn(&str) -> Option<String>,
        home: Option<PathBuf>,
    ) -> Result<Self, Error> {
        if let Some(path) = var("AWS_SHARED_CREDENTIALS_FILE").filter(|p| !p.is_empty()) {
            let path = match path.strip_prefix("~/") {
                Some(rest) => home.ok_or(Error::NoCredentialsFile)?.join(rest),
                None => PathBuf::from(path),
            };
            return Ok(Self::at(path));
        }
        Ok(Self::at(
            home.ok_or(Error::NoCredentialsFile)?
                .join(".aws")
                .join("credentials"),
        ))
    }

    /// The file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        SharedCredentialsFile { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks that `name` can be written as a section header and read back.
    pub fn validate_name(name: &str) -> Result<(), Error> {
        validate_profile_name(name)
    }

    /// Writes `creds` as profile `name`.
    pub fn write_profile(
        &self,
        name: &str,
        creds: &TemporaryCredentials,
    ) -> Result<WriteOutcome, Error> {
        validate_profile_name(name)?;
        // Write through a symlink to its target, as editors do, rather than replacing the link.
        let target = fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        let old = match fs::read_to_string(&target) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io("cannot read", &target, e)),
        };
        let expires = creds
            .expiration
            .to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_default();
        let values = [
            ("aws_access_key_id", creds.access_key_id.as_str()),
            (
                "aws_secret_access_key",
                creds.secret_access_key.expose_secret(),
            ),
            ("aws_session_token", creds.session_token.expose_secret()),
            ("x_security_token_expires", expires.as_str()),
        ];
        let (new, outcome) = upsert_profile(&old, name, &values);
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        replace_file(dir, ".credentials", &target, new.as_bytes())?;
        Ok(outcome)
    }
}

fn validate_profile_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(['#', ';'])
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '[' || c == ']');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "--name",
            format!(
                "'{name}' is not a usable profile name; use 1-128 characters without spaces or brackets, not starting with # or ;"
            ),
        ))
    }
}

fn create_private_dir(dir: &Path) -> Result<(), Error> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Error::io("cannot create", dir, e))
}

/// The section name a line opens, if it is a section header.
fn section_name(line: &str) -> Option<&str> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?;
    let end = inner.find(']')?;
    Some(inner[..end].trim())
}

/// The key a `key = value` line sets, if it is one (not a comment or continuation).
fn line_key(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t']) {
        return None;
    }
    let t = line.trim();
    if t.starts_with(['#', ';']) {
        return None;
    }
    Some(t.split_once('=')?.0.trim())
}

/// Returns `text` with profile `name` holding `values`, and whether it was new.
fn upsert_profile(text: &str, name: &str, values: &[(&str, &str)]) -> (String, WriteOutcome) {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| section_name(l) == Some(name)) else {
        let mut out = text.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if !out.trim().is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("[{name}]\n"));
        for (k, v) in values {
            out.push_str(&format!("{k} = {v}\n"));
        }
        return (out, WriteOutcome::Created);
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| section_name(l).is_some())
        .map_or(lines.len(), |i| start + 1 + i);

    let mut body: Vec<String> = Vec::new();
    let mut written: Vec<&str> = Vec::new();
    let mut skipping_continuation = false;
    for line in &lines[start + 1..end] {
        if skipping_continuation && line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            continue;
        }
        skipping_continuation = false;
        match line_key(line) {
            Some(key) if MANAGED_KEYS.contains(&key) => {
                skipping_continuation = true;
                if let Some((k, v)) = values.iter().find(|(k, _)| *k == key)
                    && !written.contains(k)
                {
                    body.push(format!("{k} = {v}"));
                    written.push(k);
                }
            }
            _ => body.push((*line).to_owned()),
        }
    }
    // Keys the profile lacked go after its last non-blank line.
    let insert_at = body
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(0, |i| i + 1);
    let missing: Vec<String> = values
        .iter()
        .filter(|(k, _)| !written.contains(k))
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    body.splice(insert_at..insert_at, missing);

    let mut out: Vec<String> = lines[..=start].iter().map(|l| (*l).to_owned()).collect();
    out.extend(body);
    out.extend(lines[end..].iter().map(|l| (*l).to_owned()));
    let mut text = out.join("\n");
    text.push('\n');
    (text, WriteOutcome::Updated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::tests::{SECRET, TOKEN, sample};

    const VALUES: [(&str, &str); 3] = [
        ("aws_access_key_id", "NEW"),
        ("aws_secret_access_key", "S"),
        ("aws_session_token", "T"),
    ];

    #[test]
    fn appends_a_new_profile_after_the_others() {
        let (out, outcome) =
            upsert_profile("# mine\n[default]\naws_access_key_id = A\n", "ci", &VALUES);
        assert_eq!(outcome, WriteOutcome::Created);
        assert_eq!(
            out,
            "# mine\n[default]\naws_access_key_id = A\n\n[ci]\naws_access_key_id = NEW\naws_secret_access_key = S\naws_session_token = T\n"
        );
        let (out, _) = upsert_profile("", "ci", &VALUES);
        assert!(out.starts_with("[ci]\n"), "{out}");
    }

    #[test]
    fn updates_in_place_keeping_other_keys_comments_and_profiles() {
        let before = "\
[default]
aws_access_key_id = A
# a comment in ci
[ci]
region = eu-west-1
aws_access_key_id = OLD
aws_security_token = LEGACY
; another comment

[prod]
aws_access_key_id = P
";
        let (out, outcome) = upsert_profile(before, "ci", &VALUES);
        assert_eq!(outcome, WriteOutcome::Updated);
        assert_eq!(
            out,
            "\
[default]
aws_access_key_id = A
# a comment in ci
[ci]
region = eu-west-1
aws_access_key_id = NEW
; another comment
aws_secret_access_key = S
aws_session_token = T

[prod]
aws_access_key_id = P
"
        );
    }

    #[test]
    fn drops_continuation_lines_of_replaced_keys_only() {
        let before =
            "[ci]\naws_session_token =\n  part1\n  part2\ns3 =\n  max_concurrent_requests = 4\n";
        let (out, _) = upsert_profile(before, "ci", &VALUES);
        assert_eq!(
            out,
            "[ci]\naws_session_token = T\ns3 =\n  max_concurrent_requests = 4\naws_access_key_id = NEW\naws_secret_access_key = S\n"
        );
    }

    #[test]
    fn a_profile_named_like_a_key_prefix_is_not_confused() {
        let (out, outcome) = upsert_profile("[ci-prod]\naws_access_key_id = X\n", "ci", &VALUES);
        assert_eq!(outcome, WriteOutcome::Created);
        assert!(out.contains("[ci-prod]\naws_access_key_id = X\n"));
    }

    #[test]
    fn rejects_names_that_would_break_the_file() {
        for bad in ["", "a b", "a]b", "[x", "#x", "a\nb"] {
            let err = validate_profile_name(bad).unwrap_err().to_string();
            assert!(err.starts_with("--name: "), "{err}");
        }
        assert!(validate_profile_name("cloudbuilder-prod_1.x@y").is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn writes_0600_atomically_and_through_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real-credentials");
        fs::write(&real, "[default]\naws_access_key_id = A\n").expect("write");
        fs::set_permissions(&real, fs::Permissions::from_mode(0o644)).expect("chmod");
        let link = dir.path().join("credentials");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");

        let file = SharedCredentialsFile::at(&link);
        assert_eq!(
            file.write_profile("ci", &sample()).expect("write"),
            WriteOutcome::Created
        );
        assert_eq!(
            file.write_profile("ci", &sample()).expect("write"),
            WriteOutcome::Updated
        );
        assert!(
            fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        let text = fs::read_to_string(&real).expect("read");
        assert!(text.starts_with("[default]\naws_access_key_id = A\n"));
        assert!(text.contains(&format!("aws_secret_access_key = {SECRET}\n")));
        assert!(text.contains(&format!("aws_session_token = {TOKEN}\n")));
        assert!(text.contains("x_security_token_expires = 2026-12-03T18:00:00Z\n"));
        assert_eq!(text.matches("[ci]").count(), 1);
        assert_eq!(
            fs::metadata(&real).expect("meta").permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn creates_the_folder_and_file_when_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file =
            SharedCredentialsFile::locate(|_| None, Some(dir.path().to_owned())).expect("locate");
        assert_eq!(file.path(), dir.path().join(".aws/credentials"));
        file.write_profile("ci", &sample()).expect("write");
        assert!(
            fs::read_to_string(file.path())
                .expect("read")
                .starts_with("[ci]\n")
        );
    }

    #[test]
    fn locate_honours_the_environment_variable() {
        let file = SharedCredentialsFile::locate(
            |k| (k == "AWS_SHARED_CREDENTIALS_FILE").then(|| "~/creds".to_owned()),
            Some(PathBuf::from("/home/u")),
        )
        .expect("locate");
        assert_eq!(file.path(), Path::new("/home/u/creds"));
    }
}
