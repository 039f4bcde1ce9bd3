//! Content-addressed blob files: raw RFC 5322 messages, stored once however many mailboxes reference them.
//! Only large messages are files when the store is given their bytes (`Store::deliver_content`); small ones
//! live in the database under the same [`BlobId`]. Read content through `Store::read_blob`, which finds both.
//!
//! Layout: `<dir>/blobs/ab/cd/<64 hex digits of the SHA-256>`, temporary files in `<dir>/blobs/tmp/`.
//! Durability protocol: write a temporary file, fsync it, rename it to its address, fsync the directory (and
//! each directory created on the way), so that a blob that has a name is complete and on disk before any
//! database row can reference it. Reference counts live in the database, not here.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ring::digest::{Context, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Result, StoreError};

/// The SHA-256 of a blob's content. Displayed and parsed as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(pub [u8; 32]);

impl BlobId {
    /// The address of `content`.
    pub fn of(content: &[u8]) -> BlobId {
        let mut context = Context::new(&SHA256);
        context.update(content);
        Self::from_context(context)
    }

    fn from_context(context: Context) -> BlobId {
        let mut id = [0; 32];
        id.copy_from_slice(context.finish().as_ref());
        BlobId(id)
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({self})")
    }
}

/// The text was not 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a blob id (64 lowercase hex digits expected)")]
pub struct InvalidBlobId;

impl FromStr for BlobId {
    type Err = InvalidBlobId;

    fn from_str(s: &str) -> Result<BlobId, InvalidBlobId> {
        let digit = |c: u8| match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            _ => Err(InvalidBlobId),
        };
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return Err(InvalidBlobId);
        }
        let mut id = [0; 32];
        for (byte, pair) in id.iter_mut().zip(bytes.chunks_exact(2)) {
            *byte = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Ok(BlobId(id))
    }
}

/// The blob files of one data directory. Cheap to clone.
///
/// Its methods do blocking file I/O (including fsync): from async code call them inside
/// `tokio::task::spawn_blocking`.
#[derive(Debug, Clone)]
pub struct BlobStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    /// The lock file of [`BlobStore::hold_removals`], beside the blob area (which holds only directories).
    removals_lock: PathBuf,
    random: SystemRandom,
}

impl BlobStore {
    /// Opens (creating if needed) the blob area `<data_dir>/blobs`.
    pub fn open(data_dir: &Path) -> Result<BlobStore> {
        let root = data_dir.join(BLOBS_DIR);
        let removals_lock = data_dir.join(REMOVALS_LOCK);
        let store = BlobStore { inner: Arc::new(Inner { root, removals_lock, random: SystemRandom::new() }) };
        create_dir_durably(&store.temp_dir())?;
        Ok(store)
    }

    /// Where the blob `id` lives (whether or not it exists).
    pub fn path(&self, id: BlobId) -> PathBuf {
        address(&self.inner.root, id)
    }

    pub fn contains(&self, id: BlobId) -> bool {
        self.path(id).is_file()
    }

    /// Stores `content` durably and returns its address. Content already present is not written again.
    pub fn put(&self, content: &[u8]) -> Result<BlobId> {
        let id = BlobId::of(content);
        if self.contains(id) {
            return Ok(id);
        }
        let mut writer = self.writer()?;
        writer.write_all(content).map_err(StoreError::io("write", &writer.temp_path))?;
        writer.finish()
    }

    /// A writer for content that arrives in pieces (an IMAP APPEND literal), hashed as it is written.
    pub fn writer(&self) -> Result<BlobWriter> {
        let temp_path = self.temp_dir().join(self.random_name()?);
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .map_err(StoreError::io("create", &temp_path))?;
        Ok(BlobWriter {
            store: self.clone(),
            file: Some(io::BufWriter::with_capacity(64 * 1024, file)),
            temp_path,
            hash: Context::new(&SHA256),
            len: 0,
        })
    }

    /// The whole content of a blob FILE. Inline content is not here: protocol code uses `Store::read_blob`.
    pub fn read(&self, id: BlobId) -> Result<Vec<u8>> {
        let path = self.path(id);
        fs::read(&path).map_err(Self::missing_or_io(id, path))
    }

    /// The first `len` bytes of the blob's file (all of it if shorter).
    pub fn read_prefix(&self, id: BlobId, len: u64) -> Result<Vec<u8>> {
        let file = self.open_blob(id)?;
        let mut prefix = Vec::with_capacity(usize::try_from(len.min(1 << 20)).unwrap_or(0));
        file.take(len).read_to_end(&mut prefix).map_err(Self::missing_or_io(id, self.path(id)))?;
        Ok(prefix)
    }

    /// The blob's file, for streaming it out.
    pub fn open_blob(&self, id: BlobId) -> Result<File> {
        let path = self.path(id);
        File::open(&path).map_err(Self::missing_or_io(id, path))
    }

