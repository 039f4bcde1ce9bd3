//! Blob reference counts, and the removal of blob files nothing references.
//!
//! A file is deleted only while holding SQLite's write lock and after checking that no row references it, so
//! a concurrent writer (in this process or another, e.g. the CLI) cannot reference a blob whose file is
//! going away: it either sees the row (and the file is kept) or sees the file gone and gets `BlobMissing`.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::blob::{BlobId, BlobStore};
use crate::error::Result;
use crate::sqlite::cached::CachedStatements;
use crate::sqlite::columns::{to_i64, to_u64};
use crate::sqlite::writer::Effects;

/// Orphan blob files (no row) younger than this are left alone: their writer may be between writing the file
/// and committing the row that references it, possibly in another process.
pub(crate) const ORPHAN_AGE: Duration = Duration::from_secs(3600);

/// Takes `count` references on a blob and returns its size. The first reference creates the row, which
/// requires the file to be there; `summary` fills in a missing one.
pub(crate) fn acquire(
    conn: &Connection,
    blobs: &BlobStore,
    id: BlobId,
    count: u64,
    summary: Option<&[u8]>,
) -> Result<u64> {
    if let Some(size) = add_references(conn, id, count, summary)? {
        return Ok(size);
    }
    let size = blobs.size(id)?;
    insert_row(conn, id, size, count, summary)?;
    Ok(size)
}

/// Adds `count` references to an existing row (filling in a missing summary) and returns the blob's size;
/// `None` if the blob has no row, i.e. no reference yet.
pub(crate) fn add_references(conn: &Connection, id: BlobId, count: u64, summary: Option<&[u8]>) -> Result<Option<u64>> {
    let size: Option<i64> = conn
        .query_row_cached(
            "UPDATE blobs SET refcount = refcount + ?2 WHERE id = ?1 RETURNING size",
            params![id, to_i64(count)?],
            |row| row.get(0),
        )
        .optional()?;
    let Some(size) = size else { return Ok(None) };
    if let Some(summary) = summary {
        conn.execute_cached(
            "INSERT OR IGNORE INTO blob_summaries (id, summary) VALUES (?1, ?2)",
            params![id, summary],
        )?;
    }
    Ok(Some(to_u64(size)))
}

/// Creates the row of a blob's first references. Its content must be durable already: a file, or an inline
/// row written in the same transaction right after.
pub(crate) fn insert_row(conn: &Connection, id: BlobId, size: u64, count: u64, summary: Option<&[u8]>) -> Result<()> {
    conn.execute_cached(
        "INSERT INTO blobs (id, size, refcount) VALUES (?1, ?2, ?3)",
        params![id, to_i64(size)?, to_i64(count)?],
    )?;
    if let Some(summary) = summary {
        conn.execute_cached("INSERT INTO blob_summaries (id, summary) VALUES (?1, ?2)", params![id, summary])?;
    }
    Ok(())
}

/// Drops `count` references; at zero the row goes (with its summary and inline content, by `ON DELETE CASCADE`) and the
/// file, if any, is removed after the commit.
pub(crate) fn release(conn: &Connection, effects: &mut Effects, id: BlobId, count: u64) -> Result<()> {
    conn.execute_cached("UPDATE blobs SET refcount = refcount - ?2 WHERE id = ?1", params![id, to_i64(count)?])?;
    let deleted = conn.execute_cached("DELETE FROM blobs WHERE id = ?1 AND refcount <= 0", [id])?;
    if deleted > 0 {
        effects.released(id);
    }
    Ok(())
}

/// Removes the files of blobs released by a committed batch, unless another writer referenced them again.
pub(crate) fn remove_released(conn: &mut Connection, blobs: &BlobStore, released: &[BlobId]) {
    if released.is_empty() {
        return;
    }
    if let Err(error) = remove_unreferenced(conn, blobs, released) {
        // Harmless: the file is an orphan now, and the sweep at the next open removes it.
        tracing::warn!(%error, "could not remove released blob files");
    }
}

/// Sweep at open: stale temporary files, and blob files with no row that are older than [`ORPHAN_AGE`].
pub(crate) fn sweep_orphans(conn: &mut Connection, blobs: &BlobStore) -> Result<()> {
    let temp = blobs.remove_stale_temp_files(ORPHAN_AGE)?;
    let candidates = blobs.blobs_older_than(ORPHAN_AGE)?;
    let orphans = remove_unreferenced(conn, blobs, &candidates)?;
    if temp + orphans > 0 {
        tracing::info!(temp, orphans, "swept unreferenced blob files");
    }
    Ok(())
}

/// Deletes the files among `ids` that no row references, under the write lock. Returns how many.
///
/// Not while a backup runs (`BlobStore::hold_removals`): its database snapshot may be older than the write
/// that released a blob, and still reference it. The files are kept, orphans for the next open's sweep.
fn remove_unreferenced(conn: &mut Connection, blobs: &BlobStore, ids: &[BlobId]) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let Some(_permit) = blobs.removal_permit()? else {
        tracing::info!(files = ids.len(), "a backup is running: released blob files are kept until a later sweep");
        return Ok(0);
    };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut removed = 0;
    for &id in ids {
        let referenced = tx.query_row_cached("SELECT 1 FROM blobs WHERE id = ?1", [id], |_| Ok(())).optional()?;
        if referenced.is_none() {
            blobs.remove(id)?;
            removed += 1;
        }
    }
    // Nothing was written: the commit only releases the lock.
    tx.commit()?;
    Ok(removed)
}

/// The row's summary, `None` if the blob has no row or no summary.
pub(crate) fn summary(conn: &Connection, id: BlobId) -> Result<Option<Vec<u8>>> {
    Ok(conn.query_row_cached("SELECT summary FROM blob_summaries WHERE id = ?1", [id], |row| row.get(0)).optional()?)
}
