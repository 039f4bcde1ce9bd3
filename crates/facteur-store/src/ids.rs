//! Identifier newtypes, so that a UID can never be passed where a mailbox id or a sequence number is meant.

use std::fmt;
use std::num::NonZeroU32;

/// A local account (one row of the accounts table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub i64);

/// A mailbox of some account. Ids are never reused, unlike names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MailboxId(pub i64);

/// A message as JMAP names it (RFC 8621 §4.1.1): unique in its account, kept when the message moves to
/// another mailbox (IMAP MOVE or JMAP), never reused. A copy is a new message with a new id. Drawn from the
/// account's change counter, like MODSEQs, so no second counter is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EmailId(pub i64);

/// A conversation (RFC 8621 §3): the [`EmailId`] of the first message filed in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadId(pub i64);

/// An entry of the outbound queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueId(pub i64);

/// An IMAP unique identifier: nonzero (RFC 9051 §2.3.1.1), strictly ascending within a mailbox and never reused
/// for the mailbox's UIDVALIDITY, even after the message is expunged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(NonZeroU32);

impl Uid {
    /// The first UID a mailbox hands out.
    pub const MIN: Uid = Uid(NonZeroU32::MIN);

    /// `None` for 0, which is never a valid UID.
    pub fn new(value: u32) -> Option<Uid> {
        NonZeroU32::new(value).map(Uid)
    }

    /// The number, for protocol output.
    pub fn get(self) -> u32 {
        self.0.get()
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The UIDVALIDITY of a mailbox (RFC 9051 §2.3.1.1): if it changes, clients must forget their cached UIDs.
/// Ours are nonzero and strictly increasing per account, so a mailbox deleted and re-created under the same
/// name never repeats one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UidValidity(pub u32);

impl fmt::Display for UidValidity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A CONDSTORE mod-sequence (RFC 7162 §3): strictly increasing with every change of a mailbox. Drawn from one
/// counter per account, so the account's highest one is also its JMAP state (RFC 8620 §1.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModSeq(pub u64);

impl fmt::Display for ModSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
