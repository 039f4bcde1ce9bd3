//! The background indexer: reads the messages the full-text index lacks (delivered since it last ran, stored
//! before the index existed or while it was off, put back by `facteur reindex`) and gives the store their text,
//! a batch at a time. The work list is in the store, written with each message, so an indexer stopped half-way
//! (a restart, a crash) goes on where it was; searches read the messages still listed, so results never wait.
//!
//! It works when deliveries pause: indexing takes the store's one writer, which is what limits the rate mail is
//! accepted at, so while the list grows (mail arriving) it waits, unless the list grows long, since every search
//! reads the messages on it.

use std::sync::Arc;
use std::time::Duration;

use facteur_message::Searchable;
use facteur_net::ShutdownSignal;
use facteur_primitives::SearchText;
use facteur_store::{BlobId, Store, StoreError};
use tracing::{debug, info, warn};

/// Messages read and indexed per store operation: one FTS5 segment each.
const BATCH: usize = 256;

/// How often the indexer looks at the list.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Messages waiting beyond which the indexer works even while mail arrives. A search reads every waiting message
/// (about 2 s for 20,000 here), so this bounds how slow a search after a long burst can be; at 5,000 the
/// benchmark's own bursts of 5,000 messages kept the indexer at work beside acceptance (20% of its rate).
const MAX_BACKLOG: usize = 20_000;

/// Runs until `stopping`: every [`LOOK_EVERY`], indexes what is listed once the list stops growing, and stops
/// again as soon as it grows (mail arriving), unless it is long.
pub async fn run(store: Arc<dyn Store>, mut stopping: ShutdownSignal) {
    let mut waiting_before = 0;
    loop {
        match index_while_quiet(store.as_ref(), &stopping, waiting_before).await {
            Ok(waiting) => waiting_before = waiting,
            Err(error) => warn!(%error, "full-text index: could not index new messages; trying again later"),
        }
        tokio::select! {
            () = stopping.triggered() => return,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }
}

/// Indexes batch after batch while no mail arrives; returns how many messages the list holds then (capped at
/// [`MAX_BACKLOG`]), for the next look to compare.
async fn index_while_quiet(
    store: &dyn Store,
    stopping: &ShutdownSignal,
    waiting_before: usize,
) -> Result<usize, StoreError> {
    let mut waiting = store.text_pending(MAX_BACKLOG).await?.len();
    if arriving(waiting, waiting_before) {
        return Ok(waiting);
    }
    let mut indexed = 0;
    while !stopping.is_triggered() {
        let batch = index_batch(store).await?;
        indexed += batch;
        let now = store.text_pending(MAX_BACKLOG).await?.len();
        if batch == 0 || arriving(now, waiting.saturating_sub(batch)) {
            debug!(messages = indexed, waiting = now, "full-text index: indexed new messages");
            return Ok(now);
        }
        waiting = now;
    }
    Ok(waiting)
}

/// Whether to wait: nothing to do, or the list grew since the last look (mail arriving) and is not long yet.
fn arriving(waiting: usize, waiting_before: usize) -> bool {
    waiting == 0 || (waiting > waiting_before && waiting < MAX_BACKLOG)
}

/// Indexes pending messages until none is left (or `stopping` is triggered between batches); returns how many.
pub async fn catch_up(store: &dyn Store, stopping: Option<&ShutdownSignal>) -> Result<u64, StoreError> {
    let mut indexed = 0;
    while !stopping.is_some_and(ShutdownSignal::is_triggered) {
        let batch = index_batch(store).await?;
        if batch == 0 {
            break;
        }
        indexed += batch as u64;
        if indexed % (BATCH as u64 * 16) == 0 {
            info!(messages = indexed, "full-text index: indexing pending messages");
        }
    }
    Ok(indexed)
}

/// Indexes the next [`BATCH`] listed messages in one store operation; returns how many (0: none was listed).
async fn index_batch(store: &dyn Store) -> Result<usize, StoreError> {
    let pending = store.text_pending(BATCH).await?;
    let mut texts = Vec::with_capacity(pending.len());
    for blob in pending {
        texts.push((blob, text_of(store, blob).await?));
    }
    let count = texts.len();
    if count > 0 {
        store.index_texts(texts).await?;
    }
    Ok(count)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_indexer_waits_while_mail_arrives_unless_the_list_is_long() {
        assert!(arriving(0, 0), "nothing to do");
        assert!(arriving(10, 0), "ten more since the last look");
        assert!(!arriving(10, 10), "none since: index now");
        assert!(!arriving(MAX_BACKLOG, 10), "too many waiting: index even now");
    }
}
