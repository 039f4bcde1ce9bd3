//! Where a message's bytes live: small ones inline in the database, large ones in blob files.
//!
//! Why: a blob file costs two or three fsyncs of its own (file, rename, directory) that group commit cannot
//! share, which caps deliveries far below what the database does. An inline row is written in the batch's
//! transaction, so the batch's one fsync makes it durable with the rows that reference it. Large messages
//! (attachments) stay files: they would bloat the WAL and every checkpoint, and the file's own fsyncs are
//! small next to writing megabytes.
//!
//! Which one a blob is never changes while it has a row: a `blob_content` row means inline, none means file.
//! The placement chosen for new content only matters when the content creates the blob's row.

use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension};

use crate::blob::{BlobId, BlobStore};
use crate::error::{Result, StoreError};
use crate::sqlite::blobrefs;

/// Content at or below this size goes inline unless the store is opened with another threshold.
///
/// Measured with `examples/deliver_bench.rs` (2 shared cores, about 3,100 fsyncs/s; figures vary by a third
/// from run to run), deliveries per second for 1 / 10 / 50 concurrent tasks:
/// - 5 KB: inline 1,640 / 2,180 / 2,910, files 415 / 1,230 / 800;
/// - 64 KiB: inline 290–780 / 610–1,200 / 530–810, files 90–170 / 620–930 / 700–940;
/// - 128 KiB: inline 300–355 / 440–490 / 530, files 60–230 / 420–620 / 260–550: still level or ahead;
/// - 512 KiB (10 tasks): inline 170, files 350. Past the threshold, writing every byte twice (WAL, then
///   checkpoint) inside the one writer costs more than a file's own fsyncs.
pub const DEFAULT_INLINE_MAX: usize = 128 * 1024;

/// Where new content goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A row of `blob_content`, in the delivery's own transaction.
    Inline,
    /// A blob file, written (and fsynced) before the transaction.
    File,
}

/// A message's bytes on their way to the writer, with their address and placement.
#[derive(Debug)]
pub(crate) struct Content {
    pub id: BlobId,
    bytes: Arc<[u8]>,
    placement: Placement,
}

impl Content {
    /// Hashes `bytes` and picks their placement; large content is written to its file now, so that the
    /// writer thread (which every delivery waits on) does no file I/O in the common case. Blocking.
    pub fn place(blobs: &BlobStore, bytes: Arc<[u8]>, inline_max: usize) -> Result<Content> {
        if bytes.len() <= inline_max {
            return Ok(Content { id: BlobId::of(&bytes), bytes, placement: Placement::Inline });
        }
        let id = blobs.put(&bytes)?;
        Ok(Content { id, bytes, placement: Placement::File })
    }

    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Takes `count` references on the content's blob. If the blob has no row yet, the content is stored
    /// first, as placed: inline in this transaction, or as a file.
    ///
    /// Race-free by construction: this runs in the writer, holding SQLite's write lock, which every removal
    /// of a released blob's file also holds (`blobrefs::remove_released`). A file that
    /// [`BlobStore::put`] found present (and so did not write) may have been removed since, when its last
    /// reference went in the meantime; it is written again here, under the lock, where nothing can remove it
    /// before the commit makes the new row visible.
    pub fn acquire(&self, conn: &Connection, blobs: &BlobStore, count: u64, summary: Option<&[u8]>) -> Result<()> {
        if blobrefs::add_references(conn, self.id, count, summary)?.is_some() {
            return Ok(());
        }
        blobrefs::insert_row(conn, self.id, self.len(), count, summary)?;
        match self.placement {
            Placement::Inline => {
                conn.prepare_cached("INSERT INTO blob_content (id, content) VALUES (?1, ?2)")?
                    .execute(rusqlite::params![self.id, &self.bytes[..]])?;
            }
            Placement::File if blobs.contains(self.id) => {}
            Placement::File => {
                tracing::debug!(blob = %self.id, "blob file removed since it was put; writing it again");
                blobs.put(&self.bytes)?;
            }
        }
        Ok(())
    }
}

