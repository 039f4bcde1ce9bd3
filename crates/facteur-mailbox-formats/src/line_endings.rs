//! Line endings. A message is CRLF-terminated lines (RFC 5322 §2.1), which is what IMAP serves and what the
//! store keeps; mbsync, Dovecot and Python's `mailbox` write files with bare LF. Import turns each bare LF into
//! CRLF; export turns each CRLF back into LF, so a file that had only bare LFs comes back byte for byte.
//!
//! A file that mixed both (a CRLF line among LF ones) comes back with LF only: the store cannot tell which
//! line had which, and a message served over IMAP must not have bare LFs.

/// `bytes` with every LF not already preceded by CR turned into CRLF.
pub fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let bare = bytes.iter().enumerate().filter(|&(at, &byte)| byte == b'\n' && !after_cr(bytes, at)).count();
    if bare == 0 {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len() + bare);
    for (at, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' && !after_cr(bytes, at) {
            out.push(b'\r');
        }
        out.push(byte);
    }
    out
}

/// `bytes` with every CRLF turned into LF (a CR not followed by LF is kept).
pub fn to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (at, &byte) in bytes.iter().enumerate() {
        if byte == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            continue;
        }
        out.push(byte);
    }
    out
}

fn after_cr(bytes: &[u8], at: usize) -> bool {
    at > 0 && bytes[at - 1] == b'\r'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_line_feeds_become_crlf_and_back() {
        assert_eq!(to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(to_lf(b"a\r\nb\r\nc\r\n"), b"a\nb\nc\n");
        assert_eq!(to_lf(&to_crlf(b"From: x\n\nbody\n")), b"From: x\n\nbody\n");
    }

    #[test]
    fn lone_carriage_returns_are_left_alone() {
        assert_eq!(to_crlf(b"a\rb\n"), b"a\rb\r\n");
        assert_eq!(to_lf(b"a\rb\r\r\n"), b"a\rb\r\n");
    }
}
