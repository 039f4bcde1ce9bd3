//! `facteur import imap` against a real Dovecot (Debian's dovecot-core and dovecot-imapd), a private instance
//! each test starts on free loopback ports with a certificate of its own: Python's imaplib fills the account
//! and then reads both servers (tests/clients/import_dovecot.py), so what the import copied is judged by a
//! client other than the one it uses. STARTTLS (`imap://`) is tested against Dovecot too, and against fake
//! servers that misbehave in the ways the upgrade must survive: no STARTTLS, a PREAUTH greeting, responses
//! injected in clear after the STARTTLS answer.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

mod common;

use common::dovecot::Dovecot;
use facteur_testkit::{CliOutput, TestServer};
use tempfile::TempDir;

const BOB: &str = "bob@example.test";
const BOB_PASSWORD: &str = "bob's long passphrase";
/// The Dovecot account.
const ALICE: &str = "alice@old.example.org";
const ALICE_PASSWORD: &str = "alice's password at the old provider";

/// Runs a scenario of clients/import_dovecot.py; what it printed if it succeeds.
fn python(args: &[&str], dovecot: &Dovecot) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/import_dovecot.py");
    let output = Command::new("python3").arg(script).args(args).output().expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "import_dovecot.py {args:?} failed:\n{said}\nDovecot's log:\n{}", dovecot.log());
    said
}

/// BOB on the test server's IMAPS listener, as import_dovecot.py takes it.
fn bob(server: &TestServer) -> String {
    format!("{},{},{BOB},{BOB_PASSWORD}", server.addr("imaps").port(), server.certificate().display())
}

/// What `populate` says it made: (messages, folders).
fn populated(said: &str) -> (u32, u32) {
    let words: Vec<&str> = said.split_whitespace().collect();
    let at = words.iter().position(|word| *word == "populated").unwrap();
    (words[at + 1].parse().unwrap(), words[at + 4].parse().unwrap())
}

/// `facteur import imap --from FROM` into BOB, with ALICE's password in a file.
fn import(server: &TestServer, from: &str, ca_file: Option<&Path>) -> CliOutput {
    let password_file = server.data_dir().join("alice-password");
    std::fs::write(&password_file, format!("{ALICE_PASSWORD}\n")).unwrap();
    let password_file = password_file.to_str().unwrap().to_owned();
    let mut args = vec!["import", "imap", "--from", from, "--user", ALICE, "--password-file", &password_file];
    let ca_file = ca_file.map(|path| path.to_str().unwrap().to_owned());
    if let Some(ca_file) = &ca_file {
        args.extend(["--ca-file", ca_file]);
    }
    args.extend(["--account", BOB]);
    server.cli(&args, None)
}

fn imported(server: &TestServer, dovecot: &Dovecot, from: &str, expected: &str) -> String {
    let output = import(server, from, Some(&dovecot.certificate()));
    assert!(output.success(), "import from {from} failed: {output:?}\nDovecot's log:\n{}", dovecot.log());
    assert!(output.stdout.contains(expected), "expected {expected:?}:\n{}", output.stdout);
    output.stdout
}

#[test]
fn an_account_on_dovecot_comes_over_with_its_folders_bytes_flags_keywords_and_dates_then_only_what_is_new() {
    let Some(dovecot) = Dovecot::start(ALICE, ALICE_PASSWORD) else { return };
    let server = TestServer::builder().account(BOB, BOB_PASSWORD).start();
    let (messages, folders) = populated(&python(&["populate", &dovecot.endpoint()], &dovecot));
    let from = format!("imaps://127.0.0.1:{}", dovecot.imaps_port);

    let first = imported(&server, &dovecot, &from, &format!("done: {messages} message(s) copied, 0 already there"));
    assert!(first.contains("Work/2024: 2 copied"), "nested folders keep their levels: {first}");
    assert!(first.contains("Été: 1 copied"), "modified UTF-7 names are decoded: {first}");
    let compared = python(&["compare", &dovecot.endpoint(), &bob(&server)], &dovecot);
    assert!(compared.contains(&format!("identical: {messages} messages in {folders} folders")), "{compared}");

    imported(&server, &dovecot, &from, "done: 0 message(s) copied, 0 already there");
    python(&["append", &dovecot.endpoint()], &dovecot);
    imported(&server, &dovecot, &from, "done: 1 message(s) copied, 0 already there");
    let compared = python(&["compare", &dovecot.endpoint(), &bob(&server)], &dovecot);
    let expected = format!("identical: {} messages in {folders} folders", messages + 1);
    assert!(compared.contains(&expected), "{compared}");
    println!("{}", compared.trim());
}

