//! Outbound delivery between two real Facteur instances on loopback: A (alice, example.test) routes b.test
//! to B's MX listener through `[relay.routes]`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::time::{Duration, Instant};

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

fn instance_b() -> TestServer {
    let b = TestServer::start();
    assert!(b.cli(&["domain", "add", "b.test"], None).success());
    assert!(b.cli(&["account", "add", "bob@b.test", "--password-stdin"], Some("bob's pw\n")).success());
    b
}

fn instance_a(b: &TestServer) -> TestServer {
    let route = b.addr("smtp").to_string();
    TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), route);
        })
        .start()
}

fn submit(server: &TestServer, to: &str, subject: &str) {
    use lettre::transport::smtp::authentication::{Credentials, Mechanism};
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

    let pem = std::fs::read(server.certificate()).unwrap();
    let tls = TlsParameters::builder("localhost".to_owned())
        .add_root_certificate(Certificate::from_pem(&pem).unwrap())
        .build_rustls()
        .unwrap();
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.addr("submissions").port())
        .tls(Tls::Wrapper(tls))
        .credentials(Credentials::new(ALICE.to_owned(), ALICE_PASSWORD.to_owned()))
        .authentication(vec![Mechanism::Plain])
        .build();
    let email = Message::builder()
        .from(ALICE.parse().unwrap())
        .to(to.parse().unwrap())
        .subject(subject)
        .body("Across the network.\r\n".to_owned())
        .unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(transport.send(email)).unwrap();
}

fn wait_for_messages(server: &TestServer, address: &str, count: usize) -> Vec<facteur_testkit::StoredMessage> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let messages = server.messages(address, "INBOX");
        if messages.len() >= count || Instant::now() > deadline {
            return messages;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn submitted_mail_for_a_remote_domain_reaches_the_other_server() {
    let b = instance_b();
    let a = instance_a(&b);
    submit(&a, "bob@b.test", "hello from A");
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&received[0].bytes).into_owned();
    assert!(text.contains("Subject: hello from A"), "{text}");
    assert!(text.contains("Across the network."));
}

#[test]
fn an_unknown_remote_user_bounces_to_the_sender_with_the_reply() {
    let b = instance_b();
    let a = instance_a(&b);
    submit(&a, "nobody@b.test", "to nobody");
    let bounces = wait_for_messages(&a, ALICE, 1);
    assert_eq!(bounces.len(), 1, "alice got no report; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&bounces[0].bytes).into_owned();
    assert!(text.contains("multipart/report"), "{text}");
    assert!(text.contains("Final-Recipient: rfc822; nobody@b.test"), "{text}");
    assert!(text.contains("Action: failed"), "{text}");
    assert!(text.contains("Diagnostic-Code: smtp; 55"), "{text}");
    assert!(text.contains("Subject: to nobody"), "the original header is attached:\n{text}");
}

#[test]
fn a_message_that_cannot_be_delivered_before_it_expires_bounces() {
    // A port nobody listens on: every attempt fails temporarily until the 1-second lifetime is over.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), closed);
            config.queue.lifetime_secs = 1;
        })
        .start();
    submit(&a, "bob@b.test", "never arrives");
    let bounces = wait_for_messages(&a, ALICE, 1);
    assert_eq!(bounces.len(), 1, "alice got no report; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&bounces[0].bytes).into_owned();
    assert!(text.contains("Final-Recipient: rfc822; bob@b.test"), "{text}");
    assert!(text.contains("Status: 5.4.7"), "{text}");
    assert!(text.contains("gave up after"), "the reason is given:\n{text}");
}
