//! A `Message-ID:` every mail program writes (RFC 5322 §3.6.4 SHOULD) and bulk tools often forget or botch:
//! `<left@right>`.

use facteur_message::MessageSummary;

use super::dates::shown;
use super::score;
use crate::Reason;

pub(super) fn check(summary: &MessageSummary) -> Option<Reason> {
    let Some(id) = summary.envelope.message_id.as_deref() else {
        return Some(Reason::new("MISSING_MESSAGE_ID", score::MISSING_MESSAGE_ID, "no Message-ID: field"));
    };
    if is_msg_id(id.trim()) {
        return None;
    }
    Some(Reason::new("INVALID_MESSAGE_ID", score::INVALID_MESSAGE_ID, format!("Message-ID: {}", shown(id))))
}

/// RFC 5322 §3.6.4 `msg-id`: `<` id-left `@` id-right `>`, both sides non-empty, no spaces.
fn is_msg_id(id: &str) -> bool {
    let Some(inner) = id.strip_prefix('<').and_then(|rest| rest.strip_suffix('>')) else { return false };
    let Some((left, right)) = inner.rsplit_once('@') else { return false };
    let visible = |part: &str| !part.is_empty() && part.chars().all(|c| !c.is_whitespace() && !c.is_control());
    visible(left) && visible(right) && !right.contains(['<', '>'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_of_a_message_id() {
        assert!(is_msg_id("<abc.123@mail.example.org>"));
        assert!(is_msg_id("<\"quoted\"@[127.0.0.1]>"));
        assert!(!is_msg_id("abc@example.org"));
        assert!(!is_msg_id("<abc>"));
        assert!(!is_msg_id("<@example.org>"));
        assert!(!is_msg_id("<abc@>"));
        assert!(!is_msg_id("<a b@example.org>"));
    }

    #[test]
    fn missing_and_invalid_ids_are_named() {
        let rule = |raw: &str| check(&facteur_message::ingest(raw.as_bytes())).map(|reason| reason.rule);
        assert_eq!(rule("Subject: x\r\n\r\n"), Some("MISSING_MESSAGE_ID".to_owned()));
        assert_eq!(rule("Message-ID: 12345\r\n\r\n"), Some("INVALID_MESSAGE_ID".to_owned()));
        assert_eq!(rule("Message-ID: <1@example.org>\r\n\r\n"), None);
    }
}
