//! The rspamd client against a real rspamd (Debian's package), started privately on a free loopback port with
//! no network (`facteur_testkit::rspamd`): its verdicts read back, and a stopped or hung rspamd answered by a
//! prompt, clear error rather than a wait.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use facteur_spam::content::GTUBE;
use facteur_spam::rspamd::{Bytes, RspamdAction, RspamdClient, RspamdError, RspamdReply, RspamdRequest};
use facteur_testkit::rspamd::Rspamd;

const TIMEOUT: Duration = Duration::from_secs(5);

fn request(message: Vec<u8>, queue_id: &str) -> RspamdRequest {
    RspamdRequest {
        client_ip: "192.0.2.10".parse().unwrap(),
        client_hostname: Some("mail.example.org".into()),
        helo: Some("mail.example.org".into()),
        mail_from: "alice@example.org".into(),
        recipients: vec!["bob@example.test".into()],
        our_hostname: Some("mx.example.test".into()),
        queue_id: Some(queue_id.into()),
        authenticated_user: None,
        message: Bytes::from(message),
    }
}

fn ordinary_message() -> Vec<u8> {
    b"From: Alice <alice@example.org>\r\nTo: bob@example.test\r\nSubject: Lunch on Thursday\r\n\
      Date: Mon, 07 Dec 2026 21:00:00 +0000\r\nMessage-ID: <lunch1@example.org>\r\nMIME-Version: 1.0\r\n\
      Content-Type: text/plain; charset=utf-8\r\n\r\nHi Bob,\r\n\r\nShall we have lunch on Thursday at the \
      usual place? I can book a table for noon.\r\n\r\nAlice\r\n"
        .to_vec()
}

async fn check(rspamd: &Rspamd, request: &RspamdRequest) -> RspamdReply {
    let client = RspamdClient::new(&rspamd.url(), TIMEOUT).unwrap();
    match client.check(request).await {
        Ok(reply) => reply,
        Err(error) => panic!("{error}\nrspamd's log:\n{}", rspamd.log()),
    }
}

fn symbol_names(reply: &RspamdReply) -> Vec<&str> {
    reply.symbols.iter().map(|reason| reason.rule.as_str()).collect()
}

#[tokio::test]
async fn gtube_comes_back_reject_with_the_gtube_symbol() {
    let Some(rspamd) = Rspamd::start() else { return };
    eprintln!("rspamd answered {:?} after its start", rspamd.started_in());
    let mut message = b"From: alice@example.org\r\nTo: bob@example.test\r\nSubject: test\r\n\r\n".to_vec();
    message.extend_from_slice(GTUBE);
    message.extend_from_slice(b"\r\n");
    let reply = check(&rspamd, &request(message, "GTUBE1")).await;
    assert_eq!(reply.action, RspamdAction::Reject, "{reply:?}");
    assert!(symbol_names(&reply).contains(&"GTUBE"), "{reply:?}");
    assert_eq!(reply.smtp_message.as_deref(), Some("Gtube pattern"));
}

#[tokio::test]
async fn an_ordinary_message_comes_back_with_a_low_score_and_symbols() {
    let Some(rspamd) = Rspamd::start() else { return };
    let reply = check(&rspamd, &request(ordinary_message(), "5B2E90")).await;
    assert_eq!(reply.action, RspamdAction::NoAction, "{reply:?}");
    assert!(reply.score < 2.0 && reply.required_score > reply.score, "{reply:?}");
    let names = symbol_names(&reply);
    assert!(names.contains(&"MIME_GOOD"), "{names:?}");
    // The envelope reached rspamd as ours: the recipient matches the To field, the sender the From field.
    assert!(names.contains(&"TO_MATCH_ENVRCPT_ALL") && names.contains(&"FROM_EQ_ENVFROM"), "{names:?}");
    // And so did the queue id, which the milter part repeats.
    let queue_id = reply.milter.add_headers.iter().find(|(name, _)| name == "X-Rspamd-Queue-Id");
    assert_eq!(queue_id.map(|(_, value)| value.as_str()), Some("5B2E90"), "{reply:?}");
}

#[tokio::test]
async fn a_message_with_cheap_tricks_is_marked_with_its_reasons() {
    let Some(rspamd) = Rspamd::start() else { return };
    let message = b"From: \"Security\" <winner@lottery-prize.example>\r\nTo: undisclosed-recipients:;\r\n\
        Subject: YOU HAVE WON $1,000,000 !!! CLAIM NOW!!!\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n\
        <html><body><a href=\"http://192.0.2.55/claim\">CLICK HERE</a></body></html>\r\n"
        .to_vec();
    let reply = check(&rspamd, &request(message, "7F3A1C")).await;
    assert!(reply.action >= RspamdAction::AddHeader, "{reply:?}");
    let names = symbol_names(&reply);
    for expected in ["MISSING_MID", "MISSING_DATE", "SUBJ_ALL_CAPS", "HTTP_TO_IP"] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    let status = reply.milter.add_headers.iter().find(|(name, _)| name == "X-Spam-Status");
    assert!(status.is_some_and(|(_, value)| value.starts_with("Yes, score=")), "{reply:?}");
}

#[tokio::test]
async fn a_stopped_rspamd_is_a_prompt_connection_error() {
    let Some(mut rspamd) = Rspamd::start() else { return };
    let client = RspamdClient::new(&rspamd.url(), TIMEOUT).unwrap();
    rspamd.stop();
    let started = Instant::now();
    let error = client.check(&request(ordinary_message(), "STOPPED")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    assert!(matches!(error, RspamdError::Connect { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.starts_with(&format!("rspamd at {}: cannot connect: ", rspamd.url())), "{text}");
}

#[tokio::test]
async fn a_hung_rspamd_times_out() {
    let Some(rspamd) = Rspamd::start() else { return };
    let timeout = Duration::from_millis(1500);
    let client = RspamdClient::new(&rspamd.url(), timeout).unwrap();
    // Frozen, rspamd still has its port: the kernel accepts the connection, and nothing ever answers.
    rspamd.pause();
    let started = Instant::now();
    let result = client.check(&request(ordinary_message(), "HUNG")).await;
    let elapsed = started.elapsed();
    rspamd.resume();
    let error = result.unwrap_err();
    assert!(matches!(error, RspamdError::Timeout { .. }), "{error:?}");
    assert!(elapsed >= timeout && elapsed < timeout + Duration::from_secs(1), "took {elapsed:?}");
    assert_eq!(error.to_string(), format!("rspamd at {}: no answer within 1.5s", rspamd.url()));
    // Thawed, it answers again: the timed-out exchange left nothing behind on our side.
    let reply = check(&rspamd, &request(ordinary_message(), "THAWED")).await;
    assert_eq!(reply.action, RspamdAction::NoAction);
}
