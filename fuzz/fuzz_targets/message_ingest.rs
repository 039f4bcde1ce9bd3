//! Fuzzes MIME ingest (`facteur_message::ingest`) and everything that reads its result: the stored form,
//! the BODYSTRUCTURE data and offsets, section lookup by IMAP part number, ENVELOPE address lists,
//! the decoded (RFC 2047) sort keys and preview, and the re-encoding of binary parts for APPEND.
//!
//! What must hold for any input (the promise of the crate documentation: never panics, never fails):
//! - every offset is inside the message, every child inside its parent's body, siblings in order;
//! - `part(path)` finds exactly the node IMAP numbers `path` (RFC 9051 §6.4.5), and nothing past the tree;
//! - line counts are the line breaks plus an unterminated last line, sizes are the body's octets;
//! - the summary survives `to_bytes`/`from_bytes`, and arbitrary stored bytes never panic `from_bytes`;
//! - an ENVELOPE address list never has an end-of-group marker (all NIL) without a group to close;
//! - the preview is at most `PREVIEW_CHARS` characters of collapsed whitespace;
//! - binary parts re-encoded as base64 keep the tree and decode back to the original octets (RFC 3516 §4.4);
//! - the searchable text (SEARCH BODY/TEXT) is folded (folding it again changes nothing), and the full-text
//!   index's text is at most `INDEX_TEXT_LIMIT` bytes and, when complete, finds every text the scan finds.
//!
//! Run with `cargo fuzz run --sanitizer none message_ingest` from `crates/facteur-message`
//! (see docs/fuzzing.md).
#![no_main]

use facteur_message::{
    Address, BodyPart, Envelope, INDEX_TEXT_LIMIT, MAX_DEPTH, MAX_PARTS, MessageSummary, PREVIEW_CHARS, Searchable,
    encode_binary_parts, fold, header_fields, ingest, parse_address_list,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &[u8]| {
    let summary = ingest(raw);
    check_summary(raw, &summary);
    check_search_text(raw, &summary);

    // The same bytes as a stored summary (a damaged row) and as a bare address list.
    let _ = MessageSummary::from_bytes(raw);
    check_groups(&parse_address_list(raw));

    if let Some(converted) = encode_binary_parts(raw) {
        check_binary_conversion(raw, &summary, &converted);
    }
});

fn check_summary(raw: &[u8], summary: &MessageSummary) {
    assert_eq!(summary.size, raw.len() as u64);
    assert_eq!(summary.body.header_start, 0);
    assert_eq!(summary.body.body_end, summary.size);
    assert_eq!(summary.header_len, summary.body.body_start);
    let header = &raw[summary.header()];
    assert_eq!(summary.header.as_deref(), std::str::from_utf8(header).ok());
    assert_eq!(summary.text(), summary.body.body());
    assert_eq!(summary.envelope, Envelope::from_header_block(header));
    check_envelope(&summary.envelope);

    let parts = numbered_parts(&summary.body);
    assert!(parts.len() <= MAX_PARTS + 1, "{} parts", parts.len());
    for (path, part, depth) in &parts {
        assert!(*depth <= MAX_DEPTH + 1, "depth {depth}");
        check_part(raw, part);
        let found = summary.part(path).unwrap_or_else(|| panic!("no part {path:?}"));
        assert!(std::ptr::eq(found, *part), "part {path:?} is another node");
        // Past the tree: number 0, one past the last child, below a leaf.
        for beyond in [0, past_last(path, part)] {
            let mut deeper = path.clone();
            deeper.push(beyond);
            assert!(summary.part(&deeper).is_none(), "part {deeper:?} exists");
        }
    }

    if let Some(preview) = &summary.preview {
        assert!(!preview.is_empty() && preview.chars().count() <= PREVIEW_CHARS, "{preview:?}");
        assert!(!preview.starts_with(' ') && !preview.ends_with(' ') && !preview.contains("  "), "{preview:?}");
        assert!(preview.chars().all(|c| c == ' ' || !c.is_whitespace()), "{preview:?}");
    }
    assert_eq!(summary.sort.date.is_some(), summary.sort.sent_day.is_some());

    let stored = summary.to_bytes();
    let restored = MessageSummary::from_bytes(&stored).expect("a summary we wrote reads back");
    assert_eq!(&restored, summary);
}

