//! A cache of decoded message summaries. Summaries belong to content-addressed, immutable blobs, so a cached
//! one can never be stale; the cache only saves a store round trip and a decode per message on the FETCH
//! and SEARCH paths that clients repeat most (header-first synchronisation).
//!
//! The cache is bounded by the size of what it holds, not only by a count: a summary is small for ordinary
//! mail but several megabytes for a hostile message of 10,000 parts, and a count alone let a few hundred of
//! those pin gigabytes (bench/memory_hostile.sh grew 3.5 MB per round, for good).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use facteur_message::{MessageSummary, ingest};
use facteur_store::{BlobId, MessageMeta, Store};

/// Summaries kept at most; beyond, the cache starts afresh (cheap, and bounded memory is what matters).
const CAPACITY: usize = 4096;
/// Encoded summary bytes kept at most (the encoded size stands for the decoded one, which is a small multiple
/// of it); beyond, the cache starts afresh. Ordinary summaries take 1–2 KB: this holds thousands.
const BUDGET: usize = 8 * 1024 * 1024;
/// A summary larger than this is not kept: it is read again when asked for, so it never crowds the others out.
const LARGEST_KEPT: usize = BUDGET / 32;

#[derive(Debug, Default)]
pub struct SummaryCache {
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    summaries: HashMap<BlobId, Arc<MessageSummary>>,
    /// Encoded bytes of the summaries held.
    weight: usize,
}

impl SummaryCache {
    /// The summary of `meta`'s message: cached, stored, or computed from the content if the stored one is
    /// missing or unreadable. `None` when the content is gone (expunged meanwhile by another session).
    pub async fn get(&self, store: &dyn Store, meta: &MessageMeta) -> Option<Arc<MessageSummary>> {
        if let Some(summary) = self.lock().summaries.get(&meta.blob) {
            return Some(Arc::clone(summary));
        }
        let stored = store.message_summary(meta.blob).await.ok().flatten();
        let decoded = stored.and_then(|bytes| Some((MessageSummary::from_bytes(&bytes).ok()?, bytes.len())));
        let (summary, weight) = match decoded {
            Some(decoded) => decoded,
            None => {
                let summary = ingest(&store.read_blob(meta.blob).await.ok()?);
                let weight = summary.to_bytes().len();
                (summary, weight)
            }
        };
        let summary = Arc::new(summary);
        self.lock().insert(meta.blob, Arc::clone(&summary), weight);
        Some(summary)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Entries {
    /// Keeps `summary`, which takes `weight` encoded bytes, unless it is too large to keep.
    fn insert(&mut self, blob: BlobId, summary: Arc<MessageSummary>, weight: usize) {
        if weight > LARGEST_KEPT {
            return;
        }
        if self.summaries.len() >= CAPACITY || self.weight + weight > BUDGET {
            self.summaries.clear();
            self.weight = 0;
        }
        if self.summaries.insert(blob, summary).is_none() {
            self.weight += weight;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(n: u32) -> BlobId {
        BlobId::of(&n.to_be_bytes())
    }

    #[test]
    fn a_summary_too_large_to_keep_is_not_kept() {
        let mut entries = Entries::default();
        entries.insert(blob(1), Arc::default(), LARGEST_KEPT + 1);
        assert!(entries.summaries.is_empty());
        assert_eq!(entries.weight, 0);
    }

    #[test]
    fn the_held_weight_never_passes_the_budget() {
        let mut entries = Entries::default();
        for n in 0..200 {
            entries.insert(blob(n), Arc::default(), LARGEST_KEPT);
            assert!(entries.weight <= BUDGET, "{} bytes held after {n} inserts", entries.weight);
            assert!(entries.summaries.contains_key(&blob(n)), "the newest summary is kept");
        }
    }

    #[test]
    fn the_same_blob_twice_weighs_once() {
        let mut entries = Entries::default();
        entries.insert(blob(1), Arc::default(), 1000);
        entries.insert(blob(1), Arc::default(), 1000);
        assert_eq!(entries.weight, 1000);
    }
}
