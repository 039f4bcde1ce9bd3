//! Commands as typed values: what the server crate matches on. RFC 9051 §6 and the
//! extensions named on each variant.

use std::fmt;

use crate::fetch::FetchAttr;
use crate::flag::Flag;
use crate::mailbox::{ListPattern, MailboxName};
use crate::search::{SearchKey, SearchReturn, SortCriterion, ThreadAlgorithm};
use crate::sequence::{MessageSet, SeqNum, SeqSet, Uid};

/// A command tag: 1*ASTRING-CHAR except `+` (RFC 9051 §9), echoed in the tagged answer.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tag(String);

impl Tag {
    /// A tag, or `None` when `s` is not a valid tag.
    pub fn new(s: &str) -> Option<Tag> {
        let valid = !s.is_empty() && s.bytes().all(crate::parse::is_tag_char);
        valid.then(|| Tag(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", self.0)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password from LOGIN. Its `Debug` never shows the secret, so a command can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub Vec<u8>);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// One complete command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub tag: Tag,
    pub body: CommandBody,
}

/// The SASL initial response of AUTHENTICATE (RFC 4959 SASL-IR), still base64.
#[derive(Clone, PartialEq, Eq)]
pub enum InitialResponse {
    /// `=`: an empty initial response.
    Empty,
    /// The base64 text as sent; the SASL layer decodes it.
    Base64(String),
}

impl fmt::Debug for InitialResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitialResponse::Empty => f.write_str("Empty"),
            InitialResponse::Base64(_) => f.write_str("Base64(<redacted>)"),
        }
    }
}

/// `QRESYNC (uidvalidity modseq [known-uids [(seq-set uid-set)]])`, RFC 7162 §3.2.5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QresyncParams {
    pub uid_validity: u32,
    pub mod_seq: u64,
    pub known_uids: Option<SeqSet<Uid>>,
    pub seq_match: Option<(SeqSet<SeqNum>, SeqSet<Uid>)>,
}

/// SELECT/EXAMINE parameters (RFC 7162 §3.1.8 CONDSTORE, §3.2.5 QRESYNC).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelectParams {
    pub condstore: bool,
    pub qresync: Option<QresyncParams>,
}

/// Mailbox attributes (RFC 9051 §7.3.1, RFC 6154 special-use, RFC 5258 LIST-EXTENDED).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MailboxAttr {
    NoInferiors,
    NoSelect,
    Marked,
    Unmarked,
    HasChildren,
    HasNoChildren,
    NonExistent,
    Subscribed,
    Remote,
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
    /// Any other `\Name`, without the backslash.
    Other(String),
}

/// STATUS data items (RFC 9051 §6.3.11, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE, RFC 7889 APPENDLIMIT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusItem {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    Deleted,
    /// RFC 9208 §4.2.2.
    DeletedStorage,
    Size,
    HighestModSeq,
    AppendLimit,
}

/// LIST selection options (RFC 5258 §3.1, RFC 6154 §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSelection {
    Subscribed,
    Remote,
    RecursiveMatch,
    SpecialUse,
}

/// LIST return options (RFC 5258 §3.2, RFC 5819 STATUS, RFC 6154 SPECIAL-USE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListReturn {
    Subscribed,
    Children,
    SpecialUse,
    Status(Vec<StatusItem>),
}

/// LIST in its basic (RFC 9051 §6.3.9) or extended (RFC 5258) form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCommand {
    pub selection: Vec<ListSelection>,
    pub reference: ListPattern,
    pub patterns: Vec<ListPattern>,
    pub returns: Vec<ListReturn>,
}

/// SEARCH, or UID SEARCH when `uid` (RFC 9051 §6.4.4, RFC 4731 ESEARCH return options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCommand {
    pub uid: bool,
    /// `RETURN (...)`; `Some(vec![])` is `RETURN ()`, meaning ALL (RFC 4731 §3.1).
    pub returns: Option<Vec<SearchReturn>>,
    pub charset: Option<String>,
    /// The criteria, ANDed (a single key, or [`SearchKey::And`]).
    pub criteria: SearchKey,
}

/// FETCH, or UID FETCH (RFC 9051 §6.4.5, RFC 7162 CHANGEDSINCE/VANISHED).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchCommand {
    pub set: MessageSet,
    /// Attributes with the macros ALL/FAST/FULL expanded.
    pub attrs: Vec<FetchAttr>,
    pub changed_since: Option<u64>,
    pub vanished: bool,
}

/// How STORE changes the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    Replace,
    Add,
    Remove,
}

/// STORE, or UID STORE (RFC 9051 §6.4.6, RFC 7162 UNCHANGEDSINCE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreCommand {
    pub set: MessageSet,
    pub unchanged_since: Option<u64>,
    pub mode: StoreMode,
    pub silent: bool,
    pub flags: Vec<Flag>,
}

