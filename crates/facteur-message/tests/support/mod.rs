//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::ops::Range;

use facteur_message::{BodyPart, MessageSummary};

/// The test messages are written with `\n`; SMTP hands us CRLF.
pub fn crlf(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n").into_bytes()
}

pub fn slice(raw: &[u8], range: Range<usize>) -> String {
    String::from_utf8_lossy(&raw[range]).into_owned()
}

pub fn part<'a>(summary: &'a MessageSummary, section: &[u32]) -> &'a BodyPart {
    summary.part(section).unwrap_or_else(|| panic!("no part {section:?}"))
}

/// Every offset lies inside the message and every child inside its parent's body.
pub fn assert_offsets_consistent(summary: &MessageSummary) {
    assert_eq!(summary.body.header_start, 0);
    assert_eq!(summary.body.body_end, summary.size);
    assert_eq!(summary.header_len, summary.body.body_start);
    let mut stack = vec![&summary.body];
    while let Some(part) = stack.pop() {
        assert!(part.header_start <= part.body_start, "{part:?}");
        assert!(part.body_start <= part.body_end, "{part:?}");
        assert!(part.body_end <= summary.size, "{part:?}");
        for child in &part.children {
            assert!(child.header_start >= part.body_start && child.body_end <= part.body_end);
            stack.push(child);
        }
        if let Some(message) = &part.message {
            assert_eq!(message.body.header_start, part.body_start);
            assert_eq!(message.body.body_end, part.body_end);
            stack.push(&message.body);
        }
    }
}
