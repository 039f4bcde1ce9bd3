//! Message content in the database: reference-counted blob rows, the bytes in chunks, and the local staging
//! files behind [`crate::Store::blobs`].
//!
//! Chunks, not one `bytea` per message: PostgreSQL reads a value whole, and a FETCH of a large message's
//! headers should read its first chunk only. The content of a blob is written once, with its row, by the
//! transaction that takes its first reference; a node racing to store the same content hits the primary
//! key, and its transaction runs again and finds the row.

use std::time::Duration;

use crate::blob::{BlobId, BlobStore};
use crate::error::{Result, StoreError};
use crate::postgres::Effects;
use crate::postgres::sql::{Tx, exec, row, rows, to_i64, to_u64, value};

/// Bytes per `blob_chunks` row.
pub(crate) const CHUNK: usize = 256 * 1024;

/// Staged files with no blob row younger than this are kept: their delivery may not have committed yet.
pub(crate) const STAGED_AGE: Duration = Duration::from_secs(3600);

/// Takes `count` references on `id` and returns its size. The first reference stores the content, which
/// must then be given (`BlobMissing` otherwise); `summary` fills in a missing one.
pub(crate) async fn acquire(
    tx: &Tx<'_>,
    id: BlobId,
    content: Option<&[u8]>,
    count: u64,
    summary: Option<&[u8]>,
) -> Result<u64> {
    let key = &id.0[..];
    let size: Option<i64> =
        value(tx, "UPDATE blobs SET refcount = refcount + $2 WHERE id = $1 RETURNING size", &[&key, &to_i64(count)?])
            .await?;
    let size = match (size, content) {
        (Some(size), _) => to_u64(size),
        (None, Some(bytes)) => {
            insert(tx, id, bytes, count).await?;
            bytes.len() as u64
        }
        (None, None) => return Err(StoreError::BlobMissing(id)),
    };
    if let Some(summary) = summary {
        exec(tx, "INSERT INTO blob_summaries (id, summary) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&key, &summary])
            .await?;
    }
    Ok(size)
}

/// The row of a blob's first references, and its content.
pub(crate) async fn insert(tx: &Tx<'_>, id: BlobId, bytes: &[u8], count: u64) -> Result<()> {
    let key = &id.0[..];
    let size = to_i64(bytes.len() as u64)?;
    exec(tx, "INSERT INTO blobs (id, size, refcount) VALUES ($1, $2, $3)", &[&key, &size, &to_i64(count)?]).await?;
    for (seq, chunk) in bytes.chunks(CHUNK).enumerate() {
        let seq = i32::try_from(seq).map_err(|_| StoreError::Corrupt(format!("blob {id} has too many chunks")))?;
        exec(tx, "INSERT INTO blob_chunks (id, seq, data) VALUES ($1, $2, $3)", &[&key, &seq, &chunk]).await?;
    }
    Ok(())
}

/// Drops `count` references; at zero the row goes, with its chunks and summary (`ON DELETE CASCADE`).
pub(crate) async fn release(tx: &Tx<'_>, effects: &mut Effects, id: BlobId, count: u64) -> Result<()> {
    let key = &id.0[..];
    let left: Option<i64> = value(
        tx,
        "UPDATE blobs SET refcount = refcount - $2 WHERE id = $1 RETURNING refcount",
        &[&key, &to_i64(count)?],
    )
    .await?;
    if left.is_some_and(|left| left <= 0) {
        exec(tx, "DELETE FROM blobs WHERE id = $1", &[&key]).await?;
        effects.released(id);
    }
    Ok(())
}

/// The whole content of a referenced blob; `BlobMissing` if nothing references it.
pub(crate) async fn read(tx: &Tx<'_>, id: BlobId) -> Result<Vec<u8>> {
    read_chunks(tx, id, i32::MAX).await
}

/// The first `len` bytes of a referenced blob, reading only the chunks that hold them.
pub(crate) async fn read_prefix(tx: &Tx<'_>, id: BlobId, len: u64) -> Result<Vec<u8>> {
    let chunks = len.div_ceil(CHUNK as u64);
    let mut prefix = read_chunks(tx, id, i32::try_from(chunks).unwrap_or(i32::MAX)).await?;
    prefix.truncate(usize::try_from(len).unwrap_or(usize::MAX));
    Ok(prefix)
}

async fn read_chunks(tx: &Tx<'_>, id: BlobId, chunks: i32) -> Result<Vec<u8>> {
    let key = &id.0[..];
    let size: i64 =
        value(tx, "SELECT size FROM blobs WHERE id = $1", &[&key]).await?.ok_or(StoreError::BlobMissing(id))?;
    let found =
        rows(tx, "SELECT data FROM blob_chunks WHERE id = $1 AND seq < $2 ORDER BY seq", &[&key, &chunks]).await?;
    let mut content = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(CHUNK * found.len()));
    for chunk in found {
        content.extend_from_slice(chunk.try_get::<_, &[u8]>(0)?);
    }
    Ok(content)
}

/// The summary kept with the blob, if any.
pub(crate) async fn summary(tx: &Tx<'_>, id: BlobId) -> Result<Option<Vec<u8>>> {
    let key = &id.0[..];
    Ok(row(tx, "SELECT summary FROM blob_summaries WHERE id = $1", &[&key]).await?.map(|r| r.try_get(0)).transpose()?)
}

/// Removes the staged files among `ids` whose blob has no row (any more). Returns how many went. A file is
/// only a copy of content the database holds (or an orphan), so removing one too many costs at most a
/// streamed APPEND that must be sent again (`BlobMissing`), as with SQLite's files.
pub(crate) async fn remove_staged(client: &deadpool_postgres::Client, blobs: &BlobStore, ids: &[BlobId]) -> usize {
    if ids.is_empty() {
        return 0;
    }
    let mut unreferenced = Vec::new();
    for id in ids {
        match client.query_opt("SELECT 1 FROM blobs WHERE id = $1", &[&&id.0[..]]).await {
            Ok(None) => unreferenced.push(*id),
            Ok(Some(_)) => {}
            Err(error) => {
                tracing::warn!(%error, "could not check staged files");
                return 0;
            }
        }
    }
    let blobs = blobs.clone();
    let removed = tokio::task::spawn_blocking(move || {
        unreferenced.into_iter().filter(|&id| blobs.contains(id) && blobs.remove(id).is_ok()).count()
    });
    removed.await.unwrap_or(0)
}
