//! Named leases: one holder at a time, for a while ([`crate::Store::try_lease`]).
//!
//! What they are for: the POP3 maildrop lock (RFC 1939 §8: one session at a time on a maildrop, whichever
//! node it reached) and one ACME order at a time among the nodes serving the same names. A lease ends when
//! its holder releases it or, if the holder's node died, when its time runs out: nothing stays locked
//! forever, and a holder that lasts renews its lease by taking it again.
//!
//! On PostgreSQL leases are rows every node sees; on SQLite (one node) they live in the store object's
//! memory, so a POP3 login writes nothing to disk.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Who holds a lease: this process (its pid and a random number drawn once, so two processes never share a
/// name, even on two machines with the same pid) and what in it holds the lease, e.g. `pop3 session 12`.
pub fn holder(what: &str) -> String {
    format!("{}/{what}", process_identity())
}

/// A number for each holder of this process that needs one (a POP3 session, say): never the same twice.
pub fn next_holder_number() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn process_identity() -> &'static str {
    static IDENTITY: OnceLock<String> = OnceLock::new();
    IDENTITY.get_or_init(|| {
        let mut bytes = [0u8; 6];
        // Without randomness the pid alone still tells processes of one machine apart.
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
        let random: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("pid {} {random}", std::process::id())
    })
}

/// The leases of a store used by one process (SQLite): a map in memory, with the rules PostgreSQL's
/// `leases` table follows.
#[derive(Debug, Default)]
pub(crate) struct LocalLeases {
    held: Mutex<HashMap<String, (String, i64)>>,
}

impl LocalLeases {
    /// See [`crate::Store::try_lease`].
    pub(crate) fn try_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> bool {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let free = match held.get(name) {
            None => true,
            Some((current, expires)) => current == holder || *expires <= now,
        };
        if free {
            held.insert(name.to_owned(), (holder.to_owned(), until));
        }
        free
    }

    /// See [`crate::Store::release_lease`].
    pub(crate) fn release(&self, name: &str, holder: &str) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.get(name).is_some_and(|(current, _)| current == holder) {
            held.remove(name);
        }
    }
}
