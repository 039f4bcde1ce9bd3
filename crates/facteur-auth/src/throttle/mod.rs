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
//! holding any lock) and then answers. Where the counts live is the one thing
//! that depends on the installation ([`FailureCounts`]): one node keeps them in
//! memory (`memory.rs`: a restart forgives everyone, which is acceptable for a
//! rate limit, and a failed login writes nothing to disk); nodes sharing a
//! database keep them there (`shared.rs`), so guesses spread over the nodes are
//! slowed as guesses to one node are. The delay curve is the same either way.
//!
//! Delays slow one guesser down, not many connections at once. A network whose failures reach
//! [`ThrottlePolicy::ban_after`] within the counting window is banned ([`facteur_net::Bans`]): every listener
//! refuses its connections for [`ThrottlePolicy::ban_for`], and the log says so once, in a line fail2ban can
//! read. A person who mistypes is never banned: it takes that many failures without one success (a success
//! forgets the network's count), and the ban is per network, so everyone elsewhere logs in as before.

mod memory;
mod shared;

use std::fmt;
use std::net::IpAddr;
#[cfg(test)]
use std::net::Ipv6Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use facteur_net::Bans;
use facteur_primitives::client_network;
use facteur_store::SharedState;

use tracing::warn;

use memory::MemoryCounts;
use shared::SharedCounts;

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
    /// Failures of one network within `forget_after` that ban it; 0 never bans.
    pub ban_after: u32,
    /// How long a ban lasts.
    pub ban_for: Duration,
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
            ban_after: 20,
            ban_for: Duration::from_secs(3600),
        }
    }
}

/// Longest account name we keep as a key: RFC 5321 §4.5.3.1 allows 64 + 1 + 255
/// octets for an address. Longer names are truncated, so a client cannot make
/// one counter cost kilobytes.
const MAX_ACCOUNT_KEY_LEN: usize = 320;

/// What one login attempt is counted against: the client's network and the account name tried.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FailureKey {
    /// An IPv4 address, or an IPv6 /64 ([`client_network`]).
    pub network: IpAddr,
    /// Lower case, at most [`MAX_ACCOUNT_KEY_LEN`] bytes ([`account_key`]).
    pub account: String,
}

impl FailureKey {
    fn new(ip: IpAddr, account: &str) -> FailureKey {
        FailureKey { network: client_network(ip), account: account_key(account) }
    }
}

/// Where failure counts are kept. A count is forgotten `forget_after` after its last failure; a store of
/// counts bounds how many it keeps. Counting must not fail a login: implementations that can fail (a
/// database) log and carry on.
#[async_trait]
pub trait FailureCounts: Send + Sync + fmt::Debug {
    /// The recent failures of the key's network and of its account, at `now`.
    async fn recent(&self, key: &FailureKey, now: Instant, forget_after: Duration) -> (u32, u32);
    /// Counts one failure of the key's network and of its account.
    async fn record_failure(&self, key: &FailureKey, now: Instant, forget_after: Duration);
    /// Forgets both counts.
    async fn forget(&self, key: &FailureKey);
}

/// Failure counters per client network and per account, shared by all sessions (and, with
/// [`LoginThrottle::shared`], by all nodes).
#[derive(Debug)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    counts: Box<dyn FailureCounts>,
    /// Where bans go: the listeners' table, once [`LoginThrottle::banning_into`] gave it.
    bans: Option<Bans>,
}

impl LoginThrottle {
    /// Counts kept in this process's memory: the throttle of a single node.
    pub fn new(policy: ThrottlePolicy) -> LoginThrottle {
        let counts = Box::new(MemoryCounts::new(policy.max_keys));
        LoginThrottle { policy, counts, bans: None }
    }

    /// Counts kept in the database every node shares: failures on one node slow attempts on all of them.
    /// The database keeps only the network and a digest of the account name, never what was typed as a
    /// password.
    pub fn shared(policy: ThrottlePolicy, shared: Arc<dyn SharedState>) -> LoginThrottle {
        let counts = Box::new(SharedCounts::new(shared, policy.max_keys));
        LoginThrottle { policy, counts, bans: None }
    }

