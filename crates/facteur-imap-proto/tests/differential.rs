//! Differential check against imap-codec's command parser: commands it accepts (in the
//! forms both support) we accept too, and the same garbage is refused by both.

#![allow(clippy::unwrap_used)]

mod common;

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;

/// Commands without literals, in forms imap-codec supports.
const ACCEPTED: &[&str] = &[
    "a CAPABILITY\r\n",
    "a NOOP\r\n",
    "a LOGOUT\r\n",
    "a LOGIN fred \"se cret\"\r\n",
    "a AUTHENTICATE PLAIN\r\n",
    "a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n",
    "a SELECT INBOX\r\n",
    "a SELECT INBOX (CONDSTORE)\r\n",
    "a EXAMINE \"Entw&APw-rfe\"\r\n",
    "a CREATE foo/bar\r\n",
    "a DELETE foo\r\n",
    "a RENAME foo bar\r\n",
    "a SUBSCRIBE foo\r\n",
    "a UNSUBSCRIBE foo\r\n",
    "a LIST \"\" *\r\n",
    "a LIST \"\" %\r\n",
    "a LSUB \"\" \"*\"\r\n",
    "a STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)\r\n",
    "a CHECK\r\n",
    "a CLOSE\r\n",
    "a UNSELECT\r\n",
    "a EXPUNGE\r\n",
    "a UID EXPUNGE 1:5\r\n",
    "a SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
    "a SEARCH OR (SEEN DRAFT) NOT (UID 1:* LARGER 5)\r\n",
    "a UID SEARCH CHARSET UTF-8 SUBJECT hello\r\n",
    "a FETCH 1:* ALL\r\n",
    "a FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n",
    "a UID FETCH 1 (BODY.PEEK[1.2.MIME] BODY[]<0.100> RFC822.SIZE ENVELOPE BODYSTRUCTURE UID)\r\n",
    "a FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])\r\n",
    "a STORE 2:4 +FLAGS (\\Deleted)\r\n",
    "a UID STORE 1 -FLAGS.SILENT (\\Seen $Junk)\r\n",
    "a COPY 2:4 MEETING\r\n",
    "a MOVE 1 Trash\r\n",
    "a UID MOVE 1:* Trash\r\n",
    "a IDLE\r\n",
    "a ENABLE CONDSTORE\r\n",
    "a ID (\"name\" \"x\")\r\n",
    "a ID NIL\r\n",
    "a NAMESPACE\r\n",
    "a COMPRESS DEFLATE\r\n",
    "a STARTTLS\r\n",
    "a GETQUOTAROOT INBOX\r\n",
    "a GETQUOTA \"\"\r\n",
];

/// Malformed commands both parsers must refuse.
const REFUSED: &[&str] = &[
    "a\r\n",
    "a NOOP extra\r\n",
    "a LOGIN onlyuser\r\n",
    "a SELECT\r\n",
    "a FETCH 0 FLAGS\r\n",
    "a FETCH 1 (FLAGS\r\n",
    "a FETCH 1 BODY[MIME]\r\n",
    "a SEARCH SINCE 1-Foo-2000\r\n",
    "a STORE 1 FLAGS\r\n",
    "a UID NOOP\r\n",
    "a COPY 1\r\n",
];

#[test]
fn commands_imap_codec_accepts_we_accept() {
    for input in ACCEPTED {
        assert!(CommandCodec::default().decode(input.as_bytes()).is_ok(), "imap-codec refuses {input:?}");
        assert!(common::parse(input).is_ok(), "we refuse {input:?}: {:?}", common::parse(input));
    }
}

#[test]
fn commands_imap_codec_refuses_we_refuse() {
    for input in REFUSED {
        assert!(CommandCodec::default().decode(input.as_bytes()).is_err(), "imap-codec accepts {input:?}");
        assert!(common::parse(input).is_err(), "we accept {input:?}");
    }
}
