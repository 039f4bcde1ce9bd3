//! Messages as the store sees them: a blob reference plus per-mailbox IMAP state.

use crate::blob::BlobId;
use crate::flags::{Keywords, SystemFlags};
use crate::ids::{AccountId, EmailId, MailboxId, ModSeq, ThreadId, Uid};
use facteur_primitives::{SearchText, ThreadKeys};

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
    /// Files the message in the conversation of any message of the same account it shares one with.
    pub thread: ThreadKeys,
    /// What the full-text index finds it by. PostgreSQL keeps it with the blob in the same transaction (ignored
    /// if the blob already has it); SQLite lists the blob for its background indexer instead, which reads the
    /// message itself (`sqlite/text_index.rs` says why), as PostgreSQL does for `None`. Searches read a listed
    /// message until it is indexed.
    pub text: Option<SearchText>,
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
    pub email: EmailId,
    pub thread: ThreadId,
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
    pub email: EmailId,
    pub thread: ThreadId,
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

/// A message of an account wherever it is: JMAP's view (one mailbox per email, RFC 8621's
/// `maxMailboxesPerEmail` = 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMeta {
    pub mailbox: MailboxId,
    pub message: MessageMeta,
}

/// What changed in an account after some state (its change counter), for JMAP `/changes` (RFC 8620 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountChanges {
    /// The account's state now.
    pub state: ModSeq,
    /// Messages created, moved or whose flags changed, with their current state.
    pub emails: Vec<EmailMeta>,
    /// Messages gone: the thread each was in and when it went.
    pub destroyed_emails: Vec<DestroyedEmail>,
    /// Mailboxes created, renamed, (un)subscribed, or whose messages changed: (id, created after the state).
    pub mailboxes: Vec<(MailboxId, bool)>,
    pub destroyed_mailboxes: Vec<MailboxId>,
}

/// A message expunged for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DestroyedEmail {
    pub email: EmailId,
    pub thread: ThreadId,
    pub modseq: ModSeq,
}