    /// The blob's size in bytes.
    pub fn size(&self, id: BlobId) -> Result<u64> {
        let path = self.path(id);
        fs::metadata(&path).map(|m| m.len()).map_err(Self::missing_or_io(id, path))
    }

    fn missing_or_io(id: BlobId, path: PathBuf) -> impl FnOnce(io::Error) -> StoreError {
        move |e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::BlobMissing(id),
            _ => StoreError::Io { action: "read", path, source: e },
        }
    }

    /// Holds back the removal of blob files, by every process using this directory, until the hold is
    /// dropped (waiting for a removal under way to finish first): what a backup takes before it snapshots
    /// the database, so that every file the snapshot references is still there when it copies it.
    pub fn hold_removals(&self) -> Result<RemovalHold> {
        let file = self.removals_lock_file()?;
        file.lock_shared().map_err(StoreError::io("lock", self.removals_lock_path()))?;
        Ok(RemovalHold { _file: file })
    }

    /// Leave to remove blob files now: `None` while a backup holds removals back. The files are then left
    /// as orphans, which the sweep at a later open removes.
    pub(crate) fn removal_permit(&self) -> Result<Option<RemovalPermit>> {
        let file = self.removals_lock_file()?;
        match file.try_lock() {
            Ok(()) => Ok(Some(RemovalPermit { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(error)) => Err(StoreError::io("lock", self.removals_lock_path())(error)),
        }
    }

    /// The file whose lock says whether blob files may be removed: shared by backups, exclusive by removals.
    fn removals_lock_path(&self) -> &Path {
        &self.inner.removals_lock
    }

    fn removals_lock_file(&self) -> Result<File> {
        let path = self.removals_lock_path();
        File::options().create(true).truncate(false).write(true).open(path).map_err(StoreError::io("open", path))
    }

    /// Deletes a blob file. Only the database layer calls this, once no row references the blob, holding a
    /// [`RemovalPermit`].
    pub(crate) fn remove(&self, id: BlobId) -> Result<()> {
        let path = self.path(id);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(StoreError::io("remove", path)(e)),
            _ => Ok(()),
        }
    }

    /// Removes temporary files older than `age`: the writers that made them are gone (crashed or dropped
    /// without cleanup). Younger ones may belong to a live writer, possibly in another process.
    pub(crate) fn remove_stale_temp_files(&self, age: Duration) -> Result<usize> {
        let mut removed = 0;
        for (path, modified) in list_files(&self.temp_dir())? {
            if is_older_than(modified, age) && fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Every blob file older than `age`, with its id (files whose name is not an id are left alone).
    pub(crate) fn blobs_older_than(&self, age: Duration) -> Result<Vec<BlobId>> {
        let mut found = Vec::new();
        for first in list_dirs(&self.inner.root)? {
            for second in list_dirs(&first)? {
                for (path, modified) in list_files(&second)? {
                    let id = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse().ok());
                    if let Some(id) = id.filter(|_| is_older_than(modified, age)) {
                        found.push(id);
                    }
                }
            }
        }
        Ok(found)
    }

    fn temp_dir(&self) -> PathBuf {
        self.inner.root.join("tmp")
    }

    fn random_name(&self) -> Result<String> {
        let mut bytes = [0u8; 16];
        self.inner
            .random
            .fill(&mut bytes)
            .map_err(|_| StoreError::io("draw a random name in", self.temp_dir())(io::Error::other("no randomness")))?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Moves a complete, fsynced temporary file to its address.
    fn install(&self, temp_path: &Path, id: BlobId) -> Result<()> {
        let path = self.path(id);
        if path.is_file() {
            // Dedup: same address, same content. Ours is dropped.
            let _ = fs::remove_file(temp_path);
            return Ok(());
        }
        let dir = path.parent().unwrap_or(&self.inner.root);
        create_dir_durably(dir)?;
        fs::rename(temp_path, &path).map_err(StoreError::io("rename into", &path))?;
        sync_dir(dir)
    }
}

/// The blob area inside a store's directory.
pub(crate) const BLOBS_DIR: &str = "blobs";

/// Where blob `id` lives under a blob area `root`: `ab/cd/abcd…`, so that no directory grows too large.
pub(crate) fn address(root: &Path, id: BlobId) -> PathBuf {
    let hex = id.to_string();
    root.join(&hex[0..2]).join(&hex[2..4]).join(hex)
}

/// The lock file of [`BlobStore::hold_removals`], in the store's directory beside the blob area.
const REMOVALS_LOCK: &str = "blob-removals.lock";

/// Blob files are not removed while this lives (an OS file lock: it also ends with the process).
#[derive(Debug)]
pub struct RemovalHold {
    _file: File,
}

/// No backup holds removals back while this lives.
#[derive(Debug)]
pub(crate) struct RemovalPermit {
    _file: File,
}

/// Streams one blob to a temporary file; [`BlobWriter::finish`] gives it its address. Dropping it unfinished
/// removes the temporary file.
pub struct BlobWriter {
    store: BlobStore,
    file: Option<io::BufWriter<File>>,
    temp_path: PathBuf,
    hash: Context,
    len: u64,
}

impl BlobWriter {
    /// Bytes written so far (for size limits).
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes the content durable and returns its address.
    pub fn finish(mut self) -> Result<BlobId> {
        let Some(file) = self.file.take() else {
            return Err(StoreError::io("finish", &self.temp_path)(io::Error::other("already finished")));
        };
        let file = file.into_inner().map_err(|e| StoreError::io("write", &self.temp_path)(e.into_error()))?;
        file.sync_all().map_err(StoreError::io("fsync", &self.temp_path))?;
        drop(file);
        let id = BlobId::from_context(self.hash.clone());
        let installed = self.store.install(&self.temp_path, id);
        if installed.is_err() {
            let _ = fs::remove_file(&self.temp_path);
        }
        installed.map(|()| id)
    }
}

impl fmt::Debug for BlobWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobWriter").field("temp_path", &self.temp_path).field("len", &self.len).finish()
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let file = self.file.as_mut().ok_or_else(|| io::Error::other("blob writer already finished"))?;
        let written = file.write(buf)?;
        self.hash.update(&buf[..written]);
        self.len += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), |file| file.flush())
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.temp_path);
        }
    }
}

