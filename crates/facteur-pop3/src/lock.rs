//! The maildrop lock (RFC 1939 §8: the server acquires an exclusive lock on the maildrop when a session enters
//! the TRANSACTION state): a second POP3 session for the same account is refused with `[IN-USE]` (RFC 2449
//! §8.1.1) while the first one lasts. Two POP3 clients deleting from one snapshot each is how people lose mail.
//!
//! IMAP is not locked out: it works on the live mailbox, and the store makes each change atomic.
//!
//! The lock is a lease of the store ([`Store::try_lease`]), so a session on one node of a PostgreSQL
//! installation locks out sessions on every other node, and with SQLite (one node) it stays in the store's
//! memory: nothing is written per login. Every listener of the process shares the store, so a session on
//! port 110 sees the lock taken on port 995. The lease runs for [`LEASE`] and the session renews it every
//! [`RENEW_EVERY`]: if its node dies, the maildrop is free again within [`LEASE`].

use std::sync::Arc;
use std::time::Duration;

use facteur_primitives::unix_now;
use facteur_store::{AccountId, Store, StoreError, lease};
use tokio::task::JoinHandle;
use tracing::warn;

/// How long a lease lasts unless renewed: how long a crashed node's session keeps others out.
const LEASE: Duration = Duration::from_secs(60);
/// How often a session renews its lease: three chances before it runs out.
const RENEW_EVERY: Duration = Duration::from_secs(20);

/// Held for as long as a session is in the TRANSACTION state. [`MaildropLock::release`] gives it up before
/// QUIT is answered; dropping it (a dropped connection, a timeout, a panic unwinding the session) releases it
/// soon after.
pub struct MaildropLock {
    store: Arc<dyn Store>,
    name: String,
    holder: String,
    renewal: JoinHandle<()>,
    released: bool,
}

impl std::fmt::Debug for MaildropLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaildropLock").field("name", &self.name).field("holder", &self.holder).finish_non_exhaustive()
    }
}

impl MaildropLock {
    /// The lock on `account`'s maildrop, or `None` if another session holds it (on any node).
    pub async fn acquire(store: &Arc<dyn Store>, account: AccountId) -> Result<Option<MaildropLock>, StoreError> {
        let name = format!("pop3 maildrop {}", account.0);
        let holder = lease::holder(&format!("pop3 session {}", lease::next_holder_number()));
        if !store.try_lease(&name, &holder, unix_now(), expiry()).await? {
            return Ok(None);
        }
        let renewal = tokio::spawn(renew(Arc::clone(store), name.clone(), holder.clone()));
        Ok(Some(MaildropLock { store: Arc::clone(store), name, holder, renewal, released: false }))
    }

    /// Gives the maildrop up now, so that a client that logs in again right after QUIT (on any node) gets in.
    pub async fn release(mut self) {
        self.renewal.abort();
        self.released = true;
        if let Err(error) = self.store.release_lease(&self.name, &self.holder).await {
            warn!(%error, lock = %self.name, "could not release the maildrop lock; it expires by itself");
        }
    }
}

impl Drop for MaildropLock {
    fn drop(&mut self) {
        self.renewal.abort();
        if self.released {
            return;
        }
        let (store, name, holder) = (Arc::clone(&self.store), std::mem::take(&mut self.name), self.holder.clone());
        // Outside a runtime (never, in the server) the lease simply expires.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = store.release_lease(&name, &holder).await {
                    warn!(%error, lock = %name, "could not release the maildrop lock; it expires by itself");
                }
            });
        }
    }
}

fn expiry() -> i64 {
    unix_now().saturating_add(i64::try_from(LEASE.as_secs()).unwrap_or(i64::MAX))
}

/// Takes the lease again every [`RENEW_EVERY`] for as long as the session lasts (it aborts this task).
async fn renew(store: Arc<dyn Store>, name: String, holder: String) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        match store.try_lease(&name, &holder, unix_now(), expiry()).await {
            Ok(true) => {}
            // Only if this node could not renew for a whole lease: another session may now hold it.
            Ok(false) => warn!(lock = %name, "the maildrop lock was lost: another session holds it now"),
            Err(error) => warn!(%error, lock = %name, "could not renew the maildrop lock; trying again"),
        }
    }
}
