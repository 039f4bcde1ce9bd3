//! Writing an mbox as Python's `mailbox.mbox` writes it, with mboxrd quoting: each message is its `From `
//! line, its lines (each `From `, `>From `, `>>From `… line given one more `>`), a line ending if its last
//! line had none, and one blank line.

use facteur_primitives::asctime;

use super::is_from_line_quoted_any_depth;

/// The sender written when there is none to write (Python's `mailbox` writes it too).
pub const NO_SENDER: &str = "MAILER-DAEMON";

/// A `From ` line's text after `From `: `sender` (or `MAILER-DAEMON` for an empty or unwritable one) and
/// `unix_seconds` in asctime form.
pub fn from_line(sender: &str, unix_seconds: i64) -> String {
    let writable = !sender.is_empty() && sender.chars().all(|c| c.is_ascii_graphic());
    let sender = if writable { sender } else { NO_SENDER };
    format!("{sender} {}", asctime(unix_seconds))
}

/// Appends one message, its `From ` line being `From ` + `from_line` (which must hold no line ending).
pub fn write_message(out: &mut Vec<u8>, from_line: &[u8], content: &[u8]) {
    out.extend_from_slice(b"From ");
    out.extend_from_slice(from_line);
    out.push(b'\n');
    for line in content.split_inclusive(|&b| b == b'\n') {
        if is_from_line_quoted_any_depth(line) {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
    if !content.is_empty() && !content.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mbox::split;

    #[test]
    fn messages_are_framed_and_quoted_as_mboxrd() {
        let mut out = Vec::new();
        write_message(&mut out, b"a@b Sat Nov  4 01:02:03 2023", b"Subject: x\n\nFrom here\n>From there\nend");
        assert_eq!(out, b"From a@b Sat Nov  4 01:02:03 2023\nSubject: x\n\n>From here\n>>From there\nend\n\n");
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let contents: [&[u8]; 4] = [b"A\n", b"B\n\n\n", b"From x\n>From y\n\n>>From z\n", b"C\r\n\r\n"];
        let mut out = Vec::new();
        for content in contents {
            write_message(&mut out, from_line("", 0).as_bytes(), content);
        }
        let read = split(&out);
        assert_eq!(read.iter().map(|m| m.content.as_slice()).collect::<Vec<_>>(), contents);
        assert_eq!(read[0].from_line, b"MAILER-DAEMON Thu Jan  1 00:00:00 1970");
    }

    #[test]
    fn a_sender_that_would_break_the_line_is_not_written() {
        assert!(from_line("a b@c", 0).starts_with("MAILER-DAEMON "));
        assert!(from_line("bounce@example.org", 0).starts_with("bounce@example.org "));
    }
}