/// Creates `dir` and any missing parents, fsyncing each parent whose entries changed so the new directory
/// survives a crash.
pub(crate) fn create_dir_durably(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dir_durably(parent)?;
    }
    match fs::create_dir(dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(StoreError::io("create", dir)(e)),
        _ => {}
    }
    dir.parent().map_or(Ok(()), sync_dir)
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(StoreError::io("fsync", dir))
}

fn list_entries(dir: &Path, want_dirs: bool) -> Result<Vec<(PathBuf, SystemTime)>> {
    let entries = match fs::read_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other.map_err(StoreError::io("list", dir))?,
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() == want_dirs {
            found.push((entry.path(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH)));
        }
    }
    Ok(found)
}

fn list_files(dir: &Path) -> Result<Vec<(PathBuf, SystemTime)>> {
    list_entries(dir, false)
}

fn list_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(list_entries(dir, true)?.into_iter().map(|(path, _)| path).collect())
}

fn is_older_than(modified: SystemTime, age: Duration) -> bool {
    SystemTime::now().duration_since(modified).is_ok_and(|elapsed| elapsed > age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_id_round_trips_as_lowercase_hex() {
        let id = BlobId::of(b"hello");
        let text = id.to_string();
        assert_eq!(text, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(text.parse::<BlobId>(), Ok(id));
        assert!(text.to_uppercase().parse::<BlobId>().is_err());
        assert!("abc".parse::<BlobId>().is_err());
    }

    #[test]
    fn put_stores_content_at_its_hash_once() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let id = blobs.put(b"Subject: hi\r\n\r\nbody\r\n").unwrap();
        assert_eq!(blobs.put(b"Subject: hi\r\n\r\nbody\r\n").unwrap(), id);
        assert_eq!(blobs.read(id).unwrap(), b"Subject: hi\r\n\r\nbody\r\n");
        let hex = id.to_string();
        assert!(dir.path().join("blobs").join(&hex[..2]).join(&hex[2..4]).join(&hex).is_file());
        assert_eq!(fs::read_dir(blobs.temp_dir()).unwrap().count(), 0);
    }

    #[test]
    fn streamed_writer_hashes_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let mut writer = blobs.writer().unwrap();
        for chunk in [&b"part one, "[..], b"part two"] {
            writer.write_all(chunk).unwrap();
        }
        assert_eq!(writer.len(), 18);
        let id = writer.finish().unwrap();
        assert_eq!(id, BlobId::of(b"part one, part two"));
        assert_eq!(blobs.size(id).unwrap(), 18);
    }

    #[test]
    fn dropped_writer_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let mut writer = blobs.writer().unwrap();
        writer.write_all(b"abandoned").unwrap();
        drop(writer);
        assert_eq!(fs::read_dir(blobs.temp_dir()).unwrap().count(), 0);
    }

    #[test]
    fn missing_blob_is_reported_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let id = BlobId::of(b"never stored");
        assert!(matches!(blobs.read(id), Err(StoreError::BlobMissing(missing)) if missing == id));
    }

    #[test]
    fn only_old_temp_files_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path()).unwrap();
        let old = blobs.temp_dir().join("old");
        let young = blobs.temp_dir().join("young");
        fs::write(&old, b"x").unwrap();
        fs::write(&young, b"y").unwrap();
        let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
        File::options().write(true).open(&old).unwrap().set_modified(two_hours_ago).unwrap();
        assert_eq!(blobs.remove_stale_temp_files(Duration::from_secs(3600)).unwrap(), 1);
        assert!(!old.exists() && young.exists());
    }
}
