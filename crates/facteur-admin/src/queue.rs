//! The outbound queue as an operator reads it: which recipients still wait, and the header fields that say
//! what a message is.

use facteur_store::RecipientStatus;

/// Header fields shown for a queued message, in this order.
pub const SHOWN_FIELDS: [&str; 5] = ["From", "To", "Cc", "Subject", "Date"];

/// Whether a recipient still waits for delivery (due, or held by the operator).
pub fn is_waiting(status: RecipientStatus) -> bool {
    matches!(status, RecipientStatus::Pending | RecipientStatus::Held)
}

/// The [`SHOWN_FIELDS`] of a message's header section, unfolded, non-UTF-8 bytes replaced, each cut at 200
/// characters. The values are the message's own: whoever shows them treats them as untrusted text.
pub fn header_fields(content: &[u8]) -> Vec<(&'static str, String)> {
    let fields: Vec<_> = facteur_message::header_fields(content).collect();
    let mut found = Vec::new();
    for name in SHOWN_FIELDS {
        for field in fields.iter().filter(|field| field.name_is(name)) {
            found.push((name, field.unfolded_value().chars().take(200).collect()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_unfolded_and_in_order() {
        let message = b"Subject: a long\r\n subject\r\nFrom: a@x.test\r\nX-Other: no\r\n\r\nSubject: body";
        assert_eq!(header_fields(message), [("From", "a@x.test".to_owned()), ("Subject", "a long subject".to_owned())]);
    }
}
