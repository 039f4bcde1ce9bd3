//! Reading an mbox as Python's `mailbox.mbox` reads it: every line that starts with `From ` opens a
//! message, which ends with the line before it, less one blank line if the line before is blank (the one
//! writers put between messages; at the end of the file too). Bytes before the first `From ` line belong
//! to no message.

use facteur_primitives::parse_trailing_asctime;

use super::is_from_line_quoted_any_depth;

/// One message of an mbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxMessage {
    /// The `From ` line after `From `, without its line ending and trailing blanks: the envelope sender, then
    /// the date.
    pub from_line: Vec<u8>,
    /// The message as the file has it, with one `>` taken off each quoted `From ` line.
    pub content: Vec<u8>,
}

impl MboxMessage {
    /// The arrival time the `From ` line gives (IMAP INTERNALDATE), if it reads as a date.
    pub fn date(&self) -> Option<i64> {
        parse_trailing_asctime(&String::from_utf8_lossy(&self.from_line))
    }
}

/// Cuts an mbox into messages as its lines come: feed every line with [`MboxSplitter::push_line`], then
/// call [`MboxSplitter::finish`]. Holds one message at a time.
#[derive(Debug, Default)]
pub struct MboxSplitter {
    current: Option<MboxMessage>,
    /// A blank line just read: part of the message, unless a `From ` line or the end of the file follows.
    held_blank: Option<&'static [u8]>,
    /// Bytes before the first `From ` line.
    skipped: u64,
}

impl MboxSplitter {
    pub fn new() -> MboxSplitter {
        MboxSplitter::default()
    }

    /// Takes the next line of the file, with its line ending (the last line may have none), and returns the
    /// message it ends if it opens the next one.
    pub fn push_line(&mut self, line: &[u8]) -> Option<MboxMessage> {
        if let Some(after) = line.strip_prefix(b"From ") {
            let from_line = after.trim_ascii_end().to_vec();
            self.held_blank = None;
            return self.current.replace(MboxMessage { from_line, content: Vec::new() });
        }
        let Some(message) = self.current.as_mut() else {
            self.skipped += line.len() as u64;
            return None;
        };
        if let Some(blank) = self.held_blank.take() {
            message.content.extend_from_slice(blank);
        }
        match line {
            b"\n" => self.held_blank = Some(b"\n"),
            b"\r\n" => self.held_blank = Some(b"\r\n"),
            quoted if quoted.starts_with(b">") && is_from_line_quoted_any_depth(quoted) => {
                message.content.extend_from_slice(&quoted[1..]);
            }
            other => message.content.extend_from_slice(other),
        }
        None
    }

    /// The last message, once the whole file has been pushed (a blank line at its end is dropped).
    pub fn finish(self) -> Option<MboxMessage> {
        self.current
    }

    /// How many bytes came before the first `From ` line: not an mbox, or garbage at its start.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

/// Every message of an mbox held in memory.
pub fn split(mbox: &[u8]) -> Vec<MboxMessage> {
    let mut splitter = MboxSplitter::new();
    let mut messages: Vec<MboxMessage> =
        mbox.split_inclusive(|&b| b == b'\n').filter_map(|line| splitter.push_line(line)).collect();
    messages.extend(splitter.finish());
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_end_before_the_blank_line_that_separates_them() {
        let mbox = b"From a@b Sat Nov  4 01:02:03 2023\nSubject: 1\n\nbody\n\nFrom c@d Tue Nov 14 22:13:20 2023\n\
                     Subject: 2\n\nlast\n\n";
        let messages = split(mbox);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].from_line, b"a@b Sat Nov  4 01:02:03 2023");
        assert_eq!(messages[0].content, b"Subject: 1\n\nbody\n");
        assert_eq!(messages[0].date(), Some(1_699_059_723));
        assert_eq!(messages[1].content, b"Subject: 2\n\nlast\n");
        assert_eq!(messages[1].date(), Some(1_700_000_000));
    }

    #[test]
    fn quoted_from_lines_lose_one_quote() {
        let mbox = b"From x Sat Nov  4 01:02:03 2023\n\n>From here\n>>From there\n> From elsewhere\n";
        assert_eq!(split(mbox)[0].content, b"\nFrom here\n>From there\n> From elsewhere\n");
    }

    #[test]
    fn a_message_without_the_blank_line_still_ends_at_the_next_from_line() {
        let messages = split(b"From x\nA\nFrom y\nB");
        assert_eq!(messages.iter().map(|m| m.content.as_slice()).collect::<Vec<_>>(), [&b"A\n"[..], b"B"]);
        assert_eq!(messages[0].date(), None);
    }

    #[test]
    fn only_one_blank_line_is_taken_as_the_separator() {
        assert_eq!(split(b"From x\nA\n\n\n\nFrom y\n")[0].content, b"A\n\n\n");
        assert_eq!(split(b"From x\r\nA\r\n\r\n")[0].content, b"A\r\n");
    }

    #[test]
    fn bytes_before_the_first_from_line_belong_to_no_message() {
        let mut splitter = MboxSplitter::new();
        assert_eq!(splitter.push_line(b"junk\n"), None);
        assert_eq!(splitter.skipped(), 5);
        assert_eq!(splitter.finish(), None);
    }
}
