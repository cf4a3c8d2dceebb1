//! The on-disk credential cache.
//!
//! One JSON file per key, mode 0600, in a folder of mode 0700 under the user's
//! cache directory. An entry is served only while at least [`MIN_REMAINING`] of
//! its lifetime is left. Writers take an exclusive lock on the key's lock file
//! and re-check before fetching, so concurrent processes ask the provider once
//! and never see a half-written file (entries are replaced by rename). The
//! cache is an optimisation: when it cannot be read or written, credentials are
//! fetched as if there were no cache and a warning says why.

use crate::credentials::StoredCredentials;
use crate::{Clock, Error, TemporaryCredentials};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How much lifetime a cached entry must have left to be served.
pub const MIN_REMAINING: time::Duration = time::Duration::minutes(5);

/// Identifies one cache entry: a digest of everything that shapes the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey(String);

impl CacheKey {
    /// Builds a key from named parts, e.g. `("role", arn)`. Order matters; absent
    /// optional parts should be passed as empty strings so positions stay fixed.
    pub fn new(parts: &[(&str, &str)]) -> Self {
        let mut hasher = Sha256::new();
        for (name, value) in parts {
            // Length-prefixed so that no two different part lists hash alike.
            for field in [name, value] {
                hasher.update((field.len() as u64).to_le_bytes());
                hasher.update(field.as_bytes());
            }
        }
        CacheKey(hex::encode(hasher.finalize()))
    }

    fn file_name(&self, extension: &str) -> String {
        format!("{}.{extension}", self.0)
    }
}

/// Where a credential came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Served from the cache.
    Cache,
    /// Fetched from the provider just now.
    Provider,
}

/// A folder of cached credentials.
#[derive(Debug, Clone)]
pub struct CredentialCache {
    dir: PathBuf,
}

impl CredentialCache {
    /// The cache for `namespace` (e.g. `aws-sts`) under the user's cache directory.
    pub fn in_user_cache_dir(namespace: &str) -> Result<Self, Error> {
        let base = dirs::cache_dir().ok_or(Error::NoCacheDir)?;
        Ok(Self::at(base.join("cloudbuilder").join(namespace)))
    }

