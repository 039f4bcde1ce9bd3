//! Connection limits, and admission: how many connections are open, in total and per client
//! network, and whether one more may come in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use facteur_primitives::client_network;

use crate::bans::Bans;
use crate::connection::Timeouts;

/// Connection limits and timeouts, shared by every listener of a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Open connections over all listeners sharing the limiter.
    pub max_connections: u32,
    /// Open connections from one client network (an IPv4 address, an IPv6 /64).
    pub max_connections_per_ip: u32,
    pub idle_timeout: Duration,
    pub handshake_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 2000,
            max_connections_per_ip: 100,
            idle_timeout: Duration::from_secs(300),
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

impl Limits {
    pub fn timeouts(&self) -> Timeouts {
        Timeouts { idle: self.idle_timeout, handshake: self.handshake_timeout }
    }
}

/// Why a connection was turned away; the handler words it for its protocol
/// (SMTP `421 4.7.0`, IMAP `* BYE`, POP3 `-ERR [SYS/TEMP]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server-wide limit is reached.
    ServerBusy,
    /// This client network already has its share of connections.
    TooManyFromPeer,
    /// This client network is banned for a while: it failed to log in too often ([`Bans`]).
    Banned,
}

/// Counts open connections. One limiter (cheap to clone: clones share the
/// counts) serves all listeners, so the limits are server-wide, as the
/// operator configures them.
#[derive(Debug, Clone)]
pub struct ConnectionLimiter {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    limits: Limits,
    bans: Bans,
    open: Mutex<OpenConnections>,
}

#[derive(Debug, Default)]
struct OpenConnections {
    total: u32,
    per_network: HashMap<IpAddr, u32>,
}

impl ConnectionLimiter {
    pub fn new(limits: &Limits) -> ConnectionLimiter {
        let shared =
            Shared { limits: limits.clone(), bans: Bans::default(), open: Mutex::new(OpenConnections::default()) };
        ConnectionLimiter { shared: Arc::new(shared) }
    }

    pub fn limits(&self) -> &Limits {
        &self.shared.limits
    }

    /// The networks refused at connection, which the login throttle adds to.
    pub fn bans(&self) -> Bans {
        self.shared.bans.clone()
    }

    /// Admits a connection from `peer`, or says why not. The returned slot
    /// frees its place when dropped, however the session ends.
    pub fn admit(&self, peer: IpAddr) -> Result<ConnectionSlot, Refusal> {
        if self.shared.bans.is_banned(peer, std::time::Instant::now()) {
            return Err(Refusal::Banned);
        }
        let network = client_network(peer);
        let limits = &self.shared.limits;
        let mut open = self.lock();
        if open.total >= limits.max_connections {
            return Err(Refusal::ServerBusy);
        }
        let from_network = open.per_network.get(&network).copied().unwrap_or(0);
        if from_network >= limits.max_connections_per_ip {
            return Err(Refusal::TooManyFromPeer);
        }
        *open.per_network.entry(network).or_insert(0) += 1;
        open.total = open.total.saturating_add(1);
        Ok(ConnectionSlot { limiter: self.clone(), network })
    }

    /// Connections currently admitted, for metrics and tests.
    pub fn open_connections(&self) -> u32 {
        self.lock().total
    }

    fn release(&self, network: IpAddr) {
        let mut open = self.lock();
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.per_network.get_mut(&network) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                // Keep the map as small as the set of connected networks.
                open.per_network.remove(&network);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OpenConnections> {
        self.shared.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A place held in the [`ConnectionLimiter`] for as long as a session lives.
#[derive(Debug)]
pub struct ConnectionSlot {
    limiter: ConnectionLimiter,
    network: IpAddr,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.limiter.release(self.network);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(total: u32, per_ip: u32) -> ConnectionLimiter {
        ConnectionLimiter::new(&Limits { max_connections: total, max_connections_per_ip: per_ip, ..Limits::default() })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn per_network_limit_refuses_the_extra_connection_and_frees_on_drop() {
        let limiter = limiter(10, 2);
        let first = limiter.admit(ip("192.0.2.1")).unwrap();
        let _second = limiter.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(limiter.admit(ip("192.0.2.1")).unwrap_err(), Refusal::TooManyFromPeer);
        assert!(limiter.admit(ip("192.0.2.2")).is_ok());
        drop(first);
        assert!(limiter.admit(ip("192.0.2.1")).is_ok());
    }

    #[test]
    fn total_limit_refuses_everyone_when_full() {
        let limiter = limiter(2, 10);
        let _a = limiter.admit(ip("192.0.2.1")).unwrap();
        let _b = limiter.admit(ip("192.0.2.2")).unwrap();
        assert_eq!(limiter.admit(ip("192.0.2.3")).unwrap_err(), Refusal::ServerBusy);
        assert_eq!(limiter.open_connections(), 2);
    }

    #[test]
    fn an_ipv6_slash_64_counts_as_one_peer() {
        let limiter = limiter(10, 1);
        let _held = limiter.admit(ip("2001:db8:0:1::1")).unwrap();
        assert_eq!(limiter.admit(ip("2001:db8:0:1::2")).unwrap_err(), Refusal::TooManyFromPeer);
        assert!(limiter.admit(ip("2001:db8:0:2::1")).is_ok());
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let limiter = limiter(10, 1);
        let _held = limiter.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(limiter.admit(ip("::ffff:192.0.2.1")).unwrap_err(), Refusal::TooManyFromPeer);
    }

    #[test]
    fn released_networks_leave_no_entry_behind() {
        let limiter = limiter(100, 1);
        for n in 0..50u8 {
            drop(limiter.admit(IpAddr::from([198, 51, 100, n])).unwrap());
        }
        assert!(limiter.lock().per_network.is_empty());
        assert_eq!(limiter.open_connections(), 0);
    }
}
