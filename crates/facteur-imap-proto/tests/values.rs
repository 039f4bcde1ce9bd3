//! Value types: sequence sets (RFC 9051 §9), modified UTF-7 (RFC 3501 §5.1.3), dates.

#![allow(clippy::unwrap_used)]

use facteur_imap_proto::mutf7::{self, Utf7Error};
use facteur_imap_proto::*;

fn seqs(ns: &[u32]) -> SeqSet<SeqNum> {
    SeqSet::from_numbers(ns.iter().map(|&n| SeqNum::new(n).unwrap())).unwrap()
}

#[test]
fn from_numbers_builds_compact_sorted_ranges() {
    assert_eq!(seqs(&[5, 1, 2, 3, 9, 10, 3]).to_string(), "1:3,5,9:10");
    assert_eq!(seqs(&[u32::MAX, u32::MAX - 1]).to_string(), "4294967294:4294967295");
    assert!(SeqSet::<Uid>::from_numbers([]).is_none());
}

#[test]
fn star_resolves_to_the_largest_number_and_to_nothing_when_empty() {
    let set = SeqSet::<Uid>::from_ranges(vec![
        SeqRange { start: SeqBound::Value(Uid::new(3).unwrap()), end: SeqBound::Last },
        SeqRange { start: SeqBound::Value(Uid::new(1).unwrap()), end: SeqBound::Value(Uid::new(1).unwrap()) },
    ])
    .unwrap();
    assert_eq!(set.resolve(10), vec![1..=1, 3..=10]);
    // "3:*" with largest 2 means 2:3 (RFC 9051 §9: the range is order-independent).
    assert_eq!(set.resolve(2), vec![1..=3]);
    // In an empty mailbox "*" matches nothing, so only the explicit 1 remains.
    assert_eq!(set.resolve(0), vec![1..=1]);
    assert!(set.contains(Uid::new(7).unwrap(), 10));
    assert!(!set.contains(Uid::new(2).unwrap(), 10));
}

#[test]
fn resolve_merges_overlapping_and_adjacent_ranges() {
    let set = SeqSet::<SeqNum>::from_ranges(vec![
        SeqRange { start: SeqBound::Value(SeqNum::new(5).unwrap()), end: SeqBound::Value(SeqNum::new(2).unwrap()) },
        SeqRange { start: SeqBound::Value(SeqNum::new(6).unwrap()), end: SeqBound::Value(SeqNum::new(8).unwrap()) },
        SeqRange { start: SeqBound::Value(SeqNum::new(3).unwrap()), end: SeqBound::Value(SeqNum::new(4).unwrap()) },
    ])
    .unwrap();
    assert_eq!(set.resolve(100), vec![2..=8]);
}

#[test]
fn modified_utf7_round_trips() {
    for name in [
        "INBOX",
        "Entw\u{fc}rfe",
        "\u{65e5}\u{672c}\u{8a9e}",
        "a&b",
        "&",
        "~peter/mail/\u{53f0}\u{5317}/\u{65e5}\u{672c}\u{8a9e}",
        "\u{1f4e7} mail",
        "\u{e9}\u{e9}\u{e9}",
    ] {
        let encoded = mutf7::encode(name);
        assert!(encoded.bytes().all(|b| (0x20..0x7f).contains(&b)), "{encoded}");
        assert_eq!(mutf7::decode(encoded.as_bytes()).unwrap(), name);
    }
    assert_eq!(
        mutf7::encode("~peter/mail/\u{53f0}\u{5317}/\u{65e5}\u{672c}\u{8a9e}"),
        "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    );
    assert_eq!(mutf7::encode("Entw\u{fc}rfe"), "Entw&APw-rfe");
}

#[test]
fn non_canonical_modified_utf7_is_rejected() {
    assert_eq!(mutf7::decode(b"&AGE-"), Err(Utf7Error::NotCanonical)); // "a" encoded
    assert_eq!(mutf7::decode(b"&AOQ-&AOQ-"), Err(Utf7Error::NotCanonical)); // adjacent shifts
    assert_eq!(mutf7::decode(b"&AOQ"), Err(Utf7Error::Unterminated));
    assert_eq!(mutf7::decode(b"&AO!-"), Err(Utf7Error::BadBase64));
    assert_eq!(mutf7::decode(b"&AOR-"), Err(Utf7Error::BadBase64)); // non-zero padding bits
    assert_eq!(mutf7::decode(b"&2D0-"), Err(Utf7Error::BadUtf16)); // lone surrogate
    assert_eq!(mutf7::decode("\u{e9}".as_bytes()), Err(Utf7Error::NotPrintable(0xc3)));
}

#[test]
fn dates_are_validated_and_formatted() {
    assert!(Date::new(2024, 2, 29).is_some());
    assert!(Date::new(2023, 2, 29).is_none());
    assert!(Date::new(1900, 2, 29).is_none());
    assert!(Date::new(2000, 2, 29).is_some());
    assert_eq!(Date::new(1994, 2, 1).unwrap().to_string(), "1-Feb-1994");
    let dt = DateTime::new(Date::new(1996, 7, 17).unwrap(), 2, 44, 25, -420).unwrap();
    assert_eq!(dt.to_string(), "17-Jul-1996 02:44:25 -0700");
    assert!(DateTime::new(Date::new(1996, 7, 17).unwrap(), 24, 0, 0, 0).is_none());
}

#[test]
fn flags_parse_system_names_case_insensitively() {
    assert_eq!(Flag::from_atom("\\SEEN"), Flag::Seen);
    assert_eq!(Flag::from_atom("\\Foo"), Flag::Extension("Foo".into()));
    assert_eq!(Flag::from_atom("$Junk"), Flag::Keyword("$Junk".into()));
    assert_eq!(Flag::Extension("Foo".into()).as_wire(), "\\Foo");
}
