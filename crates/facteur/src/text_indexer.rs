//! The background indexer. Every second it moves the text of messages just delivered into the full-text index,
//! hundreds at a time (a delivery only stages it: `facteur-store/src/sqlite/text_index.rs` says why), then reads
//! the messages the index lacks (stored before it existed, while it was off, or put back by `facteur reindex`)
//! and gives the store their text, a batch at a time. The work lists are in the store, so an indexer stopped
//! half-way (a restart, a crash) goes on where it was; searches read or check what is still listed, so results
//! never wait for it.

use std::sync::Arc;
use std::time::Duration;

use facteur_message::Searchable;
use facteur_net::ShutdownSignal;
use facteur_primitives::SearchText;
use facteur_store::{BlobId, Store, StoreError};
use tracing::{debug, info, warn};

/// Messages read and indexed per store transaction.
const BATCH: usize = 64;

/// Staged texts moved into the index per store operation: one FTS5 segment each.
const STAGED_BATCH: usize = 512;

/// How often the indexer looks for work.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Runs until `stopping`: indexes what was delivered and whatever is pending, then looks again every
/// [`LOOK_EVERY`].
pub async fn run(store: Arc<dyn Store>, mut stopping: ShutdownSignal) {
    loop {
        match move_staged(store.as_ref()).await {
            Ok(0) => {}
            Ok(moved) => debug!(messages = moved, "full-text index: indexed new messages"),
            Err(error) => warn!(%error, "full-text index: could not index new messages; trying again later"),
        }
        match catch_up(store.as_ref(), Some(&stopping)).await {
            Ok(0) => {}
            Ok(indexed) => info!(messages = indexed, "full-text index: caught up"),
            Err(error) => warn!(%error, "full-text index: could not index pending messages; trying again later"),
        }
        tokio::select! {
            () = stopping.triggered() => return,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }
}

/// Moves every staged text into the index, [`STAGED_BATCH`] at a time; returns how many.
pub async fn move_staged(store: &dyn Store) -> Result<usize, StoreError> {
    let mut moved = 0;
    loop {
        let batch = store.index_staged(STAGED_BATCH).await?;
        moved += batch;
        if batch < STAGED_BATCH {
            return Ok(moved);
        }
    }
}

/// Indexes pending messages until none is left (or `stopping` is triggered between batches); returns how many.
pub async fn catch_up(store: &dyn Store, stopping: Option<&ShutdownSignal>) -> Result<u64, StoreError> {
    let mut indexed = 0;
    loop {
        if stopping.is_some_and(ShutdownSignal::is_triggered) {
            return Ok(indexed);
        }
        let pending = store.text_pending(BATCH).await?;
        if pending.is_empty() {
            return Ok(indexed);
        }
        let mut texts = Vec::with_capacity(pending.len());
        for blob in pending {
            texts.push((blob, text_of(store, blob).await?));
        }
        indexed += texts.len() as u64;
        store.index_texts(texts).await?;
        if indexed % (BATCH as u64 * 64) == 0 {
            info!(messages = indexed, "full-text index: indexing pending messages");
        }
    }
}

/// The text of a stored message; a message gone meanwhile (its last copy expunged) has none, which takes it off
/// the list all the same (the store skips a blob it no longer has).
async fn text_of(store: &dyn Store, blob: BlobId) -> Result<SearchText, StoreError> {
    let content = match store.read_blob(blob).await {
        Ok(content) => content,
        Err(StoreError::BlobMissing(_)) => return Ok(SearchText::default()),
        Err(error) => return Err(error),
    };
    let text = tokio::task::spawn_blocking(move || {
        let summary = facteur_message::ingest(&content);
        Searchable::for_index(&content, &summary.body)
    });
    text.await.map_err(|_| StoreError::Closed)
}
