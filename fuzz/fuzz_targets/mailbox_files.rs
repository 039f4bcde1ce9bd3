//! Fuzzes what `facteur import` reads from files it did not write: an mbox (Python's `mailbox`, mutt), the
//! `Status:` fields of its messages, Maildir file names and `dovecot-keywords` (mbsync, Dovecot), folder
//! directory names, and line endings.
//!
//! What must hold, besides never panicking:
//! - every message cut from an mbox, written into a new one and cut again, is the same message (with a line
//!   ending added if its last line had none, as every writer adds one), and so is the whole file's list;
//! - a message's status and `X-Keywords:` fields rewritten for some flags read back as those flags (and the
//!   keywords that can be written); rewritten for the flags they already say, the message is untouched (an
//!   mbox exported unchanged comes back byte for byte);
//! - a Maildir name written for the flags a name and keyword table gave reads back as the same flags (less
//!   keywords beyond the table's 26 letters), and a keyword table written out reads back the same;
//! - a folder directory written for a name reads back as that name;
//! - CRLF conversion leaves no bare LF, and converting back gives what LF conversion of the input gives;
//! - an asctime date written reads back as the same second.
//!
//! Run with `cargo fuzz run --sanitizer none mailbox_files` from `crates/facteur-mailbox-formats` (see
//! docs/fuzzing.md).
#![no_main]

use facteur_mailbox_formats::maildir::{self, KeywordTable, Layout, MaildirName};
use facteur_mailbox_formats::mbox::{self, MboxMessage};
use facteur_mailbox_formats::{Flags, SystemFlag, line_endings};
use libfuzzer_sys::fuzz_target;

const SYSTEM_FLAGS: [SystemFlag; 5] =
    [SystemFlag::Seen, SystemFlag::Answered, SystemFlag::Flagged, SystemFlag::Deleted, SystemFlag::Draft];

fuzz_target!(|data: &[u8]| {
    let choice = data.first().copied().unwrap_or_default();
    mbox_round_trip(data);
    for message in mbox::split(data) {
        status_fields(&message.content, choice);
    }
    maildir_names(data);
    folder_directories(data);
    line_ending_conversion(data);
    dates(data);
});

fn mbox_round_trip(data: &[u8]) {
    let messages = mbox::split(data);
    let mut whole = Vec::new();
    for message in &messages {
        let _ = message.date();
        let mut one = Vec::new();
        mbox::write_message(&mut one, &message.from_line, &message.content);
        mbox::write_message(&mut whole, &message.from_line, &message.content);
        assert_eq!(mbox::split(&one), [terminated(message)], "one message does not read back");
    }
    let expected: Vec<MboxMessage> = messages.iter().map(terminated).collect();
    assert_eq!(mbox::split(&whole), expected, "the mbox does not read back");
}

/// The message as a writer puts it in a file: ending with a line ending.
fn terminated(message: &MboxMessage) -> MboxMessage {
    let mut message = message.clone();
    if !message.content.is_empty() && !message.content.ends_with(b"\n") {
        message.content.push(b'\n');
    }
    message
}

fn status_fields(content: &[u8], choice: u8) {
    let said = mbox::header_flags(content);
    assert_eq!(&*mbox::with_flags(content, &said), content, "unchanged flags changed the message");
    let mut wanted = Flags::default();
    wanted.system.extend(SYSTEM_FLAGS.iter().enumerate().filter(|(bit, _)| choice & (1 << bit) != 0).map(|(_, f)| *f));
    // The top bits change the keywords: one added, the ones read kept or dropped, one no field can carry.
    if choice & 0x20 != 0 {
        wanted.keywords.clone_from(&said.keywords);
    }
    if choice & 0x40 != 0 {
        wanted.keywords.insert("$Forwarded".to_owned());
    }
    if choice & 0x80 != 0 {
        wanted.keywords.insert("a,b".to_owned());
    }
    let rewritten = mbox::with_flags(content, &wanted);
    let read_back = mbox::header_flags(&rewritten);
    assert_eq!(read_back.system, wanted.system, "rewritten fields say other flags");
    wanted.keywords.retain(|keyword| mbox::writable_keyword(keyword));
    assert_eq!(read_back.keywords, wanted.keywords, "a rewritten X-Keywords says other keywords");
}

fn maildir_names(data: &[u8]) {
    let (name_bytes, table_bytes) = data.split_at(data.len() / 2);
    let name = String::from_utf8_lossy(name_bytes);
    let mut table = KeywordTable::parse(table_bytes);
    assert_eq!(KeywordTable::parse(table.to_file().as_bytes()), table, "the keyword table does not read back");
    let parsed = MaildirName::parse(&name);
    let _ = parsed.delivery_time();
    let flags = parsed.flags(&table);
    let (letters, left_out) = maildir::name::letters(&flags, &mut table);
    let written = maildir::name::file_name(parsed.unique, &letters);
    let mut expected = flags.clone();
    expected.keywords.retain(|keyword| !left_out.contains(keyword));
    assert_eq!(MaildirName::parse(&written).flags(&table), expected, "{written:?} reads back as other flags");
}

fn folder_directories(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for part in text.split('/') {
        let _ = maildir::layout::subdirectory_levels(part, true);
        let _ = maildir::layout::subdirectory_levels(part, false);
    }
    if text.is_empty() || text.split('/').any(str::is_empty) {
        return;
    }
    for layout in [Layout::Verbatim, Layout::MaildirPlusPlus] {
        let Ok(directory) = maildir::layout::folder_directory(layout, &text) else { continue };
        if directory.is_empty() {
            assert_eq!(text, "INBOX");
            continue;
        }
        let levels: Vec<&str> = directory
            .split('/')
            .enumerate()
            .flat_map(|(depth, part)| maildir::layout::subdirectory_levels(part, depth == 0).unwrap_or_default())
            .collect();
        assert_eq!(levels.join("/"), text, "{layout:?} directory {directory:?} reads back as another name");
    }
}

fn line_ending_conversion(data: &[u8]) {
    let crlf = line_endings::to_crlf(data);
    for (at, &byte) in crlf.iter().enumerate() {
        assert!(byte != b'\n' || (at > 0 && crlf[at - 1] == b'\r'), "a bare LF is left");
    }
    assert_eq!(line_endings::to_lf(&crlf), line_endings::to_lf(data));
}

fn dates(data: &[u8]) {
    let _ = facteur_primitives::parse_trailing_asctime(&String::from_utf8_lossy(data));
    let mut seconds = [0u8; 8];
    let take = data.len().min(8);
    seconds[..take].copy_from_slice(&data[..take]);
    // Years 1 to 9999, as asctime writes and reads them.
    let unix = i64::from_le_bytes(seconds).rem_euclid(315_537_897_600) - 62_135_596_800;
    let written = facteur_primitives::asctime(unix);
    assert_eq!(facteur_primitives::parse_trailing_asctime(&written), Some(unix), "{written}");
}
