//! Every response we write must be accepted by `imap-codec`, an independent IMAP parser: a session that
//! exercises the responses clients parse most is recorded byte for byte and decoded with it.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_testkit::in_process::{ALICE, PASSWORD};
use imap_codec::decode::Decoder;
use imap_codec::{GreetingCodec, ResponseCodec};

/// Decodes the whole transcript; returns the responses imap-codec refused, with their text.
fn refused_responses(transcript: &[u8]) -> Vec<String> {
    let (mut rest, _) = GreetingCodec::default().decode(transcript).expect("greeting parses");
    let mut refused = Vec::new();
    while !rest.is_empty() {
        match ResponseCodec::default().decode(rest) {
            Ok((remaining, _)) => rest = remaining,
            Err(error) => {
                let end = rest.windows(2).position(|w| w == b"\r\n").map_or(rest.len(), |at| at + 2);
                refused.push(format!("{error:?}: {}", String::from_utf8_lossy(&rest[..end])));
                rest = &rest[end..];
            }
        }
    }
    refused
}

#[tokio::test]
async fn imap_codec_accepts_every_response_of_a_typical_session() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    server.deliver(ALICE, "INBOX", MIXED).await;
    let undisclosed = b"From: a@b.test\r\nTo: undisclosed-recipients:;\r\nCc: nobody\r\nSubject: groups\r\n\r\nx\r\n";
    server.deliver(ALICE, "INBOX", undisclosed).await;
    // A limit, so GETQUOTAROOT answers QUOTA too.
    facteur_store::Store::set_quota(server.fixture.store.as_ref(), ALICE, Some(10 << 20)).await.unwrap();
    let mut client = server.connect().await;
    for command in [
        "CAPABILITY".to_owned(),
        format!("LOGIN {ALICE} \"{PASSWORD}\""),
        "ID NIL".into(),
        "NAMESPACE".into(),
        "ENABLE CONDSTORE".into(),
        "LIST \"\" \"*\"".into(),
        "LIST \"\" \"\"".into(),
        "LIST \"\" \"*\" RETURN (SUBSCRIBED SPECIAL-USE STATUS (MESSAGES UIDNEXT UNSEEN SIZE HIGHESTMODSEQ))".into(),
        "LSUB \"\" \"*\"".into(),
        "STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ)".into(),
        "CREATE \"Projets &AOk-t&AOk-\"".into(),
        "SELECT INBOX".into(),
        "FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE UID MODSEQ)".into(),
        "FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODY.PEEK[1.MIME] BODY.PEEK[TEXT]<0.10>)".into(),
        "FETCH 2 (BODY[] RFC822.HEADER RFC822.TEXT)".into(),
        "STORE 1 +FLAGS ($Forwarded \\Flagged)".into(),
        "STORE 1:2 (UNCHANGEDSINCE 1) -FLAGS (\\Flagged)".into(),
        "SEARCH UNSEEN".into(),
        "UID SEARCH ALL".into(),
        "SEARCH MODSEQ 1".into(),
        "SORT (REVERSE DATE SUBJECT) UTF-8 ALL".into(),
        "UID SORT (FROM) UTF-8 ALL".into(),
        "THREAD REFERENCES UTF-8 ALL".into(),
        "THREAD ORDEREDSUBJECT UTF-8 ALL".into(),
        "GETQUOTAROOT INBOX".into(),
        "GETQUOTA \"\"".into(),
        "COPY 1 Archive".into(),
        "APPEND Drafts (\\Draft) {9+}\r\nSubject: x".into(),
        "MOVE 3 Trash".into(),
        "STORE 1 +FLAGS.SILENT (\\Deleted)".into(),
        "EXPUNGE".into(),
        "NOOP".into(),
        "FROB".into(),
        "UNSELECT".into(),
        "LOGOUT".into(),
    ] {
        client.command(&command).await;
    }
    let refused = refused_responses(client.transcript());
    assert!(refused.is_empty(), "imap-codec refused:\n{}", refused.join("\n"));
    let transcript = String::from_utf8_lossy(client.transcript());
    for written in ["\r\n* SORT ", "\r\n* THREAD (", "\r\n* QUOTAROOT INBOX \"\"", "\r\n* QUOTA \"\" (STORAGE "] {
        assert!(transcript.contains(written), "{written:?} was not in the session");
    }
}

#[test]
fn the_check_itself_catches_a_malformed_response() {
    let refused = refused_responses(b"* OK ready\r\n* 1 EXISTS\r\n* 1 FETCH (FLAGS (\\Seen)\r\nT1 OK done\r\n");
    assert_eq!(refused.len(), 1, "{refused:?}");
}
