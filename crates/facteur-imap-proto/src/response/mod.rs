//! Responses as typed values (RFC 9051 §7 and the extensions named on each variant).
//! The server builds these; [`crate::ResponseWriter`] turns them into bytes.

mod body;
mod fetch;

pub use body::{Address, BodyExtension, BodyFields, BodyStructure, Disposition, Envelope, SinglePartKind};
pub use fetch::FetchItem;

use crate::command::{MailboxAttr, Tag};
use crate::flag::{Flag, PermanentFlag};
use crate::mailbox::MailboxName;
use crate::sequence::{MessageSet, SeqNum, SeqSet, Uid};

/// Anything the server sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Status(StatusResponse),
    Data(Data),
    /// `+ text` (RFC 9051 §7.5): go ahead with a literal, IDLE, or an AUTHENTICATE challenge.
    Continue(ContinueRequest),
}

/// The text of a continuation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContinueRequest {
    /// Human-readable text, e.g. `Ready for literal data`.
    Text(String),
    /// A SASL challenge, already base64-encoded (may be empty).
    Base64(String),
}

/// OK, NO, BAD, PREAUTH or BYE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Ok,
    No,
    Bad,
    PreAuth,
    Bye,
}

/// A status response: tagged (completing a command) or untagged (`*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusResponse {
    pub tag: Option<Tag>,
    pub kind: StatusKind,
    pub code: Option<ResponseCode>,
    /// Human-readable text; CR and LF are replaced when written.
    pub text: String,
}

impl StatusResponse {
    pub fn new(tag: Option<Tag>, kind: StatusKind, text: impl Into<String>) -> Self {
        StatusResponse { tag, kind, code: None, text: text.into() }
    }

    pub fn ok(tag: Option<Tag>, text: impl Into<String>) -> Self {
        Self::new(tag, StatusKind::Ok, text)
    }

    pub fn no(tag: Option<Tag>, text: impl Into<String>) -> Self {
        Self::new(tag, StatusKind::No, text)
    }

    pub fn bad(tag: Option<Tag>, text: impl Into<String>) -> Self {
        Self::new(tag, StatusKind::Bad, text)
    }

    pub fn bye(text: impl Into<String>) -> Self {
        Self::new(None, StatusKind::Bye, text)
    }

    pub fn with_code(mut self, code: ResponseCode) -> Self {
        self.code = Some(code);
        self
    }
}

/// Response codes (RFC 9051 §7.1, RFC 4315 UIDPLUS, RFC 7162 CONDSTORE, RFC 5530, RFC 4978,
/// RFC 6154 USEATTR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseCode {
    Alert,
    BadCharset(Vec<String>),
    Capability(Vec<String>),
    Parse,
    PermanentFlags(Vec<PermanentFlag>),
    ReadOnly,
    ReadWrite,
    TryCreate,
    UidNext(u32),
    UidValidity(u32),
    /// IMAP4rev1 only.
    Unseen(u32),
    AppendUid {
        uid_validity: u32,
        uids: SeqSet<Uid>,
    },
    CopyUid {
        uid_validity: u32,
        source: SeqSet<Uid>,
        destination: SeqSet<Uid>,
    },
    UidNotSticky,
    HighestModSeq(u64),
    NoModSeq,
    /// Messages a conditional STORE did not change (RFC 7162 §3.1.3).
    Modified(MessageSet),
    Closed,
    AlreadyExists,
    Nonexistent,
    TooBig,
    OverQuota,
    Cannot,
    Limit,
    InUse,
    ServerBug,
    ClientBug,
    ExpungeIssued,
    AuthenticationFailed,
    AuthorizationFailed,
    Expired,
    PrivacyRequired,
    ContactAdmin,
    NoPerm,
    Unavailable,
    CompressionActive,
    HasChildren,
    UnknownCte,
    UseAttr,
    /// Any other code: an atom and optional text.
    Other(String, Option<String>),
}