/// The index keeps what the scan compares: a complete index text contains every needle the scan finds (here,
/// the scan's whole body and the start of its header), so the index never rules out a message the scan matches.
fn check_search_text(raw: &[u8], summary: &MessageSummary) {
    let indexed = Searchable::for_index(raw, &summary.body);
    assert!(indexed.text.len() <= INDEX_TEXT_LIMIT);
    assert_eq!(fold(&indexed.text), indexed.text, "index text is folded");
    let probe: String = indexed.text.chars().take_while(|&c| c != '\n').take(16).collect();
    let scanned = Searchable::of(raw, &summary.body);
    assert!(scanned.text_contains(&probe), "{probe:?} is in the index text but not in the scan's");
}

/// The first part number below `part` (at `path`) that names nothing.
fn past_last(path: &[u32], part: &BodyPart) -> u32 {
    // Below the message itself and below a message/rfc822 part, numbers count in a message body.
    let body = if path.is_empty() { Some(part) } else { part.message.as_ref().map(|message| &message.body) };
    match body {
        Some(body) if !body.is_multipart() => 2,
        Some(body) => body.children.len() as u32 + 1,
        None => part.children.len() as u32 + 1,
    }
}

fn check_part(raw: &[u8], part: &BodyPart) {
    assert!(part.header_start <= part.body_start && part.body_start <= part.body_end, "{part:?}");
    assert!(part.body_end <= raw.len() as u64, "{part:?}");
    let header = raw.get(part.mime_header()).expect("MIME header inside the message");
    let body = raw.get(part.body()).expect("body inside the message");
    assert_eq!(part.size(), body.len() as u64);
    for field in header_fields(header) {
        assert!(!field.name.is_empty() && field.raw.starts_with(field.name));
        assert!(field.raw.ends_with(field.value));
    }

    let lines =
        body.iter().filter(|&&b| b == b'\n').count() as u64 + u64::from(body.last().is_some_and(|&b| b != b'\n'));
    if part.media_type.eq_ignore_ascii_case("text") || part.message.is_some() {
        assert_eq!(part.lines, Some(lines), "{part:?}");
    } else {
        assert_eq!(part.lines, None, "{part:?}");
    }

    if part.is_multipart() {
        // IMAP cannot express a multipart without parts: an empty one is reported as text/plain.
        assert!(!part.children.is_empty() && part.message.is_none(), "{part:?}");
        let mut at = part.body_start;
        for child in &part.children {
            assert!(child.header_start >= at && child.body_end <= part.body_end, "{child:?} outside {part:?}");
            at = child.body_end;
        }
    } else {
        assert!(part.children.is_empty());
    }
    if let Some(message) = &part.message {
        assert!(part.is("message", "rfc822") || part.is("message", "global"), "{part:?}");
        assert_eq!((message.body.header_start, message.body.body_end), (part.body_start, part.body_end));
        assert_eq!(message.header(), message.body.mime_header());
        assert_eq!(message.text(), message.body.body());
        assert_eq!(message.envelope, Envelope::from_header_block(&raw[message.header()]));
        check_envelope(&message.envelope);
    }
}

