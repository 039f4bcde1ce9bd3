//! Recently verified logins, so a client that logs in again and again (a phone polling every minute, a
//! benchmark) does not pay argon2's deliberate cost each time. Dovecot's `auth_cache` does the same.
//!
//! What is kept is an HMAC-SHA256, under a key drawn at start-up and never stored, of the account's stored
//! hash and the password that matched it: memory holds no password and nothing an attacker could test
//! guesses against offline. Including the stored hash means a password change (or a new account at the
//! same address) invalidates the entry by itself. Only successes are cached: every wrong guess costs the
//! full argon2 work, so the cache does not speed up guessing.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// How long a verified login is remembered.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// Entries kept at most; when full, expired entries go, and if that is not enough, everything does (the next
/// logins simply pay argon2 again).
pub const DEFAULT_CAPACITY: usize = 10_000;

/// See the module documentation.
pub struct LoginCache {
    key: hmac::Key,
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<[u8; 32], Instant>>,
}

impl std::fmt::Debug for LoginCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginCache").field("ttl", &self.ttl).field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl LoginCache {
    pub fn new(ttl: Duration, capacity: usize) -> LoginCache {
        let mut secret = [0u8; 32];
        // Without randomness (never seen on Linux), a zero key still makes digests useless outside the process.
        let _ = SystemRandom::new().fill(&mut secret);
        LoginCache {
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `password` was verified against `stored_hash` within the TTL.
    pub fn knows(&self, stored_hash: &str, password: &str, now: Instant) -> bool {
        let digest = self.digest(stored_hash, password);
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(&digest).is_some_and(|verified| now.saturating_duration_since(*verified) < self.ttl)
    }

    /// Records that `password` matched `stored_hash` at `now`.
    pub fn remember(&self, stored_hash: &str, password: &str, now: Instant) {
        let digest = self.digest(stored_hash, password);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(&digest) {
            entries.retain(|_, verified| now.saturating_duration_since(*verified) < self.ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(digest, now);
    }

    fn digest(&self, stored_hash: &str, password: &str) -> [u8; 32] {
        let mut context = hmac::Context::with_key(&self.key);
        // The hash never contains a NUL, so the separator makes the pair unambiguous.
        context.update(stored_hash.as_bytes());
        context.update(&[0]);
        context.update(password.as_bytes());
        let mut digest = [0u8; 32];
        digest.copy_from_slice(context.sign().as_ref());
        digest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_matching_pair_only_and_forgets_after_the_ttl() {
        let cache = LoginCache::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        cache.remember("$argon2id$hash-1", "right", now);
        assert!(cache.knows("$argon2id$hash-1", "right", now + Duration::from_secs(59)));
        assert!(!cache.knows("$argon2id$hash-1", "wrong", now));
        assert!(!cache.knows("$argon2id$hash-2", "right", now), "a changed password hash invalidates the entry");
        assert!(!cache.knows("$argon2id$hash-1", "right", now + Duration::from_secs(60)));
    }

    #[test]
    fn stays_within_its_capacity() {
        let cache = LoginCache::new(Duration::from_secs(60), 3);
        let now = Instant::now();
        for n in 0..10 {
            cache.remember(&format!("hash-{n}"), "pw", now);
            assert!(cache.entries.lock().unwrap().len() <= 3);
        }
        assert!(cache.knows("hash-9", "pw", now), "the newest entry is kept");
    }
}
