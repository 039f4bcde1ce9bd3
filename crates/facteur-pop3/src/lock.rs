//! The maildrop lock (RFC 1939 §8: the server acquires an exclusive lock on the maildrop when a session enters
//! the TRANSACTION state): a second POP3 session for the same account is refused with `[IN-USE]` (RFC 2449
//! §8.1.1) while the first one lasts. Two POP3 clients deleting from one snapshot each is how people lose mail.
//!
//! IMAP is not locked out: it works on the live mailbox, and the store makes each change atomic.
//!
//! The registry is process-wide, not per [`crate::Pop3Server`], because the binary builds one server per
//! listener and a session on port 110 must see the lock taken on port 995. Entries are keyed by the store's
//! identity as well as the account, so independent servers in one process (tests) do not lock each other out.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use facteur_store::{AccountId, Store};

/// Which store, which account.
type LockKey = (usize, AccountId);

static LOCKED: Mutex<BTreeSet<LockKey>> = Mutex::new(BTreeSet::new());

/// Held for as long as a session is in the TRANSACTION state; dropping it (QUIT, a dropped connection, a
/// timeout, a panic unwinding the session) releases the maildrop.
#[derive(Debug)]
pub struct MaildropLock {
    key: LockKey,
}

impl MaildropLock {
    /// The lock on `account`'s maildrop in `store`, or `None` if another session holds it.
    pub fn acquire(store: &Arc<dyn Store>, account: AccountId) -> Option<MaildropLock> {
        // The address of the store object: the same for every listener sharing it, and it cannot be reused
        // while a lock exists, because the session holding the lock also holds the store.
        let store_identity = Arc::as_ptr(store).cast::<()>() as usize;
        let key = (store_identity, account);
        let newly_taken = LOCKED.lock().unwrap_or_else(PoisonError::into_inner).insert(key);
        newly_taken.then_some(MaildropLock { key })
    }
}

impl Drop for MaildropLock {
    fn drop(&mut self) {
        LOCKED.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.key);
    }
}
