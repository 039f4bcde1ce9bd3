//! Every bound the command reader enforces, so a hostile client cannot make the server
//! buffer, loop or recurse without limit. The session picks the values (from config);
//! the defaults suit a public server.

/// How non-synchronising literals (`{N+}`) are accepted.
///
/// RFC 7888 §3-4: LITERAL+ allows them at any size; LITERAL- only up to 4096 octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonSyncLiterals {
    /// LITERAL+: any size up to the other limits.
    Plus,
    /// LITERAL-: at most [`LITERAL_MINUS_MAX`] octets.
    Minus,
}

/// RFC 7888 §4: the largest non-synchronising literal a LITERAL- server accepts.
pub const LITERAL_MINUS_MAX: u64 = 4096;

/// Bounds on what one command may contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest line (between CRLFs, literal data excluded). RFC 7162 §4 asks servers to
    /// accept lines of at least 8192 octets.
    pub max_line: usize,
    /// Largest total of one command's lines and literals (APPEND message data excluded).
    pub max_command: usize,
    /// Largest literal in any position other than APPEND message data.
    pub max_literal: u64,
    /// Largest APPEND message (advertised as APPENDLIMIT, RFC 7889).
    pub max_append: u64,
    /// Most literals one command may announce.
    pub max_literals: usize,
    /// Most ranges in one sequence set.
    pub max_set_ranges: usize,
    /// Most items in any parenthesised list (flags, FETCH attributes, ID fields, …).
    pub max_list_items: usize,
    /// Deepest nesting of SEARCH parentheses, NOT and OR.
    pub max_search_depth: usize,
    /// LITERAL+ or LITERAL-.
    pub non_sync_literals: NonSyncLiterals,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 64 * 1024,
            max_command: 1024 * 1024,
            max_literal: 64 * 1024,
            max_append: 64 * 1024 * 1024,
            max_literals: 64,
            max_set_ranges: 10_000,
            max_list_items: 1_000,
            max_search_depth: 32,
            non_sync_literals: NonSyncLiterals::Plus,
        }
    }
}
