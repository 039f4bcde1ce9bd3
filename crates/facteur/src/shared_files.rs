//! Files every node of one database must have alike, kept in each node's data directory: the DKIM keys
//! (`dkim/DOMAIN/`, read by the signer), the ACME account, key and certificate (`acme/`, served by the
//! listeners) and the SRS secret (`srs/`, read at start: a bounce to an SRS address must verify on any node). With PostgreSQL the database holds the true copy ([`SharedState`]) and each node mirrors it:
//! at start, then every [`FOLLOW_EVERY`]; a command that changes such a directory first takes the
//! database's copy, changes it, then shares it. With SQLite there is one node, and its data directory is the
//! only copy: nothing here runs.
//!
//! A shared directory is copied whole, in one transaction each way, so its files always belong together
//! (a `selectors` list and the keys it names, a certificate and its key). Locally each file is replaced by
//! rename, the list that names the others last ([`WRITTEN_LAST`]): the signer notices a new `selectors` and
//! reloads, finding the keys it names already there.
//!
//! The database thus holds private keys (DKIM's, the certificate's): its backups deserve the care the data
//! directories get.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use facteur_net::ShutdownSignal;
use facteur_primitives::unix_now;
use facteur_store::{SharedFile, SharedState, Store};
use tracing::{info, warn};

/// How often a node looks for files other nodes changed: a `facteur dkim rotate` on one node signs on the
/// others within this.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(5);

/// The ACME directory, shared as one.
pub const ACME: &str = "acme";
/// The DKIM key directory: each domain's sub-directory is shared as one.
const DKIM: &str = "dkim";
/// The SRS secret's directory, shared as one.
const SRS: &str = crate::srs_secret::DIRECTORY;

/// Files that name the others of their directory: written after them.
const WRITTEN_LAST: [&str; 2] = ["selectors", "cert.pem"];

/// The mirror of one data directory.
pub struct SharedFiles {
    shared: Arc<dyn SharedState>,
    root: PathBuf,
    /// The version of each file this node last wrote or shared, by (directory, name).
    seen: Mutex<HashMap<(String, String), i64>>,
}

/// The shared directory of a domain's DKIM keys.
pub fn dkim_directory(domain: &str) -> String {
    format!("{DKIM}/{}", domain.to_ascii_lowercase())
}

impl SharedFiles {
    /// The mirror of the data directory `root` on `store`; `None` for a store of one node.
    pub fn new(store: &Arc<dyn Store>, root: &Path) -> Option<SharedFiles> {
        let shared = Arc::clone(store).shared()?;
        Some(SharedFiles { shared, root: root.to_owned(), seen: Mutex::default() })
    }

    /// At start: each directory the database has replaces the local one; a directory only this node has (a
    /// node set up before files were shared, or the first one) is shared as it is.
    pub async fn sync_at_start(&self) -> anyhow::Result<()> {
        let in_database = self.pull_all().await?;
        for directory in self.local_directories()? {
            if !in_database.contains(&directory) {
                self.push(&directory).await?;
                info!(%directory, "shared with the other nodes: no node had shared it yet");
            }
        }
        Ok(())
    }

    /// Makes every directory the database holds the local one; returns their names.
    pub async fn pull_all(&self) -> anyhow::Result<BTreeSet<String>> {
        let in_database: BTreeSet<String> =
            self.shared.shared_file_versions().await?.into_iter().map(|file| file.directory).collect();
        for directory in &in_database {
            self.pull(directory).await?;
        }
        Ok(in_database)
    }

    /// Makes the local `directory` what the database holds (nothing happens if it holds none of it).
    pub async fn pull(&self, directory: &str) -> anyhow::Result<()> {
        let files = self.shared.shared_files(directory).await?;
        if files.is_empty() {
            self.remember(directory, &[]);
            return Ok(());
        }
        let root = self.root.clone();
        let directory_owned = directory.to_owned();
        let written = tokio::task::spawn_blocking(move || write_directory(&root, &directory_owned, &files))
            .await
            .context("writing shared files")??;
        self.remember(directory, &written);
        Ok(())
    }

    /// Shares the local `directory` as it now is, replacing the database's copy.
    pub async fn push(&self, directory: &str) -> anyhow::Result<()> {
        let path = self.local_path(directory)?;
        let files = tokio::task::spawn_blocking(move || read_directory(&path)).await.context("reading files")??;
        let stored = self.shared.replace_shared_files(directory, files, unix_now()).await?;
        self.remember(directory, &stored);
        Ok(())
    }

    /// Until `stopping`: every [`FOLLOW_EVERY`], takes each directory in which another node changed something.
    pub async fn follow(self: Arc<Self>, mut stopping: ShutdownSignal) {
        loop {
            tokio::select! {
                () = stopping.triggered() => return,
                () = tokio::time::sleep(FOLLOW_EVERY) => {}
            }
            if let Err(error) = self.follow_once().await {
                warn!(error = %format!("{error:#}"), "could not bring the shared files up to date; trying again");
            }
        }
    }

    async fn follow_once(&self) -> anyhow::Result<()> {
        let versions = self.shared.shared_file_versions().await?;
        let changed: BTreeSet<String> = {
            let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            let current: HashMap<(String, String), i64> =
                versions.into_iter().map(|file| ((file.directory, file.name), file.version)).collect();
            let new_or_changed = current.iter().filter(|(key, version)| seen.get(*key) != Some(*version));
            let gone = seen.keys().filter(|key| !current.contains_key(*key));
            new_or_changed.map(|((directory, _), _)| directory.clone()).chain(gone.map(|(d, _)| d.clone())).collect()
        };
        for directory in changed {
            self.pull(&directory).await?;
            info!(%directory, "took the shared files changed elsewhere");
        }
        Ok(())
    }

