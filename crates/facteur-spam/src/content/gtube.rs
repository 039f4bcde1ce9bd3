//! GTUBE, the Generic Test for Unsolicited Bulk Email: a fixed string that every spam filter must treat as
//! spam, so that an administrator can check the whole chain (SpamAssassin's, also honoured by rspamd).

/// The test string, on one line in the message's body.
pub const GTUBE: &[u8] = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

/// Whether `body` carries the test string. It is searched as sent: a sender who encodes it (base64,
/// quoted-printable) is not running the test.
pub fn contains_gtube(body: &[u8]) -> bool {
    body.windows(GTUBE.len()).any(|window| window == GTUBE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_string_is_found_anywhere_in_the_body() {
        let mut message = b"Subject: test\r\n\r\nHello\r\n".to_vec();
        assert!(!contains_gtube(&message));
        message.extend_from_slice(GTUBE);
        message.extend_from_slice(b"\r\n");
        assert!(contains_gtube(&message));
    }

    #[test]
    fn a_near_miss_is_not_the_test_string() {
        let mut almost = GTUBE.to_vec();
        almost[0] = b'Y';
        assert!(!contains_gtube(&almost));
        assert!(!contains_gtube(&GTUBE[..GTUBE.len() - 1]));
    }
}