    /// Bans networks into `bans`, the table the listeners refuse connections from. With shared counts, each
    /// node bans when a failure it sees brings the shared count to the limit.
    pub fn banning_into(mut self, bans: Bans) -> LoginThrottle {
        self.bans = Some(bans);
        self
    }

    /// How long to wait before answering a login attempt from `ip` for `account`.
    pub async fn delay_for(&self, ip: IpAddr, account: &str, now: Instant) -> Duration {
        let key = FailureKey::new(ip, account);
        let (network_failures, account_failures) = self.counts.recent(&key, now, self.policy.forget_after).await;
        self.delay(network_failures, self.policy.ip_cap).max(self.delay(account_failures, self.policy.account_cap))
    }

    pub async fn record_failure(&self, ip: IpAddr, account: &str, now: Instant) {
        let key = FailureKey::new(ip, account);
        self.counts.record_failure(&key, now, self.policy.forget_after).await;
        let Some(bans) = self.bans.as_ref().filter(|_| self.policy.ban_after > 0) else { return };
        let (network_failures, _) = self.counts.recent(&key, now, self.policy.forget_after).await;
        if network_failures >= self.policy.ban_after && bans.ban(ip, self.policy.ban_for, now) {
            // One line per ban, with the address in `ip=`: what a fail2ban filter matches.
            warn!(
                target: "facteur::ban",
                ip = %key.network,
                failures = network_failures,
                seconds = self.policy.ban_for.as_secs(),
                "client banned: too many failed logins"
            );
        }
    }

    /// A correct password from `ip` clears both that network's and that
    /// account's counters: the user got in, the mistakes were theirs.
    pub async fn record_success(&self, ip: IpAddr, account: &str) {
        self.counts.forget(&FailureKey::new(ip, account)).await;
    }

    fn delay(&self, failures: u32, cap: Duration) -> Duration {
        let Some(doublings) = failures.checked_sub(self.policy.free_failures + 1) else {
            return Duration::ZERO;
        };
        let factor = 1u32.checked_shl(doublings).unwrap_or(u32::MAX);
        self.policy.first_delay.saturating_mul(factor).min(cap)
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::new(ThrottlePolicy::default())
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

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "alice@example.org";

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    async fn fail_times(throttle: &LoginThrottle, ip: IpAddr, account: &str, times: u32, now: Instant) {
        for _ in 0..times {
            throttle.record_failure(ip, account, now).await;
        }
    }

    #[tokio::test]
    async fn first_failures_cost_nothing() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        fail_times(&throttle, ip("192.0.2.1"), ALICE, 3, now).await;
        assert_eq!(throttle.delay_for(ip("192.0.2.1"), ALICE, now).await, Duration::ZERO);
    }