/// SORT, or UID SORT (RFC 5256 §3; RETURN from RFC 5267 ESORT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortCommand {
    pub uid: bool,
    pub returns: Option<Vec<SearchReturn>>,
    pub criteria: Vec<SortCriterion>,
    pub charset: String,
    pub search: SearchKey,
}

/// THREAD, or UID THREAD (RFC 5256 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadCommand {
    pub uid: bool,
    pub algorithm: ThreadAlgorithm,
    pub charset: String,
    pub search: SearchKey,
}

/// Every command but APPEND, which the reader streams (see [`crate::AppendStart`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandBody {
    // Any state (RFC 9051 §6.1).
    Capability,
    Noop,
    Logout,
    /// RFC 2971: `ID NIL` or `ID ("name" "value" ...)`.
    Id(Option<Vec<(String, Option<String>)>>),

    // Not authenticated (RFC 9051 §6.2).
    StartTls,
    Authenticate {
        mechanism: String,
        initial_response: Option<InitialResponse>,
    },
    Login {
        username: String,
        password: Password,
    },

    // Authenticated (RFC 9051 §6.3).
    /// RFC 5161.
    Enable(Vec<String>),
    Select {
        mailbox: MailboxName,
        params: SelectParams,
    },
    Examine {
        mailbox: MailboxName,
        params: SelectParams,
    },
    /// RFC 6154 §3 CREATE-SPECIAL-USE: `CREATE name (USE (\Sent))`.
    Create {
        mailbox: MailboxName,
        special_use: Vec<MailboxAttr>,
    },
    Delete(MailboxName),
    Rename {
        from: MailboxName,
        to: MailboxName,
    },
    Subscribe(MailboxName),
    Unsubscribe(MailboxName),
    List(ListCommand),
    Lsub {
        reference: ListPattern,
        pattern: ListPattern,
    },
    /// RFC 2342.
    Namespace,
    Status {
        mailbox: MailboxName,
        items: Vec<StatusItem>,
    },
    /// RFC 2177: the session answers `+ idling` and reads `DONE` with [`crate::CommandReader::next_line`].
    Idle,
    /// RFC 9208 §4.
    GetQuota(String),
    GetQuotaRoot(MailboxName),
    SetQuota {
        root: String,
        limits: Vec<(String, u64)>,
    },
    /// RFC 4978.
    Compress(String),

    // Selected (RFC 9051 §6.4).
    Check,
    Close,
    /// RFC 3691.
    Unselect,
    Expunge,
    /// RFC 4315 UIDPLUS.
    UidExpunge(SeqSet<Uid>),
    Search(SearchCommand),
    Fetch(FetchCommand),
    Store(StoreCommand),
    Copy {
        set: MessageSet,
        mailbox: MailboxName,
    },
    /// RFC 6851.
    Move {
        set: MessageSet,
        mailbox: MailboxName,
    },
    Sort(SortCommand),
    Thread(ThreadCommand),
}

impl CommandBody {
    /// The command's name in upper case, from the grammar's fixed set: what logs and metrics call it.
    pub fn name(&self) -> &'static str {
        match self {
            CommandBody::Capability => "CAPABILITY",
            CommandBody::Noop => "NOOP",
            CommandBody::Logout => "LOGOUT",
            CommandBody::Id(_) => "ID",
            CommandBody::StartTls => "STARTTLS",
            CommandBody::Authenticate { .. } => "AUTHENTICATE",
            CommandBody::Login { .. } => "LOGIN",
            CommandBody::Enable(_) => "ENABLE",
            CommandBody::Select { .. } => "SELECT",
            CommandBody::Examine { .. } => "EXAMINE",
            CommandBody::Create { .. } => "CREATE",
            CommandBody::Delete(_) => "DELETE",
            CommandBody::Rename { .. } => "RENAME",
            CommandBody::Subscribe(_) => "SUBSCRIBE",
            CommandBody::Unsubscribe(_) => "UNSUBSCRIBE",
            CommandBody::List(_) => "LIST",
            CommandBody::Lsub { .. } => "LSUB",
            CommandBody::Namespace => "NAMESPACE",
            CommandBody::Status { .. } => "STATUS",
            CommandBody::Idle => "IDLE",
            CommandBody::GetQuota(_) => "GETQUOTA",
            CommandBody::GetQuotaRoot(_) => "GETQUOTAROOT",
            CommandBody::SetQuota { .. } => "SETQUOTA",
            CommandBody::Compress(_) => "COMPRESS",
            CommandBody::Check => "CHECK",
            CommandBody::Close => "CLOSE",
            CommandBody::Unselect => "UNSELECT",
            CommandBody::Expunge => "EXPUNGE",
            CommandBody::UidExpunge(_) => "UID EXPUNGE",
            CommandBody::Search(_) => "SEARCH",
            CommandBody::Fetch(_) => "FETCH",
            CommandBody::Store(_) => "STORE",
            CommandBody::Copy { .. } => "COPY",
            CommandBody::Move { .. } => "MOVE",
            CommandBody::Sort(_) => "SORT",
            CommandBody::Thread(_) => "THREAD",
        }
    }
}