/// An entry of a LIST or LSUB response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    pub attributes: Vec<MailboxAttr>,
    /// Hierarchy delimiter; `None` for a flat namespace (NIL).
    pub delimiter: Option<char>,
    pub mailbox: MailboxName,
    /// RFC 5258 §3.5 extended data.
    pub extended: Vec<ListExtendedItem>,
}

/// `mbox-list-extended-item` (RFC 5258 CHILDINFO, RFC 9051 OLDNAME).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListExtendedItem {
    /// `("CHILDINFO" ("SUBSCRIBED"))`.
    ChildInfo(Vec<String>),
    /// `("OLDNAME" ("old"))`, after a rename.
    OldName(MailboxName),
}

/// One STATUS value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusValue {
    Messages(u32),
    Recent(u32),
    UidNext(u32),
    UidValidity(u32),
    Unseen(u32),
    Deleted(u32),
    /// RFC 9208 §4.2.2: in units of 1024 octets, like the STORAGE resource.
    DeletedStorage(u64),
    Size(u64),
    HighestModSeq(u64),
    /// `None` is NIL: no limit for this mailbox (RFC 7889 §4).
    AppendLimit(Option<u64>),
}

/// One ESEARCH result item (RFC 4731 §3.2, RFC 7162 §3.1.5 MODSEQ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ESearchItem {
    Min(u32),
    Max(u32),
    /// Written as a compact sequence set.
    All(Vec<u32>),
    Count(u32),
    ModSeq(u64),
}

/// A THREAD node (RFC 5256 §4): a message (or a missing parent, `None`) and its replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadNode {
    pub message: Option<u32>,
    pub children: Vec<ThreadNode>,
}

/// Dropping iteratively: a thread is as deep as its longest reply chain, which senders
/// control, and the derived recursive drop would overflow the stack on a long one.
impl Drop for ThreadNode {
    fn drop(&mut self) {
        let mut pending = std::mem::take(&mut self.children);
        while let Some(mut node) = pending.pop() {
            pending.append(&mut node.children);
        }
    }
}

/// A namespace (RFC 2342 §5): prefix and delimiter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceDescription {
    pub prefix: String,
    pub delimiter: Option<char>,
}

/// A QUOTA resource (RFC 9208 §5.1): usage and limit, in KiB for STORAGE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaResource {
    pub name: String,
    pub usage: u64,
    pub limit: u64,
}

/// Untagged data responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Capability(Vec<String>),
    /// RFC 5161 §3.2.
    Enabled(Vec<String>),
    List(ListItem),
    Lsub(ListItem),
    Status {
        mailbox: MailboxName,
        items: Vec<StatusValue>,
    },
    Exists(u32),
    /// IMAP4rev1 only.
    Recent(u32),
    Expunge(SeqNum),
    /// RFC 7162 §3.2.10.
    Vanished {
        earlier: bool,
        uids: SeqSet<Uid>,
    },
    Fetch {
        seq: SeqNum,
        items: Vec<FetchItem>,
    },
    /// IMAP4rev1 SEARCH, with the RFC 7162 `(MODSEQ n)` suffix when asked for.
    Search {
        numbers: Vec<u32>,
        mod_seq: Option<u64>,
    },
    /// RFC 4731 / RFC 9051 §7.3.4.
    ESearch {
        tag: Option<Tag>,
        uid: bool,
        items: Vec<ESearchItem>,
    },
    /// RFC 5256 §4.
    Sort {
        numbers: Vec<u32>,
        mod_seq: Option<u64>,
    },
    Thread(Vec<ThreadNode>),
    Flags(Vec<Flag>),
    /// RFC 2971 §3.2.
    Id(Option<Vec<(String, Option<String>)>>),
    /// RFC 2342; an empty list is written NIL.
    Namespace {
        personal: Vec<NamespaceDescription>,
        other: Vec<NamespaceDescription>,
        shared: Vec<NamespaceDescription>,
    },
    /// RFC 9208 §5.1.
    Quota {
        root: String,
        resources: Vec<QuotaResource>,
    },
    /// RFC 9208 §5.2.
    QuotaRoot {
        mailbox: MailboxName,
        roots: Vec<String>,
    },
}
