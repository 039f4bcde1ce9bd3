//! FETCH response items (RFC 9051 §7.5.2, RFC 3516 §4.3, RFC 7162 §3.1.4.1).

use crate::datetime::DateTime;
use crate::fetch::Section;
use crate::flag::Flag;
use crate::sequence::Uid;

use super::body::{BodyStructure, Envelope};

/// One item of a FETCH response. Data that is `None` is written NIL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchItem {
    Flags(Vec<Flag>),
    InternalDate(DateTime),
    Rfc822Size(u64),
    Envelope(Box<Envelope>),
    /// `BODY`: the structure without extension data.
    Body(Box<BodyStructure>),
    BodyStructure(Box<BodyStructure>),
    Uid(Uid),
    ModSeq(u64),
    Rfc822(Option<Vec<u8>>),
    Rfc822Header(Option<Vec<u8>>),
    Rfc822Text(Option<Vec<u8>>),
    /// `BODY[section]<origin>`; `origin` is the offset of a partial fetch.
    BodySection {
        section: Section,
        origin: Option<u32>,
        data: Option<Vec<u8>>,
    },
    /// `BINARY[part]<origin>`: written as literal8 when the data holds NUL octets.
    Binary {
        part: Vec<u32>,
        origin: Option<u32>,
        data: Option<Vec<u8>>,
    },
    BinarySize {
        part: Vec<u32>,
        size: u64,
    },
}
