//! Slowing down password guessing: a delay before answering each login
//! attempt, growing with recent failures from the same client network and
//! against the same account.
//!
//! Two counters, two caps. The per-IP delay grows to 30 s: a guesser at one
//! address gets two attempts a minute. The per-account delay stops at 5 s, on
//! purpose: someone hammering `alice@` from a botnet slows Alice's own logins
//! down but can never lock her out, which a hard lockout would hand to any
//! attacker as a denial of service.
//!
//! The throttle only computes delays; the protocol session sleeps (without
//! holding any lock) and then answers. It keeps counters in memory only: a
//! restart forgives everyone, which is acceptable for a rate limit.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The delay curve and memory bound. [`ThrottlePolicy::default`] is what the server uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures answered without delay: everybody mistypes a password now and then.
    pub free_failures: u32,
    /// Delay after the first failure beyond the free ones; it doubles with each further failure.
    pub first_delay: Duration,
    /// Longest delay for a client network.
    pub ip_cap: Duration,
    /// Longest delay for an account, lower than `ip_cap` so the owner still gets in.
    pub account_cap: Duration,
    /// A counter is forgotten this long after its last failure.
    pub forget_after: Duration,
    /// Most counters kept per table (networks, accounts); the oldest go first.
    pub max_keys: usize,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            free_failures: 3,
            first_delay: Duration::from_secs(1),
            ip_cap: Duration::from_secs(30),
            account_cap: Duration::from_secs(5),
            forget_after: Duration::from_secs(15 * 60),
            max_keys: 100_000,
        }
    }
}

/// Longest account name we keep as a key: RFC 5321 §4.5.3.1 allows 64 + 1 + 255
/// octets for an address. Longer names are truncated, so a client cannot make
/// one counter cost kilobytes.
const MAX_ACCOUNT_KEY_LEN: usize = 320;

/// Failure counters per client network and per account, shared by all sessions.
#[derive(Debug)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    tables: Mutex<Tables>,
}

#[derive(Debug)]
struct Tables {
    by_network: FailureTable<IpAddr>,
    by_account: FailureTable<String>,
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> LoginThrottle {
        let tables =
            Tables { by_network: FailureTable::new(policy.max_keys), by_account: FailureTable::new(policy.max_keys) };
        LoginThrottle { policy, tables: Mutex::new(tables) }
    }

    /// How long to wait before answering a login attempt from `ip` for `account`.
    pub fn delay_for(&self, ip: IpAddr, account: &str, now: Instant) -> Duration {
        let policy = &self.policy;
        let tables = self.lock();
        let network_failures = tables.by_network.recent_failures(&network_key(ip), now, policy.forget_after);
        let account_failures = tables.by_account.recent_failures(&account_key(account), now, policy.forget_after);
        self.delay(network_failures, policy.ip_cap).max(self.delay(account_failures, policy.account_cap))
    }

    pub fn record_failure(&self, ip: IpAddr, account: &str, now: Instant) {
        let forget_after = self.policy.forget_after;
        let mut tables = self.lock();
        tables.by_network.record_failure(network_key(ip), now, forget_after);
        tables.by_account.record_failure(account_key(account), now, forget_after);
    }

    /// A correct password from `ip` clears both that network's and that
    /// account's counters: the user got in, the mistakes were theirs.
    pub fn record_success(&self, ip: IpAddr, account: &str) {
        let mut tables = self.lock();
        tables.by_network.forget(&network_key(ip));
        tables.by_account.forget(&account_key(account));
    }

    /// Counters currently held (networks + accounts), for metrics and tests.
    pub fn tracked_keys(&self) -> usize {
        let tables = self.lock();
        tables.by_network.len() + tables.by_account.len()
    }

    fn delay(&self, failures: u32, cap: Duration) -> Duration {
        let Some(doublings) = failures.checked_sub(self.policy.free_failures + 1) else {
            return Duration::ZERO;
        };
        let factor = 1u32.checked_shl(doublings).unwrap_or(u32::MAX);
        self.policy.first_delay.saturating_mul(factor).min(cap)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        // Counters stay consistent even if a holder panicked: every update is
        // a single map operation.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::new(ThrottlePolicy::default())
    }
}

/// The unit we count failures for. An IPv6 attacker usually holds a whole /64
/// (one customer line), so per-address counting would be free to evade; we
/// count the /64. IPv4-mapped IPv6 addresses (dual-stack sockets) count as the
/// IPv4 address they are.
fn network_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = v6.to_bits() & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from_bits(prefix))
        }
        v4 => v4,
    }
}

