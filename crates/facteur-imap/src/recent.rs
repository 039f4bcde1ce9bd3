//! `\Recent` (RFC 3501 §2.3.2, IMAP4rev1 only; RFC 9051 dropped it): a message is recent for exactly one
//! session, the first to select its mailbox read-write after it arrived.
//!
//! Claims live in memory, per server: after a restart the first session sees every message as recent
//! again, which the RFC tolerates (clients use `\Recent` as a hint, IMAP4rev2 clients not at all).

use std::collections::HashMap;
use std::sync::Mutex;

use facteur_store::{MailboxId, Uid};

/// The highest UID some session has claimed as recent, per mailbox.
#[derive(Debug, Default)]
pub struct RecentClaims {
    claimed: Mutex<HashMap<MailboxId, u32>>,
}

impl RecentClaims {
    /// Claims the UIDs above the last claim, up to `newest`, for the calling session; returns the lowest UID
    /// it now holds as recent (messages at or above it, up to `newest`, are its recent ones).
    pub fn claim(&self, mailbox: MailboxId, newest: Uid) -> u32 {
        let mut claimed = self.claimed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let previous = claimed.entry(mailbox).or_insert(0);
        let first = *previous + 1;
        *previous = (*previous).max(newest.get());
        first
    }

    /// How many of `uids` nobody has claimed yet (STATUS RECENT, EXAMINE).
    pub fn unclaimed(&self, mailbox: MailboxId, uids: impl Iterator<Item = Uid>) -> u32 {
        let claimed = self.claimed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let above = claimed.get(&mailbox).copied().unwrap_or(0);
        uids.filter(|uid| uid.get() > above).count() as u32
    }

    /// The lowest unclaimed UID (what a read-only session shows as recent without claiming).
    pub fn first_unclaimed(&self, mailbox: MailboxId) -> u32 {
        let claimed = self.claimed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        claimed.get(&mailbox).copied().unwrap_or(0) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uid(n: u32) -> Uid {
        Uid::new(n).unwrap()
    }

    #[test]
    fn each_uid_is_claimed_by_one_session_only() {
        let claims = RecentClaims::default();
        let inbox = MailboxId(1);
        assert_eq!(claims.claim(inbox, uid(3)), 1);
        assert_eq!(claims.unclaimed(inbox, [uid(2), uid(3), uid(4)].into_iter()), 1);
        assert_eq!(claims.claim(inbox, uid(5)), 4);
        assert_eq!(claims.claim(inbox, uid(5)), 6, "nothing left for a third session");
    }
}