/// Every node with the IMAP part number that names it and its nesting depth: the message itself is `[]`, the
/// parts of a multipart are numbered from 1, a non-multipart body is part 1 of its message, and numbers after
/// a message/rfc822 part count inside the message it encapsulates (RFC 9051 §6.4.5).
fn numbered_parts(root: &BodyPart) -> Vec<(Vec<u32>, &BodyPart, usize)> {
    let mut out = vec![(Vec::new(), root, 1)];
    // Message bodies (the root, encapsulated messages) with the path of their message, and nodes with theirs.
    let mut bodies = vec![(root, Vec::new(), 1)];
    let mut nodes: Vec<(&BodyPart, Vec<u32>, usize)> = Vec::new();
    loop {
        if let Some((body, path, depth)) = bodies.pop() {
            if body.is_multipart() {
                nodes.extend(body.children.iter().enumerate().map(|(i, c)| (c, child_path(&path, i), depth + 1)));
            } else {
                nodes.push((body, child_path(&path, 0), depth));
            }
        } else if let Some((part, path, depth)) = nodes.pop() {
            out.push((path.clone(), part, depth));
            if part.is_multipart() {
                nodes.extend(part.children.iter().enumerate().map(|(i, c)| (c, child_path(&path, i), depth + 1)));
            } else if let Some(message) = &part.message {
                bodies.push((&message.body, path, depth + 1));
            }
        } else {
            return out;
        }
    }
}

fn child_path(parent: &[u32], index: usize) -> Vec<u32> {
    let mut path = parent.to_vec();
    path.push(index as u32 + 1);
    path
}

fn check_envelope(envelope: &Envelope) {
    for list in [&envelope.from, &envelope.sender, &envelope.reply_to, &envelope.to, &envelope.cc, &envelope.bcc] {
        check_groups(list);
    }
    // RFC 9051 §7.5.2: Sender and Reply-To default to From.
    if !envelope.from.is_empty() {
        assert!(!envelope.sender.is_empty() && !envelope.reply_to.is_empty());
    }
}

/// An entry with NIL mailbox and host ends a group (RFC 9051 §7.5.2), whatever its name; one must have been
/// opened before it, by an entry with a mailbox and no host. (A domainless address looks the same as an
/// opening, so this is the most that can be checked from the list alone.)
fn check_groups(list: &[Address]) {
    let mut opened = false;
    for address in list {
        if address.mailbox.is_none() && address.host.is_none() {
            assert!(opened, "end-of-group marker without a group in {list:?}");
            opened = false;
        } else if address.host.is_none() && address.mailbox.is_some() {
            opened = true;
        }
    }
}

/// The converted message has the same tree, and each binary leaf became base64 that decodes to its octets.
fn check_binary_conversion(raw: &[u8], summary: &MessageSummary, converted: &[u8]) {
    let after = ingest(converted);
    check_summary(converted, &after);
    let before_parts = numbered_parts(&summary.body);
    let after_parts = numbered_parts(&after.body);
    assert_eq!(before_parts.len(), after_parts.len(), "the conversion changed the tree");
    for ((path, before, _), (after_path, after, _)) in before_parts.iter().zip(&after_parts) {
        assert_eq!(path, after_path);
        assert_eq!((&before.media_type, &before.media_subtype), (&after.media_type, &after.media_subtype));
        let leaf = !before.is_multipart() && before.message.is_none();
        if leaf && before.encoding.eq_ignore_ascii_case("binary") {
            assert_eq!(after.encoding, "base64", "part {path:?}");
            let decoded = base64_decode(&converted[after.body()]);
            assert_eq!(decoded.as_deref(), Some(&raw[before.body()]), "part {path:?}");
        } else {
            assert_eq!(before.encoding, after.encoding, "part {path:?}");
        }
    }
}

/// Base64 (RFC 2045 §6.8) with line breaks; `None` on anything else.
fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    let symbols: Vec<u8> = text.iter().copied().filter(|b| !matches!(b, b'\r' | b'\n')).collect();
    if symbols.len() % 4 != 0 {
        return None;
    }
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3);
    for group in symbols.chunks(4) {
        let padding = group.iter().rev().take_while(|&&b| b == b'=').count();
        let mut bits = 0u32;
        for &b in &group[..4 - padding] {
            bits = bits << 6 | value(b)?;
        }
        bits <<= 6 * padding as u32;
        out.extend_from_slice(&bits.to_be_bytes()[1..4 - padding]);
    }
    Some(out)
}
