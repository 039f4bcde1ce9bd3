//! Message flags (RFC 9051 §2.3.2) as commands carry them and responses show them.

/// One flag. Keywords keep the client's spelling; system flags are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
    /// `\Recent` (IMAP4rev1 only; RFC 9051 removed it). Only servers send it.
    Recent,
    /// A keyword (an atom without backslash), e.g. `$Forwarded`, `$Junk`.
    Keyword(String),
    /// Another `\Flag` (flag-extension); the string excludes the backslash.
    Extension(String),
}

impl Flag {
    /// Parses the text of a flag atom, backslash included for system flags.
    pub fn from_atom(atom: &str) -> Flag {
        let Some(name) = atom.strip_prefix('\\') else {
            return Flag::Keyword(atom.to_owned());
        };
        match name.to_ascii_lowercase().as_str() {
            "seen" => Flag::Seen,
            "answered" => Flag::Answered,
            "flagged" => Flag::Flagged,
            "deleted" => Flag::Deleted,
            "draft" => Flag::Draft,
            "recent" => Flag::Recent,
            _ => Flag::Extension(name.to_owned()),
        }
    }

    /// The flag as written on the wire.
    pub fn as_wire(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Flag::Seen => Cow::Borrowed("\\Seen"),
            Flag::Answered => Cow::Borrowed("\\Answered"),
            Flag::Flagged => Cow::Borrowed("\\Flagged"),
            Flag::Deleted => Cow::Borrowed("\\Deleted"),
            Flag::Draft => Cow::Borrowed("\\Draft"),
            Flag::Recent => Cow::Borrowed("\\Recent"),
            Flag::Keyword(k) => Cow::Borrowed(k),
            Flag::Extension(e) => Cow::Owned(format!("\\{e}")),
        }
    }
}

/// An entry of the PERMANENTFLAGS response code: a flag, or `\*` ("clients may create keywords").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermanentFlag {
    Flag(Flag),
    AnyKeyword,
}
