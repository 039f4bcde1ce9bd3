//! A cache of decoded message summaries. Summaries belong to content-addressed, immutable blobs, so a cached
//! one can never be stale; the cache only saves a store round trip and a decode per message on the FETCH
//! and SEARCH paths that clients repeat most (header-first synchronisation).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use facteur_message::{MessageSummary, ingest};
use facteur_store::{BlobId, MessageMeta, Store};

/// Summaries kept at most; beyond, the cache starts afresh (cheap, and bounded memory is what matters).
const CAPACITY: usize = 4096;

#[derive(Debug, Default)]
pub struct SummaryCache {
    entries: Mutex<HashMap<BlobId, Arc<MessageSummary>>>,
}

impl SummaryCache {
    /// The summary of `meta`'s message: cached, stored, or computed from the content if the stored one is
    /// missing or unreadable. `None` when the content is gone (expunged meanwhile by another session).
    pub async fn get(&self, store: &dyn Store, meta: &MessageMeta) -> Option<Arc<MessageSummary>> {
        if let Some(summary) = self.lock().get(&meta.blob) {
            return Some(Arc::clone(summary));
        }
        let stored = store.message_summary(meta.blob).await.ok().flatten();
        let summary = match stored.and_then(|bytes| MessageSummary::from_bytes(&bytes).ok()) {
            Some(summary) => summary,
            None => ingest(&store.read_blob(meta.blob).await.ok()?),
        };
        let summary = Arc::new(summary);
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(meta.blob, Arc::clone(&summary));
        Some(summary)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BlobId, Arc<MessageSummary>>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
