//! SEARCH criteria (RFC 9051 §6.4.4), ESEARCH return options (RFC 4731), MODSEQ
//! (RFC 7162 §3.1.5), CHARSET, nesting limits, SORT and THREAD (RFC 5256).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_imap_proto::*;

fn search(input: &str) -> SearchCommand {
    match body(input) {
        CommandBody::Search(s) => s,
        other => panic!("{other:?}"),
    }
}

fn date(y: u16, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap()
}

#[test]
fn rfc_9051_example_search() {
    let s = search("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n");
    assert_eq!(
        s.criteria,
        SearchKey::And(vec![
            SearchKey::Flag(Flag::Flagged),
            SearchKey::Since(date(1994, 2, 1)),
            SearchKey::Not(Box::new(SearchKey::From(b"Smith".to_vec()))),
        ])
    );
    assert!(!s.uid && s.returns.is_none() && s.charset.is_none());
}

#[test]
fn every_rfc_9051_search_key_parses() {
    let keys = [
        "ALL",
        "ANSWERED",
        "BCC x",
        "BEFORE 1-Jan-2000",
        "BODY x",
        "CC x",
        "DELETED",
        "DRAFT",
        "FLAGGED",
        "FROM x",
        "HEADER X-Spam yes",
        "KEYWORD $Junk",
        "LARGER 100",
        "NEW",
        "NOT SEEN",
        "OLD",
        "ON \"2-Mar-2001\"",
        "OR SEEN DRAFT",
        "RECENT",
        "SEEN",
        "SENTBEFORE 1-Jan-2000",
        "SENTON 1-Jan-2000",
        "SENTSINCE 1-Jan-2000",
        "SINCE 29-Feb-2024",
        "SMALLER 5",
        "SUBJECT x",
        "TEXT x",
        "TO x",
        "UID 1:*",
        "UNANSWERED",
        "UNDELETED",
        "UNDRAFT",
        "UNFLAGGED",
        "UNKEYWORD $Junk",
        "UNSEEN",
        "1,3:*",
        "(SEEN DRAFT)",
        "MODSEQ 620162338",
        "MODSEQ \"/flags/\\\\draft\" all 620162338",
    ];
    for key in keys {
        let s = search(&format!("a SEARCH {key}\r\n"));
        assert_ne!(s.criteria, SearchKey::And(vec![]), "{key}");
    }
}

#[test]
fn invalid_dates_and_unknown_keys_are_refused() {
    refused("a SEARCH SINCE 30-Feb-2024\r\n");
    refused("a SEARCH SINCE 1-Foo-2024\r\n");
    refused("a SEARCH BOGUS\r\n");
    refused("a SEARCH\r\n");
    refused("a SEARCH (SEEN\r\n");
    refused("a SEARCH 0:4\r\n");
    refused("a SEARCH LARGER 99999999999999999999\r\n");
}

#[test]
fn or_not_and_parentheses_nest() {
    let s = search("a SEARCH OR (FROM a TO b) NOT (SEEN OR 1 2:3)\r\n");
    let SearchKey::Or(left, right) = s.criteria else { panic!() };
    assert_eq!(*left, SearchKey::And(vec![SearchKey::From(b"a".to_vec()), SearchKey::To(b"b".to_vec())]));
    let SearchKey::Not(inner) = *right else { panic!() };
    assert!(matches!(*inner, SearchKey::And(ref v) if v.len() == 2));
}

#[test]
fn nesting_deeper_than_the_limit_is_refused() {
    let deep = format!("a SEARCH {}SEEN{}\r\n", "(".repeat(40), ")".repeat(40));
    let e = refused(&deep);
    assert_eq!(e.kind, CommandErrorKind::Syntax(SyntaxError::TooDeep(32)));
    let nots = format!("a SEARCH {}SEEN\r\n", "NOT ".repeat(1000));
    assert_eq!(refused(&nots).kind, CommandErrorKind::Syntax(SyntaxError::TooDeep(32)));
    let ok = format!("a SEARCH {}SEEN{}\r\n", "(".repeat(20), ")".repeat(20));
    search(&ok);
}

#[test]
fn esearch_return_options_and_charset() {
    let s = search("A282 SEARCH RETURN (MIN COUNT) FLAGGED\r\n");
    assert_eq!(s.returns, Some(vec![SearchReturn::Min, SearchReturn::Count]));
    let s = search("a UID SEARCH RETURN () CHARSET UTF-8 SUBJECT {4+}\r\nr\u{e9}s\r\n");
    assert!(s.uid);
    assert_eq!(s.returns, Some(vec![]));
    assert_eq!(s.charset.as_deref(), Some("UTF-8"));
    assert_eq!(s.criteria, SearchKey::Subject("r\u{e9}s".as_bytes().to_vec()));
    let s = search("a SEARCH return (all save max) all\r\n");
    assert_eq!(s.returns, Some(vec![SearchReturn::All, SearchReturn::Save, SearchReturn::Max]));
    refused("a SEARCH RETURN (PARTIAL) ALL\r\n");
}

#[test]
fn search_sets_from_imaptest() {
    let s = search("a search 4:2\r\n");
    let SearchKey::SequenceSet(set) = s.criteria else { panic!() };
    assert_eq!(set.resolve(10), vec![2..=4]);
    let s = search("a search 1:3 not uid 7\r\n");
    assert!(matches!(s.criteria, SearchKey::And(ref v) if v.len() == 2));
}

#[test]
fn sort_with_criteria_and_return() {
    let CommandBody::Sort(s) = body("A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n") else { panic!() };
    assert_eq!(
        s.criteria,
        vec![
            SortCriterion { reverse: false, key: SortKey::Subject },
            SortCriterion { reverse: true, key: SortKey::Date }
        ]
    );
    assert_eq!(s.charset, "UTF-8");
    let CommandBody::Sort(s) = body("a UID SORT RETURN (COUNT) (DISPLAYFROM) US-ASCII SINCE 1-Feb-1994\r\n") else {
        panic!()
    };
    assert!(s.uid);
    assert_eq!(s.returns, Some(vec![SearchReturn::Count]));
    refused("a SORT () UTF-8 ALL\r\n");
    refused("a SORT (BOGUS) UTF-8 ALL\r\n");
    refused("a SORT (DATE) ALL\r\n");
}

#[test]
fn thread_algorithms() {
    let CommandBody::Thread(t) = body("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n") else { panic!() };
    assert_eq!(t.algorithm, ThreadAlgorithm::OrderedSubject);
    let CommandBody::Thread(t) = body("A284 UID THREAD REFERENCES US-ASCII TEXT \"gewp\"\r\n") else { panic!() };
    assert!(t.uid);
    assert_eq!(t.algorithm, ThreadAlgorithm::References);
    let CommandBody::Thread(t) = body("a THREAD REFS UTF-8 ALL\r\n") else { panic!() };
    assert_eq!(t.algorithm, ThreadAlgorithm::Other("REFS".into()));
}
