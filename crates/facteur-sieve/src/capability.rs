//! The extensions a script may `require` (RFC 5228 §3.2), with the documents that define them.

/// One extension this implementation offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// RFC 5228 §4.1.
    FileInto,
    /// RFC 5228 §5.4.
    Envelope,
    /// RFC 5228 §2.4.2.4.
    EncodedCharacter,
    /// RFC 5228 §2.7.3: always available, but may be required.
    ComparatorOctet,
    ComparatorAsciiCasemap,
    /// RFC 4790 §9.1, named by RFC 5231 §4.
    ComparatorAsciiNumeric,
    /// RFC 5229.
    Variables,
    /// RFC 5231.
    Relational,
    /// RFC 5233.
    Subaddress,
    /// RFC 5232.
    Imap4Flags,
    /// RFC 3894.
    Copy,
    /// RFC 5173.
    Body,
    /// RFC 5260 §4.
    Date,
    /// RFC 5260 §6.
    Index,
    /// RFC 5490 §3.
    Mailbox,
    /// RFC 5230.
    Vacation,
    /// RFC 6131.
    VacationSeconds,
    /// RFC 5429 §2.2.
    Reject,
    /// RFC 5429 §2.1.
    EReject,
    /// RFC 7352.
    Duplicate,
    /// RFC 6609.
    Include,
    /// RFC 5293.
    EditHeader,
    /// draft-ietf-sieve-regex-01, as Pigeonhole implements it.
    Regex,
}

impl Capability {
    /// Every extension, in the order ManageSieve's `SIEVE` capability lists them (RFC 5804 §1.7).
    pub const ALL: [Capability; 23] = [
        Capability::FileInto,
        Capability::Envelope,
        Capability::EncodedCharacter,
        Capability::ComparatorOctet,
        Capability::ComparatorAsciiCasemap,
        Capability::ComparatorAsciiNumeric,
        Capability::Variables,
        Capability::Relational,
        Capability::Subaddress,
        Capability::Imap4Flags,
        Capability::Copy,
        Capability::Body,
        Capability::Date,
        Capability::Index,
        Capability::Mailbox,
        Capability::Vacation,
        Capability::VacationSeconds,
        Capability::Reject,
        Capability::EReject,
        Capability::Duplicate,
        Capability::Include,
        Capability::EditHeader,
        Capability::Regex,
    ];

    /// The name a script requires it by.
    pub fn name(self) -> &'static str {
        match self {
            Capability::FileInto => "fileinto",
            Capability::Envelope => "envelope",
            Capability::EncodedCharacter => "encoded-character",
            Capability::ComparatorOctet => "comparator-i;octet",
            Capability::ComparatorAsciiCasemap => "comparator-i;ascii-casemap",
            Capability::ComparatorAsciiNumeric => "comparator-i;ascii-numeric",
            Capability::Variables => "variables",
            Capability::Relational => "relational",
            Capability::Subaddress => "subaddress",
            Capability::Imap4Flags => "imap4flags",
            Capability::Copy => "copy",
            Capability::Body => "body",
            Capability::Date => "date",
            Capability::Index => "index",
            Capability::Mailbox => "mailbox",
            Capability::Vacation => "vacation",
            Capability::VacationSeconds => "vacation-seconds",
            Capability::Reject => "reject",
            Capability::EReject => "ereject",
            Capability::Duplicate => "duplicate",
            Capability::Include => "include",
            Capability::EditHeader => "editheader",
            Capability::Regex => "regex",
        }
    }

    /// The extension named `name` (capability names are case-sensitive strings, RFC 5228 §6).
    pub fn from_name(name: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The `SIEVE` capability string of ManageSieve: every name, space-separated.
    pub fn managesieve_list() -> String {
        Capability::ALL.map(Capability::name).join(" ")
    }
}