    /// `files` are now the whole of `directory` here and in the database.
    fn remember(&self, directory: &str, files: &[SharedFile]) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|(seen_directory, _), _| *seen_directory != directory);
        for file in files {
            seen.insert((file.directory.clone(), file.name.clone()), file.version);
        }
    }

    /// The shared directories this data directory has: `acme`, `srs`, and `dkim/DOMAIN` for each domain.
    fn local_directories(&self) -> anyhow::Result<Vec<String>> {
        let mut found = Vec::new();
        for directory in [ACME, SRS] {
            if self.root.join(directory).is_dir() {
                found.push(directory.to_owned());
            }
        }
        let dkim = self.root.join(DKIM);
        if dkim.is_dir() {
            for entry in std::fs::read_dir(&dkim).with_context(|| format!("reading {}", dkim.display()))? {
                let entry = entry?;
                if entry.file_type()?.is_dir()
                    && let Ok(name) = entry.file_name().into_string()
                {
                    found.push(format!("{DKIM}/{name}"));
                }
            }
        }
        Ok(found)
    }

    fn local_path(&self, directory: &str) -> anyhow::Result<PathBuf> {
        local_path(&self.root, directory)
    }
}

/// Where a shared directory is in a data directory. Only the directories this module shares, each a plain
/// name: what the database holds can never write elsewhere.
fn local_path(root: &Path, directory: &str) -> anyhow::Result<PathBuf> {
    let plain = |name: &str| !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']);
    let allowed = match directory.split_once('/') {
        None => directory == ACME || directory == SRS,
        Some((DKIM, domain)) => plain(domain),
        Some(_) => false,
    };
    anyhow::ensure!(allowed, "{directory:?} is not a directory nodes share");
    Ok(root.join(directory))
}

/// The regular files of a directory (not the temporary ones of a write in progress), by name.
fn read_directory(path: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        if entry.file_type()?.is_file() && !name.ends_with(".tmp") {
            let content = std::fs::read(entry.path()).with_context(|| format!("reading {}", entry.path().display()))?;
            files.insert(name, content);
        }
    }
    Ok(files.into_iter().collect())
}

/// Makes the local directory hold exactly `files`; returns them (as written) for [`SharedFiles::remember`].
fn write_directory(root: &Path, directory: &str, files: &[SharedFile]) -> anyhow::Result<Vec<SharedFile>> {
    let path = local_path(root, directory)?;
    create_private_dirs(root, &path)?;
    let (last, first): (Vec<&SharedFile>, Vec<&SharedFile>) =
        files.iter().partition(|file| WRITTEN_LAST.contains(&file.name.as_str()));
    for file in first.into_iter().chain(last) {
        let name = Path::new(&file.name);
        anyhow::ensure!(
            name.components().count() == 1 && !file.name.starts_with('.'),
            "shared file name {:?} in {directory}",
            file.name
        );
        let target = path.join(name);
        if std::fs::read(&target).ok().as_deref() != Some(file.content.as_slice()) {
            write_private_file(&target, &file.content)?;
        }
    }
    let kept: BTreeSet<&str> = files.iter().map(|file| file.name.as_str()).collect();
    for (name, _) in read_directory(&path)? {
        if !kept.contains(name.as_str()) {
            let stale = path.join(&name);
            std::fs::remove_file(&stale).with_context(|| format!("removing {}", stale.display()))?;
            info!(file = %stale.display(), "removed: the other nodes no longer have it");
        }
    }
    std::fs::File::open(&path).and_then(|dir| dir.sync_all()).with_context(|| format!("syncing {}", path.display()))?;
    Ok(files.to_vec())
}

/// The directory and those between it and the data directory, owner only (they hold private keys).
fn create_private_dirs(root: &Path, path: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .with_context(|| format!("creating {} in {}", path.display(), root.display()))
}

/// A temporary file, fsynced, renamed over the target: a reader sees the old file or the new one.
fn write_private_file(path: &Path, content: &[u8]) -> anyhow::Result<()> {
    let temporary = path.with_extension("shared.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("creating {}", temporary.display()))?;
    file.write_all(content)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("renaming {}", temporary.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_shared_directories_can_be_written() {
        let root = Path::new("/data");
        assert_eq!(local_path(root, "acme").unwrap(), Path::new("/data/acme"));
        assert_eq!(local_path(root, "dkim/example.com").unwrap(), Path::new("/data/dkim/example.com"));
        assert_eq!(local_path(root, "srs").unwrap(), Path::new("/data/srs"));
        for bad in ["tls", "dkim", "dkim/../tls", "dkim/a/b", "dkim/..", "dkim/.hidden", "acme/x", "srs/x", "/etc", ""]
        {
            assert!(local_path(root, bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_directory_is_written_whole_and_what_it_no_longer_has_goes() {
        let root = tempfile::tempdir().unwrap();
        let file = |name: &str, content: &str| SharedFile {
            directory: "dkim/example.com".into(),
            name: name.into(),
            content: content.as_bytes().to_vec(),
            version: 1,
        };
        write_directory(root.path(), "dkim/example.com", &[file("selectors", "a"), file("a.rsa.pem", "A")]).unwrap();
        write_directory(root.path(), "dkim/example.com", &[file("selectors", "b"), file("b.rsa.pem", "B")]).unwrap();
        let names: Vec<String> =
            read_directory(&root.path().join("dkim/example.com")).unwrap().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["b.rsa.pem", "selectors"]);
        let bad = SharedFile { name: "../escape".into(), ..file("x", "x") };
        assert!(write_directory(root.path(), "dkim/example.com", &[bad]).is_err());
    }
}