#[test]
fn import_over_starttls_verifies_the_certificate_and_copies_the_same() {
    let Some(dovecot) = Dovecot::start(ALICE, ALICE_PASSWORD) else { return };
    let server = TestServer::builder().account(BOB, BOB_PASSWORD).start();
    let (messages, folders) = populated(&python(&["populate", &dovecot.endpoint()], &dovecot));
    let from = format!("imap://127.0.0.1:{}", dovecot.imap_port);

    let logins_before = logins(&dovecot.log()).len();
    let unverified = import(&server, &from, None);
    assert_eq!(unverified.code, Some(1), "a certificate no CA vouches for is refused: {unverified:?}");
    assert!(unverified.stderr.contains("--ca-file"), "{}", unverified.stderr);

    imported(&server, &dovecot, &from, &format!("done: {messages} message(s) copied, 0 already there"));
    let compared = python(&["compare", &dovecot.endpoint(), &bob(&server)], &dovecot);
    assert!(compared.contains(&format!("identical: {messages} messages in {folders} folders")), "{compared}");
    // The import's and the comparison's (Dovecot logs "TLS" for STARTTLS too); none for the refused import.
    let log = dovecot.log();
    let logins = logins(&log);
    assert_eq!(logins.len(), logins_before + 2, "{logins:#?}");
    assert!(logins.iter().all(|line| line.contains(", TLS,")), "{logins:#?}");
}

/// Dovecot's log lines of successful logins.
fn logins(log: &str) -> Vec<&str> {
    log.lines().filter(|line| line.contains("Login: user=<")).collect()
}

/// How a fake server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Misbehaviour {
    /// Its capabilities lack STARTTLS (an attacker on the path may strip it).
    NoStartTls,
    /// It greets with PREAUTH, in clear.
    PreAuth,
    /// It answers STARTTLS, then sends more in clear before the handshake: a CAPABILITY answer saying
    /// LOGINDISABLED, tagged as the first command after TLS will be.
    InjectsAfterStartTls,
}

/// A one-connection IMAP server that misbehaves as told and records what it received in clear, and whether
/// LOGIN came over TLS.
struct FakeServer {
    port: u16,
    clear: Arc<Mutex<Vec<u8>>>,
    login_over_tls: Arc<Mutex<bool>>,
    certificate: PathBuf,
    _dir: TempDir,
}

impl FakeServer {
    fn start(misbehaviour: Misbehaviour) -> FakeServer {
        let dir = tempfile::tempdir().unwrap();
        let (certificate, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        facteur_net::generate_self_signed("localhost", &certificate, &key).unwrap();
        let tls = facteur_net::server_config(&certificate, &key).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (clear, login_over_tls) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(false)));
        let (clear_seen, login_seen) = (Arc::clone(&clear), Arc::clone(&login_over_tls));
        thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let _ = serve(tcp, misbehaviour, tls, &clear_seen, &login_seen);
        });
        FakeServer { port, clear, login_over_tls, certificate, _dir: dir }
    }

    fn clear_text(&self) -> String {
        String::from_utf8_lossy(&self.clear.lock().unwrap()).into_owned()
    }
}

