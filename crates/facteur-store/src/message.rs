//! Messages as the store sees them: a blob reference plus per-mailbox IMAP state.

use crate::blob::BlobId;
use crate::flags::{Keywords, SystemFlags};
use crate::ids::{AccountId, MailboxId, ModSeq, Uid};

/// One message to place into one or more mailboxes, in one transaction.
///
/// The size is not given: it is the blob's, so RFC822.SIZE and the quota can never disagree with the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Must have been stored with the blob store first.
    pub blob: BlobId,
    /// Opaque parse results from `facteur-message`, kept with the blob (they derive from its immutable content);
    /// ignored if the blob already has one.
    pub summary: Vec<u8>,
    /// INTERNALDATE, unix seconds.
    pub internal_date: i64,
    pub targets: Vec<DeliveryTarget>,
}

/// Where one copy of a delivered message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryTarget {
    pub account: AccountId,
    /// `None` means the account's INBOX.
    pub mailbox: Option<MailboxId>,
    pub flags: SystemFlags,
    pub keywords: Keywords,
}

impl DeliveryTarget {
    /// Plain delivery into an account's INBOX, unflagged.
    pub fn inbox(account: AccountId) -> DeliveryTarget {
        DeliveryTarget { account, mailbox: None, flags: SystemFlags::NONE, keywords: Keywords::new() }
    }
}

/// Where one copy landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub account: AccountId,
    pub mailbox: MailboxId,
    pub uid: Uid,
    pub modseq: ModSeq,
}

/// A message's state in one mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    pub uid: Uid,
    pub flags: SystemFlags,
    pub keywords: Keywords,
    pub modseq: ModSeq,
    /// INTERNALDATE, unix seconds.
    pub internal_date: i64,
    pub size: u64,
    pub blob: BlobId,
}

/// What STORE did (RFC 7162 §3.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlagsStored {
    /// Messages whose flags changed, with their new flags and their new (distinct) MODSEQ. Messages the change
    /// left as they were keep their MODSEQ and are not listed; UIDs that do not exist are ignored.
    pub changed: Vec<MessageMeta>,
    /// Messages left untouched because their MODSEQ was above UNCHANGEDSINCE: the `MODIFIED` response code.
    pub conflicts: Vec<Uid>,
}

/// What changed in a mailbox after some MODSEQ (for CONDSTORE FETCH CHANGEDSINCE and QRESYNC).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailboxChanges {
    /// Messages added or whose flags changed, ordered by UID.
    pub changed: Vec<MessageMeta>,
    /// UIDs expunged (RFC 7162 §3.2.10 VANISHED), ascending.
    pub vanished: Vec<Uid>,
}
