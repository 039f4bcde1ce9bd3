//! Any-state and not-authenticated commands: CAPABILITY, NOOP, LOGOUT, ID (RFC 2971),
//! ENABLE (RFC 5161), LOGIN, AUTHENTICATE with SASL-IR (RFC 4959), STARTTLS, COMPRESS
//! (RFC 4978), IDLE (RFC 2177), NAMESPACE (RFC 2342).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_imap_proto::*;

#[test]
fn simple_commands_are_case_insensitive() {
    assert_eq!(body("a capability\r\n"), CommandBody::Capability);
    assert_eq!(body("a NoOp\r\n"), CommandBody::Noop);
    assert_eq!(body("a LOGOUT\r\n"), CommandBody::Logout);
    assert_eq!(body("a starttls\r\n"), CommandBody::StartTls);
    assert_eq!(body("a idle\r\n"), CommandBody::Idle);
    assert_eq!(body("a NAMESPACE\r\n"), CommandBody::Namespace);
}

#[test]
fn arguments_after_argumentless_commands_are_refused() {
    refused("a NOOP extra\r\n");
    refused("a CAPABILITY \r\n");
}

#[test]
fn login_with_quoted_and_literal_strings() {
    match body("a001 LOGIN \"SMITH\" {6+}\r\nsesame\r\n") {
        CommandBody::Login { username, password } => {
            assert_eq!(username, "SMITH");
            assert_eq!(password.0, b"sesame");
        }
        other => panic!("{other:?}"),
    }
    match body("a LOGIN \"a\\\"b\" \"p\\\\w\"\r\n") {
        CommandBody::Login { username, password } => {
            assert_eq!(username, "a\"b");
            assert_eq!(password.0, b"p\\w");
        }
        other => panic!("{other:?}"),
    }
    refused("a LOGIN onlyuser\r\n");
    refused("a LOGIN \"bad\\escape\" x\r\n");
}

#[test]
fn authenticate_with_and_without_initial_response() {
    assert_eq!(
        body("a AUTHENTICATE plain\r\n"),
        CommandBody::Authenticate { mechanism: "PLAIN".into(), initial_response: None }
    );
    assert_eq!(
        body("a AUTHENTICATE PLAIN =\r\n"),
        CommandBody::Authenticate { mechanism: "PLAIN".into(), initial_response: Some(InitialResponse::Empty) }
    );
    assert_eq!(
        body("a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n"),
        CommandBody::Authenticate {
            mechanism: "PLAIN".into(),
            initial_response: Some(InitialResponse::Base64("AHVzZXIAcGFzcw==".into()))
        }
    );
    refused("a AUTHENTICATE PLAIN not*base64\r\n");
}

#[test]
fn id_with_fields_or_nil() {
    assert_eq!(body("a ID NIL\r\n"), CommandBody::Id(None));
    assert_eq!(
        body("a ID (\"name\" \"sodr\" \"version\" NIL)\r\n"),
        CommandBody::Id(Some(vec![("name".into(), Some("sodr".into())), ("version".into(), None)]))
    );
    assert_eq!(body("a ID ()\r\n"), CommandBody::Id(Some(vec![])));
    refused("a ID\r\n");
}

#[test]
fn enable_lists_capabilities_uppercased() {
    assert_eq!(
        body("a ENABLE condstore qresync UTF8=ACCEPT\r\n"),
        CommandBody::Enable(vec!["CONDSTORE".into(), "QRESYNC".into(), "UTF8=ACCEPT".into()])
    );
    refused("a ENABLE\r\n");
}

#[test]
fn compress_names_its_algorithm() {
    assert_eq!(body("a COMPRESS deflate\r\n"), CommandBody::Compress("DEFLATE".into()));
    refused("a COMPRESS\r\n");
}

#[test]
fn tags_may_hold_any_astring_char_but_plus() {
    assert_eq!(parse("a.b-c_d:1] NOOP\r\n").unwrap().tag.as_str(), "a.b-c_d:1]");
    assert!(refused("a+ NOOP\r\n").tag.is_none());
    assert!(refused("* NOOP\r\n").tag.is_none());
}