fn serve(
    tcp: TcpStream,
    misbehaviour: Misbehaviour,
    tls: Arc<rustls::ServerConfig>,
    clear: &Mutex<Vec<u8>>,
    login_over_tls: &Mutex<bool>,
) -> std::io::Result<()> {
    let mut writer = tcp.try_clone()?;
    let mut reader = BufReader::new(tcp);
    let greeting: &[u8] = match misbehaviour {
        Misbehaviour::PreAuth => b"* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in as someone\r\n",
        _ => b"* OK fake server ready\r\n",
    };
    writer.write_all(greeting)?;
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        clear.lock().unwrap().extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line);
        let (tag, command) = text.trim_end().split_once(' ').unwrap_or((&text, ""));
        match command.to_ascii_uppercase().as_str() {
            "CAPABILITY" => {
                let capabilities = match misbehaviour {
                    Misbehaviour::NoStartTls => "IMAP4rev1 AUTH=PLAIN",
                    _ => "IMAP4rev1 STARTTLS LOGINDISABLED",
                };
                writer.write_all(format!("* CAPABILITY {capabilities}\r\n{tag} OK done\r\n").as_bytes())?;
            }
            "STARTTLS" => {
                // Its answer and the injection in one write, so that they arrive together.
                let injected = "* CAPABILITY IMAP4rev1 LOGINDISABLED\r\nA0001 OK injected\r\n";
                writer.write_all(format!("{tag} OK begin TLS\r\n{injected}").as_bytes())?;
                return serve_tls(reader.into_inner(), tls, login_over_tls);
            }
            _ => writer.write_all(format!("{tag} BAD not in clear\r\n").as_bytes())?,
        }
    }
}

/// After the handshake: CAPABILITY, then LOGIN refused.
fn serve_tls(tcp: TcpStream, tls: Arc<rustls::ServerConfig>, login_over_tls: &Mutex<bool>) -> std::io::Result<()> {
    let connection = rustls::ServerConnection::new(tls).map_err(std::io::Error::other)?;
    let mut stream = rustls::StreamOwned::new(connection, tcp);
    loop {
        let mut line = Vec::new();
        let mut byte = [0u8];
        while !line.ends_with(b"\n") {
            if stream.read(&mut byte)? == 0 {
                return Ok(());
            }
            line.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_owned();
        let (tag, command) = text.split_once(' ').unwrap_or((&text, ""));
        let answer = if command.eq_ignore_ascii_case("CAPABILITY") {
            format!("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n")
        } else if command.to_ascii_uppercase().starts_with("LOGIN ") {
            *login_over_tls.lock().unwrap() = true;
            format!("{tag} NO [AUTHENTICATIONFAILED] fake server\r\n")
        } else {
            format!("{tag} BAD unexpected\r\n")
        };
        stream.write_all(answer.as_bytes())?;
        stream.flush()?;
    }
}

#[test]
fn starttls_is_required_and_nothing_sent_in_clear_counts() {
    let server = TestServer::builder().account(BOB, BOB_PASSWORD).start();
    let from = |fake: &FakeServer| format!("imap://127.0.0.1:{}", fake.port);

    let fake = FakeServer::start(Misbehaviour::NoStartTls);
    let refused = import(&server, &from(&fake), Some(&fake.certificate));
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(refused.stderr.contains("does not offer STARTTLS"), "{}", refused.stderr);
    let clear = fake.clear_text();
    assert!(!clear.contains(ALICE_PASSWORD) && !clear.to_ascii_uppercase().contains("LOGIN"), "{clear:?}");

    let fake = FakeServer::start(Misbehaviour::PreAuth);
    let refused = import(&server, &from(&fake), Some(&fake.certificate));
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(refused.stderr.contains("PREAUTH"), "{}", refused.stderr);
    assert!(fake.clear_text().is_empty(), "a command was sent after PREAUTH: {:?}", fake.clear_text());

    // The injected LOGINDISABLED is dropped with the cleartext buffer: the client asks again over TLS, logs
    // in there, and hears the fake server's refusal.
    let fake = FakeServer::start(Misbehaviour::InjectsAfterStartTls);
    let refused = import(&server, &from(&fake), Some(&fake.certificate));
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("cannot log in"), "{}", refused.stderr);
    assert!(*fake.login_over_tls.lock().unwrap(), "no LOGIN over TLS");
    assert!(!fake.clear_text().contains(ALICE_PASSWORD), "{:?}", fake.clear_text());
}