    /// A cache in `dir`; the folder is created on first write.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        CredentialCache { dir: dir.into() }
    }

    /// The folder holding the entries.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Returns the entry for `key` if it has at least [`MIN_REMAINING`] left.
    pub fn get(&self, key: &CacheKey, clock: &dyn Clock) -> Option<TemporaryCredentials> {
        let path = self.dir.join(key.file_name("json"));
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!("credential cache: cannot read {}: {e}", path.display());
                return None;
            }
        };
        let stored: StoredCredentials = match serde_json::from_str(&text) {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(
                    "credential cache: ignoring unreadable entry {}: {e}",
                    path.display()
                );
                return None;
            }
        };
        let creds = TemporaryCredentials::from(stored);
        let remaining = creds.expiration - clock.now();
        if remaining >= MIN_REMAINING {
            tracing::debug!(
                remaining_secs = remaining.whole_seconds(),
                "credential cache: hit"
            );
            Some(creds)
        } else {
            tracing::debug!(
                remaining_secs = remaining.whole_seconds(),
                "credential cache: entry too close to expiry"
            );
            None
        }
    }

    /// Serves `key` from the cache, or calls `fetch` and stores its answer.
    ///
    /// While `fetch` runs this process holds the key's lock, so a second process
    /// asking for the same key waits and then finds the fresh entry.
    pub async fn get_or_fetch<F, Fut, E>(
        &self,
        key: &CacheKey,
        clock: &dyn Clock,
        fetch: F,
    ) -> Result<(TemporaryCredentials, Origin), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<TemporaryCredentials, E>>,
    {
        if let Some(creds) = self.get(key, clock) {
            return Ok((creds, Origin::Cache));
        }
        let lock = match self.lock(key) {
            Ok(lock) => Some(lock),
            Err(e) => {
                tracing::warn!("credential cache disabled for this call: {e}");
                None
            }
        };
        if lock.is_some()
            && let Some(creds) = self.get(key, clock)
        {
            return Ok((creds, Origin::Cache));
        }
        let creds = fetch().await?;
        if lock.is_some()
            && let Err(e) = self.put(key, &creds)
        {
            tracing::warn!("credential cache: not stored: {e}");
        }
        drop(lock);
        Ok((creds, Origin::Provider))
    }

    /// Writes `creds` for `key`: a 0600 temporary file renamed into place.
    pub fn put(&self, key: &CacheKey, creds: &TemporaryCredentials) -> Result<(), Error> {
        self.ensure_dir()?;
        let path = self.dir.join(key.file_name("json"));
        let json = serde_json::to_vec(&StoredCredentials::from(creds))
            .map_err(|e| Error::io("cannot encode", &path, std::io::Error::other(e)))?;
        replace_file(&self.dir, ".entry", &path, &json)
    }

    /// Removes every entry; returns how many credential entries there were.
    pub fn clear(&self) -> Result<usize, Error> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(Error::io("cannot list", &self.dir, e)),
        };
        let mut removed = 0;
        for entry in entries {
            let path = entry
                .map_err(|e| Error::io("cannot list", &self.dir, e))?
                .path();
            let ext = path.extension().and_then(|e| e.to_str());
            if matches!(ext, Some("json" | "lock")) || is_stale_temp(&path) {
                fs::remove_file(&path).map_err(|e| Error::io("cannot remove", &path, e))?;
                removed += usize::from(ext == Some("json"));
            }
        }
        Ok(removed)
    }

    fn lock(&self, key: &CacheKey) -> Result<File, Error> {
        self.ensure_dir()?;
        let path = self.dir.join(key.file_name("lock"));
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&path)
            .map_err(|e| Error::io("cannot open", &path, e))?;
        file.lock()
            .map_err(|e| Error::io("cannot lock", &path, e))?;
        Ok(file)
    }

    fn ensure_dir(&self) -> Result<(), Error> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.dir)
            .map_err(|e| Error::io("cannot create", &self.dir, e))?;
        // An existing folder may have been made wider by hand: narrow it again.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&self.dir)
                .map_err(|e| Error::io("cannot inspect", &self.dir, e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
                    .map_err(|e| Error::io("cannot restrict", &self.dir, e))?;
            }
        }
        Ok(())
    }
}

fn is_stale_temp(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(".entry"))
}

/// Replaces `path` with `contents` atomically: a 0600 temporary file in `dir`
/// (the same folder, so the rename cannot cross file systems), synced, renamed.
pub(crate) fn replace_file(
    dir: &Path,
    prefix: &str,
    path: &Path,
    contents: &[u8],
) -> Result<(), Error> {
    let mut tmp = private_temp_file(dir, prefix)?;
    tmp.write_all(contents)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io("cannot write", tmp.path().to_owned(), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("cannot write", path, e.error))?;
    Ok(())
}

