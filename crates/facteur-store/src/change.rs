//! The change bus: after each commit, one notification per mailbox a write touched.
//!
//! It only says "look again": sessions read the delta from the store by MODSEQ, so a lagged receiver (the
//! channel is bounded) loses nothing but a wake-up and should simply resynchronise.

use crate::ids::{AccountId, MailboxId, ModSeq};

/// A mailbox changed; `modseq` is its HIGHESTMODSEQ after the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub account: AccountId,
    pub mailbox: MailboxId,
    pub modseq: ModSeq,
}

/// How many notifications a slow receiver may fall behind before it sees `RecvError::Lagged`.
pub(crate) const BUS_CAPACITY: usize = 4096;
