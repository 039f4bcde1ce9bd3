//! mbox (RFC 4155): messages one after the other in one file, each opened by a `From ` line (the envelope
//! sender and the arrival time) and followed by a blank line, as Python's `mailbox.mbox` writes and reads it.
//!
//! A line of a message that starts with `From ` would read as the next message's start, so writers quote
//! it as `>From `. Python (like most, "mboxo") quotes only `From `; "mboxrd" also quotes `>From ` as
//! `>>From ` so that reading can take one `>` off every `>…>From ` line and give back the message exactly.
//! This reads as mboxrd and writes as mboxrd: a file written by either comes back byte for byte, and a
//! message stored from an mboxrd file is the one that was written. (From an mboxo file, a line that was
//! `>From ` in the original message is stored as `From `: mboxo itself cannot tell the two apart.)

/// Cutting an mbox into messages, line by line.
pub mod split;
/// `Status:`, `X-Status:` and `X-Keywords:`: where an mbox keeps each message's flags and keywords.
pub mod status;
/// Writing messages into an mbox.
pub mod write;

pub use split::{MboxMessage, MboxSplitter, split};
pub use status::{header_flags, with_flags, writable_keyword};
pub use write::{from_line, write_message};

/// Whether `line` is a quoted or unquoted `From ` line: `From `, `>From `, `>>From `…
fn is_from_line_quoted_any_depth(line: &[u8]) -> bool {
    let quotes = line.iter().take_while(|&&b| b == b'>').count();
    line[quotes..].starts_with(b"From ")
}
