//! Bounded, TTL-respecting caches for mail-auth's parsed DNS records.
//!
//! hickory already caches raw answers; these caches keep the *parsed* SPF, DKIM and DMARC records so a
//! busy MX does not re-parse the same `v=spf1` on every connection. Each cache holds at most a fixed
//! number of entries so a flood of distinct sender domains cannot grow memory without bound.

use mail_auth::{MX, RecordSet, ResolverCache, Txt};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;
use std::time::Instant;

/// A map from a DNS name (or address) to a parsed record, forgotten at the record's expiry.
pub(crate) struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    capacity: usize,
}

impl<K: Hash + Eq, V: Clone> TtlCache<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (V, Instant)>> {
        // A panic elsewhere while holding the lock leaves a map that is still consistent.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<K: Hash + Eq, V: Clone> ResolverCache<K, V> for TtlCache<K, V> {
    fn get<Q>(&self, name: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut entries = self.lock();
        match entries.get(name) {
            Some((value, expires)) if *expires > Instant::now() => Some(value.clone()),
            Some(_) => {
                entries.remove(name);
                None
            }
            None => None,
        }
    }

    fn remove<Q>(&self, name: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().remove(name).map(|(value, _)| value)
    }

    fn insert(&self, key: K, value: V, valid_until: Instant) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            let now = Instant::now();
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= self.capacity {
                // Still full of live entries: start over rather than track recency. Losing the
                // cache costs a few lookups; tracking LRU order costs code on every hit.
                entries.clear();
            }
        }
        entries.insert(key, (value, valid_until));
    }
}

/// The five caches mail-auth's lookups accept, one per record kind.
pub(crate) struct Caches {
    pub(crate) txt: TtlCache<Box<str>, Txt>,
    pub(crate) mx: TtlCache<Box<str>, RecordSet<MX>>,
    pub(crate) ipv4: TtlCache<Box<str>, RecordSet<Ipv4Addr>>,
    pub(crate) ipv6: TtlCache<Box<str>, RecordSet<Ipv6Addr>>,
    pub(crate) ptr: TtlCache<IpAddr, RecordSet<Box<str>>>,
}

impl Caches {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            txt: TtlCache::new(capacity),
            mx: TtlCache::new(capacity),
            ipv4: TtlCache::new(capacity),
            ipv6: TtlCache::new(capacity),
            ptr: TtlCache::new(capacity),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn expired_entries_are_not_returned() {
        let cache: TtlCache<Box<str>, u32> = TtlCache::new(4);
        cache.insert("old".into(), 1, Instant::now());
        cache.insert("new".into(), 2, Instant::now() + Duration::from_secs(60));
        assert_eq!(cache.get("old"), None);
        assert_eq!(cache.get("new"), Some(2));
    }

    #[test]
    fn cache_never_grows_past_its_capacity() {
        let cache: TtlCache<Box<str>, u32> = TtlCache::new(3);
        let later = Instant::now() + Duration::from_secs(60);
        for n in 0..10 {
            cache.insert(format!("name{n}").into(), n, later);
        }
        assert!(cache.lock().len() <= 3);
        assert_eq!(cache.get("name9"), Some(9));
    }
}