/// A new temporary file in `dir`, readable and writable by the owner only.
fn private_temp_file(dir: &Path, prefix: &str) -> Result<tempfile::NamedTempFile, Error> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    builder
        .tempfile_in(dir)
        .map_err(|e| Error::io("cannot create a file in", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;
    use crate::credentials::tests::sample;
    use secrecy::ExposeSecret;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key() -> CacheKey {
        CacheKey::new(&[("source", "AKIAEXAMPLE"), ("role", "arn:aws:iam::1:role/R")])
    }

    fn clock_before_expiry(minutes: i64) -> FixedClock {
        FixedClock(sample().expiration - time::Duration::minutes(minutes))
    }

    #[test]
    fn keys_differ_when_any_part_differs() {
        let a = CacheKey::new(&[("a", "bc"), ("d", "")]);
        assert_ne!(a, CacheKey::new(&[("a", "b"), ("d", "c")]));
        assert_ne!(a, CacheKey::new(&[("a", "bc"), ("d", "x")]));
        assert_eq!(a, CacheKey::new(&[("a", "bc"), ("d", "")]));
    }

    #[test]
    fn serves_an_entry_only_while_five_minutes_remain() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = CredentialCache::at(dir.path().join("c"));
        cache.put(&key(), &sample()).expect("put");
        let hit = cache
            .get(&key(), &clock_before_expiry(6))
            .expect("fresh entry is served");
        assert_eq!(
            hit.secret_access_key.expose_secret(),
            sample().secret_access_key.expose_secret()
        );
        assert!(
            cache.get(&key(), &clock_before_expiry(5)).is_some(),
            "exactly 5 minutes left"
        );
        assert!(
            cache.get(&key(), &clock_before_expiry(4)).is_none(),
            "under 5 minutes left"
        );
        assert!(
            cache.get(&key(), &clock_before_expiry(-1)).is_none(),
            "expired"
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_are_0600_in_a_0700_folder() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = CredentialCache::at(dir.path().join("c"));
        cache.put(&key(), &sample()).expect("put");
        let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(cache.dir()), 0o700);
        for entry in fs::read_dir(cache.dir()).expect("list") {
            assert_eq!(mode(&entry.expect("entry").path()), 0o600);
        }
        fs::set_permissions(cache.dir(), fs::Permissions::from_mode(0o755)).expect("chmod");
        cache.put(&key(), &sample()).expect("put");
        assert_eq!(
            mode(cache.dir()),
            0o700,
            "a widened folder is narrowed again"
        );
    }

    #[test]
    fn a_corrupt_entry_is_a_miss_and_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = CredentialCache::at(dir.path());
        fs::write(dir.path().join(key().file_name("json")), "{ not json").expect("write");
        assert!(cache.get(&key(), &clock_before_expiry(30)).is_none());
        let rt = tokio_free_block_on(cache.get_or_fetch(
            &key(),
            &clock_before_expiry(30),
            || async { Ok::<_, Error>(sample()) },
        ));
        assert_eq!(rt.expect("fetch").1, Origin::Provider);
        assert!(cache.get(&key(), &clock_before_expiry(30)).is_some());
    }

    #[test]
    fn concurrent_fetchers_call_the_provider_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let calls = AtomicUsize::new(0);
        let clock = clock_before_expiry(30);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let cache = CredentialCache::at(dir.path());
                    let got = tokio_free_block_on(cache.get_or_fetch(&key(), &clock, || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Ok::<_, Error>(sample())
                    }));
                    assert_eq!(got.expect("credentials").0.access_key_id, "ASIAEXAMPLE");
                });
            }
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_unwritable_cache_still_hands_out_credentials() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        fs::write(&blocker, "").expect("write");
        let cache = CredentialCache::at(blocker.join("below-a-file"));
        let got = tokio_free_block_on(cache.get_or_fetch(
            &key(),
            &clock_before_expiry(30),
            || async { Ok::<_, Error>(sample()) },
        ));
        assert_eq!(got.expect("credentials").1, Origin::Provider);
    }

    #[test]
    fn clear_removes_entries_and_counts_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = CredentialCache::at(dir.path().join("c"));
        assert_eq!(cache.clear().expect("clear of a missing folder"), 0);
        cache.put(&key(), &sample()).expect("put");
        cache
            .put(&CacheKey::new(&[("other", "x")]), &sample())
            .expect("put");
        assert_eq!(cache.clear().expect("clear"), 2);
        assert!(cache.get(&key(), &clock_before_expiry(30)).is_none());
    }

    /// The fetch futures in these tests never await anything, so one poll finishes them.
    fn tokio_free_block_on<F: Future>(future: F) -> F::Output {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("test future did not complete in one poll"),
        }
    }
}
