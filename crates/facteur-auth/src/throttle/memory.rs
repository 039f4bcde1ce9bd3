//! Failure counts in this process's memory: the throttle of a single node. Nothing is written to disk per
//! failed login, and memory stays bounded however many addresses an attacker cycles through.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{FailureCounts, FailureKey};

#[derive(Debug)]
pub(super) struct MemoryCounts {
    tables: Mutex<Tables>,
}

#[derive(Debug)]
struct Tables {
    by_network: FailureTable<IpAddr>,
    by_account: FailureTable<String>,
}

impl MemoryCounts {
    pub(super) fn new(max_keys: usize) -> MemoryCounts {
        let tables = Tables { by_network: FailureTable::new(max_keys), by_account: FailureTable::new(max_keys) };
        MemoryCounts { tables: Mutex::new(tables) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        // Counters stay consistent even if a holder panicked: every update is
        // a single map operation.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counters currently held (networks + accounts).
    #[cfg(test)]
    fn tracked_keys(&self) -> usize {
        let tables = self.lock();
        tables.by_network.entries.len() + tables.by_account.entries.len()
    }
}

#[async_trait]
impl FailureCounts for MemoryCounts {
    async fn recent(&self, key: &FailureKey, now: Instant, forget_after: Duration) -> (u32, u32) {
        let tables = self.lock();
        let network = tables.by_network.recent_failures(&key.network, now, forget_after);
        let account = tables.by_account.recent_failures(&key.account, now, forget_after);
        (network, account)
    }

    async fn record_failure(&self, key: &FailureKey, now: Instant, forget_after: Duration) {
        let mut tables = self.lock();
        tables.by_network.record_failure(key.network, now, forget_after);
        tables.by_account.record_failure(key.account.clone(), now, forget_after);
    }

    async fn forget(&self, key: &FailureKey) {
        let mut tables = self.lock();
        tables.by_network.entries.remove(&key.network);
        tables.by_account.entries.remove(&key.account);
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// One bounded map of failure counters.
#[derive(Debug)]
struct FailureTable<K> {
    entries: HashMap<K, Failures>,
    max_keys: usize,
}

impl<K: Eq + Hash> FailureTable<K> {
    fn new(max_keys: usize) -> Self {
        FailureTable { entries: HashMap::new(), max_keys: max_keys.max(1) }
    }

    fn recent_failures(&self, key: &K, now: Instant, forget_after: Duration) -> u32 {
        match self.entries.get(key) {
            Some(failures) if !is_stale(failures, now, forget_after) => failures.count,
            _ => 0,
        }
    }

    fn record_failure(&mut self, key: K, now: Instant, forget_after: Duration) {
        if !self.entries.contains_key(&key) && self.entries.len() >= self.max_keys {
            self.make_room(now, forget_after);
        }
        let failures = self.entries.entry(key).or_insert(Failures { count: 0, last: now });
        if is_stale(failures, now, forget_after) {
            failures.count = 0;
        }
        failures.count = failures.count.saturating_add(1);
        failures.last = now;
    }

    /// Drops stale counters, then if still full the oldest eighth. Evicting a
    /// batch rather than one entry keeps an attacker cycling through fresh
    /// addresses from costing a full scan per attempt.
    fn make_room(&mut self, now: Instant, forget_after: Duration) {
        self.entries.retain(|_, failures| !is_stale(failures, now, forget_after));
        if self.entries.len() < self.max_keys {
            return;
        }
        let mut last_failures: Vec<Instant> = self.entries.values().map(|failures| failures.last).collect();
        let cutoff_index = last_failures.len() / 8;
        let (_, &mut cutoff, _) = last_failures.select_nth_unstable(cutoff_index);
        self.entries.retain(|_, failures| failures.last > cutoff);
    }
}

fn is_stale(failures: &Failures, now: Instant, forget_after: Duration) -> bool {
    now.saturating_duration_since(failures.last) >= forget_after
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

    #[tokio::test]
    async fn memory_stays_bounded_and_recent_offenders_are_kept() {
        let counts = MemoryCounts::new(100);
        let start = Instant::now();
        let persistent = FailureKey { network: IpAddr::from([192, 0, 2, 1]), account: "target@example.org".into() };
        for n in 0..5_000u32 {
            let now = start + Duration::from_millis(u64::from(n));
            let passing =
                FailureKey { network: IpAddr::from(n.to_be_bytes()), account: format!("user{n}@example.org") };
            counts.record_failure(&passing, now, FORGET_AFTER).await;
            counts.record_failure(&persistent, now, FORGET_AFTER).await;
            assert!(counts.tracked_keys() <= 200, "{} keys after {n}", counts.tracked_keys());
        }
        let end = start + Duration::from_secs(5);
        assert_eq!(counts.recent(&persistent, end, FORGET_AFTER).await, (5_000, 5_000));
    }

    #[tokio::test]
    async fn forgetting_removes_both_counters() {
        let counts = MemoryCounts::new(100);
        let now = Instant::now();
        let key = FailureKey { network: IpAddr::from([203, 0, 113, 7]), account: "alice@example.org".into() };
        counts.record_failure(&key, now, FORGET_AFTER).await;
        counts.forget(&key).await;
        assert_eq!(counts.tracked_keys(), 0);
    }
}
