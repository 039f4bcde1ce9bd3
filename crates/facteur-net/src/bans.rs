//! Client networks refused at connection for a while. `facteur-auth` bans a network that failed to log in too
//! often; every listener sharing the [`crate::ConnectionLimiter`] then refuses it before reading a byte. Bans
//! live in this process's memory: a restart lifts them, which is acceptable for a deterrent (the login
//! throttle still slows the next guesses), and nothing on disk grows with an attack.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use facteur_primitives::client_network;

/// Most networks banned at once; beyond, the ban closest to its end makes room (a bounded table, whatever an
/// attacker spreads over).
const MAX_BANS: usize = 100_000;

/// The banned networks, until when. Cheap to clone: clones share the table.
#[derive(Debug, Clone, Default)]
pub struct Bans {
    until: Arc<Mutex<HashMap<IpAddr, Instant>>>,
}

impl Bans {
    /// Bans `peer`'s network for `duration` from `now`; says whether it was not banned already (so the caller
    /// logs a ban once).
    pub fn ban(&self, peer: IpAddr, duration: Duration, now: Instant) -> bool {
        let network = client_network(peer);
        let mut until = self.lock();
        let already = until.get(&network).is_some_and(|end| *end > now);
        if until.len() >= MAX_BANS && !until.contains_key(&network) {
            until.retain(|_, end| *end > now);
            if until.len() >= MAX_BANS
                && let Some(soonest) = until.iter().min_by_key(|(_, end)| **end).map(|(network, _)| *network)
            {
                until.remove(&soonest);
            }
        }
        until.insert(network, now + duration);
        !already
    }

    /// Whether `peer`'s network is banned at `now`; an expired ban is forgotten.
    pub fn is_banned(&self, peer: IpAddr, now: Instant) -> bool {
        let network = client_network(peer);
        let mut until = self.lock();
        match until.get(&network) {
            Some(end) if *end > now => true,
            Some(_) => {
                until.remove(&network);
                false
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Instant>> {
        self.until.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn a_ban_covers_the_network_until_it_ends() {
        let bans = Bans::default();
        let now = Instant::now();
        assert!(bans.ban(ip("2001:db8:1:2::7"), Duration::from_secs(60), now));
        assert!(!bans.ban(ip("2001:db8:1:2::8"), Duration::from_secs(60), now), "the same /64: already banned");
        assert!(bans.is_banned(ip("2001:db8:1:2::99"), now + Duration::from_secs(59)));
        assert!(!bans.is_banned(ip("2001:db8:1:3::1"), now), "another network");
        assert!(!bans.is_banned(ip("2001:db8:1:2::99"), now + Duration::from_secs(60)), "over");
        assert!(bans.ban(ip("2001:db8:1:2::7"), Duration::from_secs(60), now + Duration::from_secs(61)), "again");
    }

    #[test]
    fn the_table_stays_bounded() {
        let bans = Bans::default();
        let now = Instant::now();
        for n in 0..=MAX_BANS as u32 {
            bans.ban(IpAddr::from(n.to_be_bytes()), Duration::from_secs(u64::from(n) + 1), now);
        }
        assert_eq!(bans.lock().len(), MAX_BANS);
        assert!(!bans.is_banned(IpAddr::from(0u32.to_be_bytes()), now), "the soonest to end made room");
    }
}
