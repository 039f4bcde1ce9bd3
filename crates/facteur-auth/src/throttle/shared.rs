//! Failure counts in the database every node shares ([`SharedState`]): guesses spread over the nodes count
//! together. The database holds the client network and a SHA-256 digest of the account name tried (people
//! type passwords into the user field), never anything typed as a password, and at most `max_keys` counts:
//! each node prunes stale and excess counts at most once every [`PRUNE_EVERY`].
//!
//! Counting must not stop logins: a database that cannot be reached is logged, and the attempt is neither
//! delayed nor counted (the login itself then fails for the same reason).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use facteur_primitives::unix_now;
use facteur_store::SharedState;
use tracing::warn;

use super::{FailureCounts, FailureKey};

/// How often one node prunes the shared counts: the table grows by at most one minute of failures beyond
/// `max_keys`.
const PRUNE_EVERY: i64 = 60;

pub(super) struct SharedCounts {
    shared: Arc<dyn SharedState>,
    max_keys: u64,
    last_prune: AtomicI64,
}

impl std::fmt::Debug for SharedCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedCounts").field("max_keys", &self.max_keys).finish_non_exhaustive()
    }
}

impl SharedCounts {
    pub(super) fn new(shared: Arc<dyn SharedState>, max_keys: usize) -> SharedCounts {
        SharedCounts { shared, max_keys: u64::try_from(max_keys).unwrap_or(u64::MAX), last_prune: AtomicI64::new(0) }
    }

    async fn prune_now_and_then(&self, now: i64, stale_before: i64) {
        let last = self.last_prune.load(Ordering::Relaxed);
        let due = now.saturating_sub(last) >= PRUNE_EVERY;
        if !due || self.last_prune.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err() {
            return;
        }
        if let Err(error) = self.shared.prune_login_failures(stale_before, self.max_keys).await {
            warn!(%error, "could not prune the shared login failure counts");
        }
    }
}

#[async_trait]
impl FailureCounts for SharedCounts {
    async fn recent(&self, key: &FailureKey, now: Instant, forget_after: Duration) -> (u32, u32) {
        let keys = database_keys(key);
        match self.shared.login_failures(&keys, stale_before(now, forget_after)).await {
            Ok(counts) => (counts.first().copied().unwrap_or(0), counts.get(1).copied().unwrap_or(0)),
            Err(error) => {
                warn!(%error, "could not read the shared login failure counts; no delay");
                (0, 0)
            }
        }
    }

    async fn record_failure(&self, key: &FailureKey, now: Instant, forget_after: Duration) {
        let stale_before = stale_before(now, forget_after);
        let now = unix_seconds(now);
        if let Err(error) = self.shared.count_login_failure(&database_keys(key), now, stale_before).await {
            warn!(%error, "could not count a failed login in the shared counts");
        }
        self.prune_now_and_then(now, stale_before).await;
    }

    async fn forget(&self, key: &FailureKey) {
        if let Err(error) = self.shared.forget_login_failures(&database_keys(key)).await {
            warn!(%error, "could not clear the shared login failure counts");
        }
    }
}

/// The network as text, the account as a digest; prefixed so the two never collide.
fn database_keys(key: &FailureKey) -> [String; 2] {
    let digest = ring::digest::digest(&ring::digest::SHA256, key.account.as_bytes());
    let hex: String = digest.as_ref().iter().map(|byte| format!("{byte:02x}")).collect();
    [format!("network {}", key.network), format!("account {hex}")]
}

/// A count whose last failure is at or before this (unix seconds) is stale at `now`, as
/// `memory::is_stale` decides for one node.
fn stale_before(now: Instant, forget_after: Duration) -> i64 {
    unix_seconds(now).saturating_sub(i64::try_from(forget_after.as_secs()).unwrap_or(i64::MAX))
}

/// `at` on the wall clock every node shares (the throttle is given monotonic instants).
fn unix_seconds(at: Instant) -> i64 {
    let here = Instant::now();
    let ahead = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    match at.checked_duration_since(here) {
        Some(later) => unix_now().saturating_add(ahead(later)),
        None => unix_now().saturating_sub(ahead(here.saturating_duration_since(at))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_never_sees_the_account_name_itself() {
        let key = FailureKey { network: "192.0.2.1".parse().unwrap(), account: "my secret password".into() };
        let [network, account] = database_keys(&key);
        assert_eq!(network, "network 192.0.2.1");
        assert!(account.starts_with("account ") && !account.contains("secret"), "{account}");
        assert_eq!(account.len(), "account ".len() + 64);
    }

    #[test]
    fn instants_map_to_the_wall_clock() {
        let now = Instant::now();
        let wall = unix_now();
        assert!((unix_seconds(now) - wall).abs() <= 1);
        assert!((unix_seconds(now + Duration::from_secs(900)) - wall - 900).abs() <= 1);
        assert!((stale_before(now, Duration::from_secs(900)) - (wall - 900)).abs() <= 1);
    }
}
