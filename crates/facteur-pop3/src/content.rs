//! Message content on the wire (RFC 1939 §3): CRLF line ends, dot-stuffing, the `.` terminator, produced in
//! bounded chunks so a large message goes out piece by piece; and the cut TOP makes.

/// Input consumed per step; an output chunk is at most about twice this.
pub const CHUNK: usize = 64 * 1024;

/// The part of `message` that `TOP msg lines` sends (RFC 1939 §7): the header block, whose `header_len`
/// includes the empty line that ends it, then the first `lines` lines of the body.
pub fn top(message: &[u8], header_len: u64, lines: u32) -> &[u8] {
    let header_end = usize::try_from(header_len).unwrap_or(usize::MAX).min(message.len());
    let body = &message[header_end..];
    let mut end = 0;
    for _ in 0..lines {
        match body[end..].iter().position(|&b| b == b'\n') {
            Some(lf) => end += lf + 1,
            None => {
                end = body.len();
                break;
            }
        }
    }
    &message[..header_end + end]
}

/// Turns stored bytes into a POP3 multi-line body, chunk by chunk.
///
/// Lines end in CRLF on the wire whatever the stored form (a bare LF becomes CRLF); a line that starts with
/// `.` gets another in front, so no content line can be mistaken for the terminator; an unterminated last
/// line is ended; and `.` CRLF closes the response.
#[derive(Debug)]
pub struct DotStuffer<'a> {
    rest: &'a [u8],
    at_line_start: bool,
    finished: bool,
}

impl<'a> DotStuffer<'a> {
    pub fn new(message: &'a [u8]) -> DotStuffer<'a> {
        DotStuffer { rest: message, at_line_start: true, finished: false }
    }

    /// Replaces `out` with the next chunk; `false` once everything, terminator included, has been produced.
    pub fn next_chunk(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        while out.len() < CHUNK {
            if self.rest.is_empty() {
                if !self.finished {
                    out.extend_from_slice(b".\r\n");
                    self.finished = true;
                }
                break;
            }
            self.stuff_one_segment(out);
        }
        !out.is_empty()
    }

    /// One line, or the next window of a line longer than [`CHUNK`].
    fn stuff_one_segment(&mut self, out: &mut Vec<u8>) {
        let window = &self.rest[..self.rest.len().min(CHUNK)];
        let (content, consumed, ends_line) = match window.iter().position(|&b| b == b'\n') {
            Some(lf) => (without_cr(&window[..lf]), lf + 1, true),
            // The last line, unterminated: we end it.
            None if window.len() == self.rest.len() => (without_cr(window), window.len(), true),
            // A line longer than the window. A CR at its edge waits for the next window, where an LF may
            // complete it into a line end.
            None => {
                let piece = window.strip_suffix(b"\r").unwrap_or(window);
                (piece, piece.len(), false)
            }
        };
        if self.at_line_start && content.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(content);
        if ends_line {
            out.extend_from_slice(b"\r\n");
        }
        self.rest = &self.rest[consumed..];
        self.at_line_start = ends_line;
    }
}

fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuffed(message: &[u8]) -> Vec<u8> {
        let mut stuffer = DotStuffer::new(message);
        let (mut all, mut chunk) = (Vec::new(), Vec::new());
        while stuffer.next_chunk(&mut chunk) {
            assert!(chunk.len() <= 2 * CHUNK + 3);
            all.extend_from_slice(&chunk);
        }
        all
    }

    /// What a client does: drop the terminator, unstuff.
    fn unstuffed(wire: &[u8]) -> Vec<u8> {
        let body = wire.strip_suffix(b".\r\n").expect("terminated");
        let mut out = Vec::new();
        for line in body.split_inclusive(|&b| b == b'\n') {
            out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        }
        out
    }

    #[test]
    fn lines_starting_with_a_dot_are_stuffed_and_survive_the_round_trip() {
        let message = b"Subject: x\r\n\r\n.\r\n..two\r\n.hidden\r\nend\r\n";
        let wire = stuffed(message);
        assert_eq!(wire, b"Subject: x\r\n\r\n..\r\n...two\r\n..hidden\r\nend\r\n.\r\n");
        assert_eq!(unstuffed(&wire), message);
    }

    #[test]
    fn bare_lf_becomes_crlf_and_the_last_line_is_ended() {
        assert_eq!(stuffed(b"a\nb\r\n.c"), b"a\r\nb\r\n..c\r\n.\r\n");
        assert_eq!(stuffed(b"trailing cr\r"), b"trailing cr\r\n.\r\n");
        assert_eq!(stuffed(b""), b".\r\n");
    }

    #[test]
    fn long_lines_and_large_messages_come_out_in_bounded_chunks_byte_exact() {
        let mut message = b"Subject: big\r\n\r\n".to_vec();
        message.extend(std::iter::repeat_n(b'x', 3 * CHUNK + 7));
        message.extend_from_slice(b"\r\n");
        // A CRLF straddling a window edge and a dot right after a window edge must not be touched.
        message.extend(std::iter::repeat_n(b'y', CHUNK - 1));
        message.extend_from_slice(b"\r\n.z\r\n");
        for _ in 0..5000 {
            message.extend_from_slice(b".line of text\r\n");
        }
        assert_eq!(unstuffed(&stuffed(&message)), message);
    }

    #[test]
    fn top_sends_the_header_and_the_first_lines_of_the_body() {
        let message = b"A: 1\r\nB: 2\r\n\r\nline 1\r\nline 2\r\nline 3";
        let header_len = 14;
        assert_eq!(top(message, header_len, 0), b"A: 1\r\nB: 2\r\n\r\n");
        assert_eq!(top(message, header_len, 2), b"A: 1\r\nB: 2\r\n\r\nline 1\r\nline 2\r\n");
        assert_eq!(top(message, header_len, 99), message);
        assert_eq!(top(message, 9999, 1), message);
    }
}