    #[tokio::test]
    async fn delay_doubles_after_the_free_failures_up_to_the_ip_cap() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let attacker = ip("192.0.2.1");
        let mut delays = Vec::new();
        for n in 0..12 {
            // A different account each time, so only the network counter grows.
            throttle.record_failure(attacker, &format!("user{n}@example.org"), now).await;
            delays.push(throttle.delay_for(attacker, "someone-else@example.org", now).await.as_secs());
        }
        assert_eq!(delays, [0, 0, 0, 1, 2, 4, 8, 16, 30, 30, 30, 30]);
    }

    #[tokio::test]
    async fn account_delay_is_capped_lower_than_the_ip_delay() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        // A botnet: one failure from each of many addresses, all against Alice.
        for n in 0..50u8 {
            throttle.record_failure(IpAddr::from([198, 51, 100, n]), ALICE, now).await;
        }
        let alice_at_home = ip("203.0.113.7");
        assert_eq!(throttle.delay_for(alice_at_home, ALICE, now).await, Duration::from_secs(5));
        assert_eq!(throttle.delay_for(alice_at_home, "bob@example.org", now).await, Duration::ZERO);
    }

    #[tokio::test]
    async fn failures_are_forgotten_after_a_quiet_period() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        let attacker = ip("192.0.2.1");
        fail_times(&throttle, attacker, ALICE, 6, start).await;
        let almost = start + Duration::from_secs(14 * 60);
        assert_eq!(throttle.delay_for(attacker, ALICE, almost).await, Duration::from_secs(4));
        let later = start + Duration::from_secs(15 * 60);
        assert_eq!(throttle.delay_for(attacker, ALICE, later).await, Duration::ZERO);
        // And counting starts again from one, not from where it was.
        throttle.record_failure(attacker, ALICE, later).await;
        assert_eq!(throttle.delay_for(attacker, ALICE, later).await, Duration::ZERO);
    }

    #[tokio::test]
    async fn success_clears_the_network_and_the_account() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let home = ip("203.0.113.7");
        fail_times(&throttle, home, ALICE, 8, now).await;
        assert!(throttle.delay_for(home, ALICE, now).await > Duration::ZERO);
        throttle.record_success(home, ALICE).await;
        assert_eq!(throttle.delay_for(home, ALICE, now).await, Duration::ZERO);
        assert_eq!(throttle.delay_for(home, "bob@example.org", now).await, Duration::ZERO);
        assert_eq!(throttle.delay_for(ip("192.0.2.9"), ALICE, now).await, Duration::ZERO);
    }

    #[tokio::test]
    async fn account_names_are_counted_case_insensitively() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..6u8 {
            let spelling = if n % 2 == 0 { "ALICE@example.org" } else { ALICE };
            throttle.record_failure(IpAddr::from([198, 51, 100, n]), spelling, now).await;
        }
        assert_eq!(throttle.delay_for(ip("203.0.113.7"), "Alice@Example.org", now).await, Duration::from_secs(4));
    }

    #[tokio::test]
    async fn an_ipv6_slash_64_is_one_network() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..10u16 {
            let address = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, n, n, n, n);
            throttle.record_failure(IpAddr::V6(address), &format!("u{n}@example.org"), now).await;
        }
        assert_eq!(throttle.delay_for(ip("2001:db8:1:2::99"), "x@example.org", now).await, Duration::from_secs(30));
        assert_eq!(throttle.delay_for(ip("2001:db8:1:3::99"), "x@example.org", now).await, Duration::ZERO);
    }

    #[tokio::test]
    async fn ipv4_mapped_addresses_share_the_ipv4_counter() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        fail_times(&throttle, ip("::ffff:192.0.2.1"), "a@example.org", 4, now).await;
        assert_eq!(throttle.delay_for(ip("192.0.2.1"), "b@example.org", now).await, Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_network_failing_too_often_is_banned_and_a_mistake_never_is() {
        let bans = Bans::default();
        let policy = ThrottlePolicy { ban_after: 5, ..ThrottlePolicy::default() };
        let throttle = LoginThrottle::new(policy).banning_into(bans.clone());
        let now = Instant::now();
        let (attacker, alice_at_home) = (ip("192.0.2.1"), ip("203.0.113.7"));
        fail_times(&throttle, alice_at_home, ALICE, 4, now).await;
        throttle.record_success(alice_at_home, ALICE).await;
        fail_times(&throttle, alice_at_home, ALICE, 4, now).await;
        assert!(!bans.is_banned(alice_at_home, now), "mistakes with a success between them never ban");
        fail_times(&throttle, attacker, ALICE, 4, now).await;
        assert!(!bans.is_banned(attacker, now));
        throttle.record_failure(attacker, "bob@example.org", now).await;
        assert!(bans.is_banned(attacker, now), "the fifth failure bans the network");
        assert!(!bans.is_banned(alice_at_home, now), "only that network");
        assert!(!bans.is_banned(attacker, now + Duration::from_secs(3600)), "for an hour");
    }

    #[test]
    fn very_long_account_names_are_truncated_in_the_key() {
        let huge = "é".repeat(10_000);
        assert!(account_key(&huge).len() <= MAX_ACCOUNT_KEY_LEN);
    }
}