/// The inline content of a referenced blob: NULL inside a row for a file blob, no row for an unreferenced one.
/// A subquery, not `blobs LEFT JOIN blob_content … WHERE b.id = ?1`: SQLite re-prepares that join each time
/// the parameter is rebound (the planner derives `c.id = ?1` from it), which cost IMAP FETCH a quarter of
/// its CPU.
const READ_CONTENT: &str = "SELECT (SELECT content FROM blob_content WHERE id = ?1) FROM blobs WHERE id = ?1";

/// A referenced blob's inline content, or `None` when its content is a file (read it with
/// [`BlobStore::read`], off the async threads). `BlobMissing` if nothing references it: a file with no row is
/// an orphan (a refused delivery's, or one about to be removed) and not content to serve.
pub(crate) fn read_inline(conn: &Connection, id: BlobId) -> Result<Option<Vec<u8>>> {
    let found: Option<Option<Vec<u8>>> =
        conn.prepare_cached(READ_CONTENT)?.query_row([id], |row| row.get(0)).optional()?;
    found.ok_or(StoreError::BlobMissing(id))
}

/// The first `len` bytes of a referenced blob's inline content, through incremental BLOB I/O so the overflow
/// pages past them are not read; `None` when its content is a file. `BlobMissing` as for [`read_inline`].
pub(crate) fn read_inline_prefix(conn: &Connection, id: BlobId, len: u64) -> Result<Option<Vec<u8>>> {
    let found: Option<Option<i64>> = conn
        .prepare_cached("SELECT (SELECT rowid FROM blob_content WHERE id = ?1) FROM blobs WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    let Some(row) = found.ok_or(StoreError::BlobMissing(id))? else { return Ok(None) };
    let blob = conn.blob_open(rusqlite::MAIN_DB, "blob_content", "content", row, true)?;
    let len = usize::try_from(len).unwrap_or(usize::MAX).min(blob.len());
    let mut prefix = vec![0; len];
    blob.read_at_exact(&mut prefix, 0)?;
    Ok(Some(prefix))
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use super::*;

    #[test]
    fn reading_content_reuses_its_prepared_statement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facteur.db");
        let mut writer = crate::sqlite::schema::open_writer(&path).unwrap();
        crate::sqlite::schema::migrate(&mut writer).unwrap();
        let id = BlobId::of(&[2, 3]);
        writer.execute("INSERT INTO blobs (id, size, refcount) VALUES (?1, 2, 1)", [id]).unwrap();
        writer.execute("INSERT INTO blob_content (id, content) VALUES (?1, x'0203')", [id]).unwrap();
        let reader = crate::sqlite::schema::open_reader(&path).unwrap();
        for _ in 0..3 {
            let tx = reader.unchecked_transaction().unwrap();
            assert_eq!(read_inline(&tx, id).unwrap().unwrap(), [2, 3]);
            assert_eq!(read_inline_prefix(&tx, id, 1).unwrap().unwrap(), [2]);
            assert_eq!(read_inline_prefix(&tx, id, 9).unwrap().unwrap(), [2, 3]);
            tx.finish().unwrap();
            writer.execute_batch("UPDATE blobs SET refcount = refcount + 1").unwrap();
        }
        let statement = reader.prepare_cached(READ_CONTENT).unwrap();
        assert_eq!(statement.get_status(StatementStatus::RePrepare), 0);
    }

    /// `keep_plans`: without QPSG, SQLite re-prepared this range query at every call.
    #[test]
    fn range_queries_reuse_their_prepared_statement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facteur.db");
        crate::sqlite::schema::migrate(&mut crate::sqlite::schema::open_writer(&path).unwrap()).unwrap();
        let reader = crate::sqlite::schema::open_reader(&path).unwrap();
        let sql = "SELECT uid FROM messages WHERE mailbox = ?1 AND modseq > ?2 ORDER BY uid";
        for mailbox in 1..4 {
            let rows = reader
                .prepare_cached(sql)
                .unwrap()
                .query_map([mailbox, 0], |row| row.get::<_, i64>(0))
                .unwrap()
                .count();
            assert_eq!(rows, 0);
        }
        assert_eq!(reader.prepare_cached(sql).unwrap().get_status(StatementStatus::RePrepare), 0);
    }
}
