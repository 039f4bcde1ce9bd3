//! ENVELOPE and BODYSTRUCTURE as IMAP shapes them (RFC 9051 §7.5.2). The server maps its
//! parsed-message types onto these; header values stay raw bytes (they may be 8-bit).

/// An address of an ENVELOPE field. Groups use RFC 9051's convention: a start marker with
/// `host` NIL and `mailbox` the group name, an end marker with both NIL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub name: Option<Vec<u8>>,
    pub adl: Option<Vec<u8>>,
    pub mailbox: Option<Vec<u8>>,
    pub host: Option<Vec<u8>>,
}

/// ENVELOPE. Empty address lists are written NIL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    pub date: Option<Vec<u8>>,
    pub subject: Option<Vec<u8>>,
    pub from: Vec<Address>,
    pub sender: Vec<Address>,
    pub reply_to: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub in_reply_to: Option<Vec<u8>>,
    pub message_id: Option<Vec<u8>>,
}

/// body-fields: parameters, Content-ID, description, transfer encoding, size in octets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BodyFields {
    pub params: Vec<(String, String)>,
    pub id: Option<Vec<u8>>,
    pub description: Option<Vec<u8>>,
    pub encoding: String,
    pub size: u32,
}

/// What kind of leaf part this is; text and message parts carry more fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinglePartKind {
    Basic {
        media_type: String,
        subtype: String,
    },
    Text {
        subtype: String,
        lines: u32,
    },
    /// message/rfc822 or message/global (RFC 9051 §7.5.2).
    Message {
        subtype: String,
        envelope: Box<Envelope>,
        body: Box<BodyStructure>,
        lines: u32,
    },
}

/// Content-Disposition: type and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposition {
    pub kind: String,
    pub params: Vec<(String, String)>,
}

/// Extension data, written only for BODYSTRUCTURE. `md5` applies to leaf parts only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BodyExtension {
    pub md5: Option<String>,
    pub disposition: Option<Disposition>,
    pub language: Vec<String>,
    pub location: Option<String>,
}

/// A BODYSTRUCTURE tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStructure {
    Single {
        kind: SinglePartKind,
        fields: BodyFields,
        extension: BodyExtension,
    },
    Multipart {
        /// At least one part: an empty list is written as one empty text/plain part.
        parts: Vec<BodyStructure>,
        subtype: String,
        params: Vec<(String, String)>,
        extension: BodyExtension,
    },
}
