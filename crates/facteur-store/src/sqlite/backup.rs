//! A consistent copy of the store while the server (or anyone) writes to it, and putting one back.
//!
//! The database is copied with SQLite's online backup API in one step: one read transaction, so the copy is
//! the database as of one commit, whatever is written meanwhile (WAL readers never block the writer). Small
//! messages are inside it. Large ones are blob files, which the copy then needs; they are content-addressed
//! and never change, so a file copied after the snapshot is the content the snapshot references, *if it is
//! still there*: a file goes as soon as the last row referencing it goes, and that row may be gone right
//! after the snapshot (an expunge). So the copy holds blob removals back (`BlobStore::hold_removals`, an OS
//! file lock every process's removal path honours) from before the snapshot until the last file is copied;
//! files released meanwhile stay as orphans until a later open's sweep. New files written meanwhile are not
//! copied: the snapshot does not reference them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::blob::{BLOBS_DIR, BlobId, BlobStore, address, create_dir_durably, sync_dir};
use crate::error::{Result, StoreError};
use crate::sqlite::DATABASE_FILE;

/// What a backup or restore copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CopySummary {
    pub database_bytes: u64,
    pub blob_files: u64,
    pub blob_bytes: u64,
}

/// Copies the store in `store_dir` into `into` (created; it must not hold a store already), consistently,
/// while other processes use it. Blocking.
pub fn back_up(store_dir: &Path, into: &Path) -> Result<CopySummary> {
    let database = store_dir.join(DATABASE_FILE);
    if !database.is_file() {
        return Err(StoreError::io("find", &database)(io::ErrorKind::NotFound.into()));
    }
    let copy_path = into.join(DATABASE_FILE);
    refuse_existing(&copy_path)?;
    create_dir_durably(into)?;
    let blobs = BlobStore::open(store_dir)?;
    let _hold = blobs.hold_removals()?;
    let source = Connection::open_with_flags(&database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.busy_timeout(std::time::Duration::from_secs(30))?;
    let mut copy = Connection::open(&copy_path)?;
    // -1: every page in one step, so one read transaction; in smaller steps a write by another connection
    // would restart the copy, for ever under steady delivery.
    rusqlite::backup::Backup::new(&source, &mut copy)?.step(-1)?;
    drop(source);
    let files = file_blobs(&copy)?;
    copy.close().map_err(|(_, error)| error)?;
    let mut summary = CopySummary { database_bytes: sync_file(&copy_path)?, ..CopySummary::default() };
    for id in files {
        let target = blob_path(into, id);
        summary.blob_bytes += copy_file(&blobs.path(id), &target)?;
        summary.blob_files += 1;
    }
    sync_dir(into)?;
    Ok(summary)
}

/// Puts a copy made by [`back_up`] into `store_dir`, which must not hold a store. Blocking. The store's next
/// open brings its schema up to date, if the copy came from an older Facteur.
pub fn restore(from: &Path, store_dir: &Path) -> Result<CopySummary> {
    let target = store_dir.join(DATABASE_FILE);
    refuse_existing(&target)?;
    create_dir_durably(store_dir)?;
    let mut summary =
        CopySummary { database_bytes: copy_file(&from.join(DATABASE_FILE), &target)?, ..CopySummary::default() };
    let copy = Connection::open_with_flags(&target, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let files = file_blobs(&copy)?;
    drop(copy);
    for id in files {
        summary.blob_bytes += copy_file(&blob_path(from, id), &blob_path(store_dir, id))?;
        summary.blob_files += 1;
    }
    Ok(summary)
}

/// The blobs the database references whose content is a file (the others are inside it).
fn file_blobs(database: &Connection) -> Result<Vec<BlobId>> {
    let mut statement = database.prepare("SELECT id FROM blobs WHERE id NOT IN (SELECT id FROM blob_content)")?;
    let ids = statement.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<Vec<BlobId>>>()?;
    Ok(ids)
}

/// Where blob `id` lives under a store directory (without opening a `BlobStore`, which creates directories).
fn blob_path(store_dir: &Path, id: BlobId) -> PathBuf {
    address(&store_dir.join(BLOBS_DIR), id)
}

fn refuse_existing(path: &Path) -> Result<()> {
    match path.try_exists() {
        Ok(false) => Ok(()),
        Ok(true) => Err(StoreError::io("refuse to overwrite", path)(io::ErrorKind::AlreadyExists.into())),
        Err(error) => Err(StoreError::io("check", path)(error)),
    }
}

/// Copies a file durably (content fsynced, directories created durably); returns its size.
fn copy_file(from: &Path, to: &Path) -> Result<u64> {
    if let Some(parent) = to.parent() {
        create_dir_durably(parent)?;
    }
    let bytes = fs::copy(from, to).map_err(|error| match error.kind() {
        io::ErrorKind::NotFound => StoreError::io("copy (missing)", from)(error),
        _ => StoreError::io("copy to", to)(error),
    })?;
    sync_file(to)?;
    Ok(bytes)
}

fn sync_file(path: &Path) -> Result<u64> {
    let file = fs::File::open(path).map_err(StoreError::io("open", path))?;
    file.sync_all().map_err(StoreError::io("fsync", path))?;
    Ok(file.metadata().map_err(StoreError::io("stat", path))?.len())
}
