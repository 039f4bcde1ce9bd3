//! Sessions kept open after a delivery, so the next message for the same server goes over the same connection
//! (after RSET) instead of a new TCP, TLS and EHLO exchange. Bounded: a few idle sessions per server address,
//! each reused a limited number of times and closed (with QUIT) after a short idle time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::client::OpenSession;

/// Idle sessions kept per server address.
const IDLE_PER_ADDRESS: usize = 4;
/// Transactions one session may carry before it is closed (servers limit this too).
const TRANSACTIONS_PER_SESSION: u32 = 100;
/// How long an idle session is kept: less than servers' own idle timeouts (RFC 5321 §4.5.3.2.7: 5 minutes).
const IDLE_TIME: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct SessionPool {
    idle: Mutex<HashMap<SocketAddr, Vec<(OpenSession, Instant)>>>,
}

impl SessionPool {
    /// An idle session with `address` opened under the TLS policy `tls_policy`, the most recently used one. A
    /// session opened under another policy is left for its own kind (it may not carry this message: a
    /// session with unverified TLS must not carry mail that MTA-STS or DANE protects).
    pub fn take(&self, address: SocketAddr, tls_policy: &str) -> Option<OpenSession> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let sessions = idle.get_mut(&address)?;
        let (expired, kept): (Vec<_>, Vec<_>) =
            std::mem::take(sessions).into_iter().partition(|(_, since)| since.elapsed() >= IDLE_TIME);
        *sessions = kept;
        expired.into_iter().for_each(|(session, _)| close(session));
        let position = sessions.iter().rposition(|(session, _)| session.tls_policy == tls_policy)?;
        Some(sessions.remove(position).0)
    }

    /// Keeps `session` for the next message to `address`, or closes it when it has served enough or the
    /// address already has enough idle sessions.
    pub fn give_back(&self, address: SocketAddr, session: OpenSession) {
        if session.transactions >= TRANSACTIONS_PER_SESSION {
            return close(session);
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let sessions = idle.entry(address).or_default();
        if sessions.len() >= IDLE_PER_ADDRESS {
            return close(session);
        }
        sessions.push((session, Instant::now()));
    }

    /// Closes the sessions idle for too long.
    pub fn sweep(&self) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        for sessions in idle.values_mut() {
            let (expired, kept): (Vec<_>, Vec<_>) =
                std::mem::take(sessions).into_iter().partition(|(_, since)| since.elapsed() >= IDLE_TIME);
            *sessions = kept;
            expired.into_iter().for_each(|(session, _)| close(session));
        }
        idle.retain(|_, sessions| !sessions.is_empty());
    }
}

/// QUIT in the background: nothing waits for the goodbye of a session we are done with.
fn close(session: OpenSession) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(session.quit());
    }
}