/// Accounts are counted case-insensitively, so `Alice@` and `alice@` share a counter.
fn account_key(account: &str) -> String {
    let mut end = account.len().min(MAX_ACCOUNT_KEY_LEN);
    while !account.is_char_boundary(end) {
        end -= 1;
    }
    account[..end].to_lowercase()
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

    fn len(&self) -> usize {
        self.entries.len()
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

    fn forget(&mut self, key: &K) {
        self.entries.remove(key);
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

    const ALICE: &str = "alice@example.org";

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn fail_times(throttle: &LoginThrottle, ip: IpAddr, account: &str, times: u32, now: Instant) {
        for _ in 0..times {
            throttle.record_failure(ip, account, now);
        }
    }

    #[test]
    fn first_failures_cost_nothing() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        fail_times(&throttle, ip("192.0.2.1"), ALICE, 3, now);
        assert_eq!(throttle.delay_for(ip("192.0.2.1"), ALICE, now), Duration::ZERO);
    }

    #[test]
    fn delay_doubles_after_the_free_failures_up_to_the_ip_cap() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let attacker = ip("192.0.2.1");
        let mut delays = Vec::new();
        for n in 0..12 {
            // A different account each time, so only the network counter grows.
            throttle.record_failure(attacker, &format!("user{n}@example.org"), now);
            delays.push(throttle.delay_for(attacker, "someone-else@example.org", now).as_secs());
        }
        assert_eq!(delays, [0, 0, 0, 1, 2, 4, 8, 16, 30, 30, 30, 30]);
    }

    #[test]
    fn account_delay_is_capped_lower_than_the_ip_delay() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        // A botnet: one failure from each of many addresses, all against Alice.
        for n in 0..50u8 {
            throttle.record_failure(IpAddr::from([198, 51, 100, n]), ALICE, now);
        }
        let alice_at_home = ip("203.0.113.7");
        assert_eq!(throttle.delay_for(alice_at_home, ALICE, now), Duration::from_secs(5));
        assert_eq!(throttle.delay_for(alice_at_home, "bob@example.org", now), Duration::ZERO);
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_period() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        let attacker = ip("192.0.2.1");
        fail_times(&throttle, attacker, ALICE, 6, start);
        assert_eq!(throttle.delay_for(attacker, ALICE, start + Duration::from_secs(14 * 60)), Duration::from_secs(4));
        let later = start + Duration::from_secs(15 * 60);
        assert_eq!(throttle.delay_for(attacker, ALICE, later), Duration::ZERO);
        // And counting starts again from one, not from where it was.
        throttle.record_failure(attacker, ALICE, later);
        assert_eq!(throttle.delay_for(attacker, ALICE, later), Duration::ZERO);
    }

    #[test]
    fn success_clears_the_network_and_the_account() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let home = ip("203.0.113.7");
        fail_times(&throttle, home, ALICE, 8, now);
        assert!(throttle.delay_for(home, ALICE, now) > Duration::ZERO);
        throttle.record_success(home, ALICE);
        assert_eq!(throttle.delay_for(home, ALICE, now), Duration::ZERO);
        assert_eq!(throttle.tracked_keys(), 0);
    }

    #[test]
    fn account_names_are_counted_case_insensitively() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..6u8 {
            let spelling = if n % 2 == 0 { "ALICE@example.org" } else { ALICE };
            throttle.record_failure(IpAddr::from([198, 51, 100, n]), spelling, now);
        }
        assert_eq!(throttle.delay_for(ip("203.0.113.7"), "Alice@Example.org", now), Duration::from_secs(4));
    }

    #[test]
    fn an_ipv6_slash_64_is_one_network() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..10u16 {
            let address = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, n, n, n, n);
            throttle.record_failure(IpAddr::V6(address), &format!("u{n}@example.org"), now);
        }
        assert_eq!(throttle.delay_for(ip("2001:db8:1:2::99"), "x@example.org", now), Duration::from_secs(30));
        assert_eq!(throttle.delay_for(ip("2001:db8:1:3::99"), "x@example.org", now), Duration::ZERO);
    }

    #[test]
    fn ipv4_mapped_addresses_share_the_ipv4_counter() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        fail_times(&throttle, ip("::ffff:192.0.2.1"), "a@example.org", 4, now);
        assert_eq!(throttle.delay_for(ip("192.0.2.1"), "b@example.org", now), Duration::from_secs(1));
    }

    #[test]
    fn memory_stays_bounded_and_recent_offenders_are_kept() {
        let policy = ThrottlePolicy { max_keys: 100, ..ThrottlePolicy::default() };
        let throttle = LoginThrottle::new(policy);
        let start = Instant::now();
        let persistent = ip("192.0.2.1");
        for n in 0..5_000u32 {
            let now = start + Duration::from_millis(u64::from(n));
            throttle.record_failure(IpAddr::from(n.to_be_bytes()), &format!("user{n}@example.org"), now);
            throttle.record_failure(persistent, "target@example.org", now);
            assert!(throttle.tracked_keys() <= 200, "{} keys after {n}", throttle.tracked_keys());
        }
        let end = start + Duration::from_secs(5);
        assert_eq!(throttle.delay_for(persistent, "nobody@example.org", end), Duration::from_secs(30));
        assert_eq!(throttle.delay_for(ip("10.0.0.1"), "target@example.org", end), Duration::from_secs(5));
    }

    #[test]
    fn very_long_account_names_are_truncated_in_the_key() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let huge = "é".repeat(10_000);
        throttle.record_failure(ip("192.0.2.1"), &huge, now);
        let tables = throttle.lock();
        assert!(tables.by_account.entries.keys().all(|key| key.len() <= MAX_ACCOUNT_KEY_LEN));
    }
}
