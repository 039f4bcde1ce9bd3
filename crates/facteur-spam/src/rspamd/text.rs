//! Text from rspamd made fit for header fields and log lines. rspamd's symbols carry what they saw (addresses,
//! URLs, words of the message) in their options: a CR LF there must not start a header field of its own.

/// `text` on one line of at most `max` bytes: control characters (CR, LF, tab included) become spaces, runs of
/// spaces one space, the ends trimmed; cut at a character boundary, ending in `...` when cut.
pub fn one_line(text: &str, max: usize) -> String {
    let mut line = String::with_capacity(text.len().min(max));
    for c in text.chars().map(|c| if c.is_control() { ' ' } else { c }) {
        if c == ' ' && (line.is_empty() || line.ends_with(' ')) {
            continue;
        }
        line.push(c);
        if line.len() > max {
            break;
        }
    }
    let line = line.trim_end();
    if line.len() <= max {
        return line.to_owned();
    }
    let mut end = max.saturating_sub(3);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", line[..end].trim_end())
}

/// [`one_line`], and ASCII only (anything else becomes `?`): what may go in a header field unencoded.
pub fn header_safe(text: &str, max: usize) -> String {
    let ascii: String = text.chars().map(|c| if c.is_ascii() { c } else { '?' }).collect();
    one_line(&ascii, max)
}

/// RFC 5322 §3.6.8: a field name is printable US-ASCII but the colon; we also cap its length at a line's 76.
pub fn is_field_name(name: &str) -> bool {
    (1..=76).contains(&name.len()) && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_text_is_unfolded_to_one_line() {
        assert_eq!(one_line("default: False [1.00 / 15.00];\r\n\tA(1.00)[];\r\n\tB(0.00)[]", 100), {
            "default: False [1.00 / 15.00]; A(1.00)[]; B(0.00)[]"
        });
        assert_eq!(one_line("  a \r\n\r\n b  ", 100), "a b");
        assert_eq!(one_line("x\nSubject: injected", 100), "x Subject: injected");
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        assert_eq!(one_line("abcdefghij", 10), "abcdefghij");
        assert_eq!(one_line("abcdefghijk", 10), "abcdefg...");
        let cut = one_line(&"é".repeat(20), 10);
        assert!(cut.len() <= 10 && cut.ends_with("..."), "{cut}");
    }

    #[test]
    fn header_safe_text_is_ascii() {
        assert_eq!(header_safe("café\tbar", 20), "caf? bar");
    }

    #[test]
    fn field_names_are_checked() {
        assert!(is_field_name("X-Spam-Status"));
        assert!(!is_field_name(""));
        assert!(!is_field_name("X Spam"));
        assert!(!is_field_name("X:Spam"));
        assert!(!is_field_name("X-Späm"));
        assert!(!is_field_name(&"X".repeat(77)));
    }
}
