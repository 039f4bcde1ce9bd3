//! The secret that signs SRS addresses (`facteur_delivery::Srs`): `srs/key` in the data directory, 32 random
//! octets made the first time the server starts without one, readable by its owner only (the directory 0700,
//! the file 0600), never logged. Whoever has it can make our MX relay to any address, so it is kept like a
//! private key; losing it only costs the bounces of mail redirected in the last 21 days.
//!
//! Nodes sharing a database share it as they share DKIM keys (`shared_files.rs`): [`ensure`] runs before the
//! shared files are taken, so a new node's own secret is replaced by the one the first node shared, and
//! [`read`] after. Two nodes first started at the same moment may each share their own: the database keeps
//! one, the other node's file follows it within seconds, and that node signs with it from its next start.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use ring::rand::{SecureRandom, SystemRandom};
use tracing::info;

use crate::data_dir::sync_dir;
use crate::failure::Outcome;

/// The directory of the secret, shared between nodes as one.
pub const DIRECTORY: &str = "srs";
const FILE: &str = "key";
/// Octets of a new secret: HMAC-SHA256's block is 64, its output 32; 32 random octets are beyond guessing.
const LENGTH: usize = 32;
/// A secret shorter than this (a truncated file) is refused rather than used.
const MIN_LENGTH: usize = 16;

fn path(root: &Path) -> PathBuf {
    root.join(DIRECTORY).join(FILE)
}

/// Makes the secret if the data directory has none.
pub fn ensure(root: &Path) -> Outcome {
    let path = path(root);
    if path.exists() {
        return Ok(());
    }
    let directory = root.join(DIRECTORY);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let mut secret = [0u8; LENGTH];
    SystemRandom::new().fill(&mut secret).map_err(|_| anyhow::anyhow!("no randomness for the SRS secret"))?;
    // create_new: two processes starting at once keep the first one's secret, never half of each.
    let created = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path);
    let mut file = match created {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(error) => {
            return Err(anyhow::Error::new(error).context(format!("cannot create {}", path.display())).into());
        }
    };
    file.write_all(&secret)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    sync_dir(&directory)?;
    info!(file = %path.display(), "made the secret that signs SRS addresses");
    Ok(())
}

/// The secret, as [`ensure`] made it or the other nodes shared it.
pub fn read(root: &Path) -> Outcome<Vec<u8>> {
    let path = path(root);
    let secret = std::fs::read(&path).with_context(|| format!("cannot read the SRS secret {}", path.display()))?;
    if secret.len() < MIN_LENGTH {
        return Err(anyhow::anyhow!(
            "the SRS secret {} is shorter than {MIN_LENGTH} octets; remove it and a new one is made at start",
            path.display()
        )
        .into());
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_secret_is_made_once_private_and_kept() {
        let root = tempfile::tempdir().unwrap();
        ensure(root.path()).unwrap();
        let first = read(root.path()).unwrap();
        assert_eq!(first.len(), LENGTH);
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path(root.path())), 0o600);
        assert_eq!(mode(&root.path().join(DIRECTORY)), 0o700);
        ensure(root.path()).unwrap();
        assert_eq!(read(root.path()).unwrap(), first, "an existing secret is kept");
    }

    #[test]
    fn a_truncated_secret_is_refused() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(DIRECTORY)).unwrap();
        std::fs::write(path(root.path()), b"short").unwrap();
        assert!(read(root.path()).is_err());
    }
}
