//! SEARCH criteria (RFC 9051 §6.4.4, RFC 7162 §3.1.5 MODSEQ), ESEARCH return options
//! (RFC 4731) and the SORT/THREAD vocabulary (RFC 5256).

use crate::datetime::Date;
use crate::flag::Flag;
use crate::sequence::{SeqNum, SeqSet, Uid};

/// One search key. Strings stay raw bytes: their charset is the command's CHARSET, which
/// the server checks (answering `NO [BADCHARSET]` for ones it does not know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    All,
    /// Parenthesised list, and the implicit AND of the top level.
    And(Vec<SearchKey>),
    Or(Box<SearchKey>, Box<SearchKey>),
    Not(Box<SearchKey>),
    SequenceSet(SeqSet<SeqNum>),
    Uid(SeqSet<Uid>),
    /// ANSWERED, DELETED, DRAFT, FLAGGED, SEEN, KEYWORD x.
    Flag(Flag),
    /// UNANSWERED, UNDELETED, UNDRAFT, UNFLAGGED, UNSEEN, UNKEYWORD x.
    NotFlag(Flag),
    /// IMAP4rev1 NEW (recent and unseen), OLD, RECENT.
    New,
    Old,
    Recent,
    Bcc(Vec<u8>),
    Cc(Vec<u8>),
    From(Vec<u8>),
    To(Vec<u8>),
    Subject(Vec<u8>),
    Body(Vec<u8>),
    Text(Vec<u8>),
    Header(String, Vec<u8>),
    /// Internal date, compared by day ignoring time and zone (RFC 9051 §6.4.4).
    Before(Date),
    On(Date),
    Since(Date),
    /// Date: header.
    SentBefore(Date),
    SentOn(Date),
    SentSince(Date),
    Larger(u64),
    Smaller(u64),
    /// `MODSEQ [entry-name entry-type] modseq`; the entry is parsed and ignored.
    ModSeq(u64),
}

/// ESEARCH `RETURN` options (RFC 4731 §3.1; SAVE is RFC 5182).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchReturn {
    Min,
    Max,
    All,
    Count,
    Save,
}

/// SORT keys (RFC 5256 §3), each optionally REVERSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    /// RFC 5957.
    DisplayFrom,
    DisplayTo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortCriterion {
    pub reverse: bool,
    pub key: SortKey,
}

/// THREAD algorithms (RFC 5256 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadAlgorithm {
    OrderedSubject,
    References,
    /// Another algorithm name; the server answers BAD/NO as it does not advertise it.
    Other(String),
}
