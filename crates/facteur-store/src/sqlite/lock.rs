//! Who may open a SQLite store directory: any number of stores at once (the server and the CLI next to it), or
//! one migration alone.
//!
//! SQLite's own locks keep concurrent writers consistent, but `facteur store migrate` needs more: a store that
//! no one changes from its first row copied to the configuration rewritten, or mail delivered meanwhile would
//! stay behind in SQLite. Every [`super::SqliteStore`] holds a shared lock on `<dir>/facteur.lock` while it is
//! open; a migration takes the exclusive one, and each refuses at once (never waits) while the other holds it.
//! The kernel releases a lock when its process ends, however it ends, so a killed server leaves none behind.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// The lock file inside the store directory.
const LOCK_FILE: &str = "facteur.lock";

/// A held lock on a store directory, released when dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
}

/// Which lock is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A store opened to be used: any number at once.
    Shared,
    /// A store opened to be copied elsewhere: no one else.
    Exclusive,
}

impl DirLock {
    /// The lock every open store holds. Refused while a migration runs.
    pub(crate) fn shared(dir: &Path) -> Result<DirLock> {
        Self::take(dir, Mode::Shared)
    }

    /// The lock a migration holds. Refused while any store (a server, a CLI command) has the directory open.
    pub(crate) fn exclusive(dir: &Path) -> Result<DirLock> {
        Self::take(dir, Mode::Exclusive)
    }

    fn take(dir: &Path, mode: Mode) -> Result<DirLock> {
        let path = dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(StoreError::io("open", &path))?;
        let locked = match mode {
            Mode::Shared => file.try_lock_shared(),
            Mode::Exclusive => file.try_lock(),
        };
        match locked {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(busy(mode, dir.to_owned())),
            Err(TryLockError::Error(error)) => Err(StoreError::io("lock", path)(error)),
        }
    }
}

fn busy(mode: Mode, dir: PathBuf) -> StoreError {
    match mode {
        Mode::Shared => StoreError::BeingMigrated(dir),
        Mode::Exclusive => StoreError::InUse(dir),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_share_the_directory_and_a_migration_excludes_them() {
        let dir = tempfile::tempdir().unwrap();
        let server = DirLock::shared(dir.path()).unwrap();
        let cli = DirLock::shared(dir.path()).unwrap();
        assert!(matches!(DirLock::exclusive(dir.path()), Err(StoreError::InUse(_))));
        drop((server, cli));
        let migration = DirLock::exclusive(dir.path()).unwrap();
        assert!(matches!(DirLock::shared(dir.path()), Err(StoreError::BeingMigrated(_))));
        assert!(matches!(DirLock::exclusive(dir.path()), Err(StoreError::InUse(_))));
        drop(migration);
        DirLock::shared(dir.path()).unwrap();
    }
}
