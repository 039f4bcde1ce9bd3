//! ManageSieve (RFC 5804) against the real binary, with independent clients: Python's sievelib (PyPI) and
//! Debian's sieve-connect (Perl). Both upgrade with STARTTLS and log in with SASL PLAIN; what they store is
//! read back from the store, byte for byte.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use facteur_store::SieveScriptInfo;
use facteur_testkit::{TestServer, tool_available};

mod common;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

/// What sievelib's roundtrip scenario uploads as "filters" (then renamed "sorting"), CRLF as it sends it.
const GOOD: &str =
    "require [\"fileinto\"];\r\nif header :contains \"subject\" \"report\" {\r\n  fileinto \"Reports\";\r\n}\r\n";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).start()
}

fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Runs one scenario of `clients/managesieve_sievelib.py` as Alice (or with `password`).
fn sievelib(server: &TestServer, scenario: &str, password: &str, extra: &[&str]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/managesieve_sievelib.py");
    Command::new("python3")
        .arg(&script)
        .arg(scenario)
        .args(["--port", &server.addr("managesieve").port().to_string(), "--user", ALICE, "--password", password])
        .args(extra)
        .env("SSL_CERT_FILE", server.certificate())
        .output()
        .expect("python3 runs")
}

fn sievelib_available() -> bool {
    common::python_module("sievelib")
}

fn scripts(server: &TestServer, address: &str) -> Vec<(SieveScriptInfo, String)> {
    let address = address.to_owned();
    server.with_store(async move |store| {
        let account = store.account_by_address(&address).await.unwrap().unwrap();
        let mut scripts = Vec::new();
        for info in store.sieve_scripts(account.id).await.unwrap() {
            let text = store.sieve_script(account.id, &info.name).await.unwrap().unwrap();
            scripts.push((info, text));
        }
        scripts
    })
}

#[test]
fn sievelib_puts_lists_activates_gets_renames_and_deletes_after_starttls() {
    if !sievelib_available() {
        return;
    }
    let server = server();
    let output = sievelib(&server, "roundtrip", ALICE_PASSWORD, &[]);
    assert!(output.status.success(), "sievelib roundtrip:\n{}", said(&output));
    let stored = scripts(&server, ALICE);
    assert_eq!(stored.len(), 1, "{stored:?}");
    let (info, text) = &stored[0];
    assert_eq!((info.name.as_str(), info.active, info.size), ("sorting", true, GOOD.len() as u64));
    assert_eq!(text, GOOD, "the stored script is the uploaded bytes");
    let log = server.log();
    assert!(log.contains("Sieve script stored") && log.contains("Sieve script activated"), "{log}");
    assert!(!log.contains("Reports"), "the log never holds a script's text");
}

#[test]
fn a_syntax_error_comes_back_with_its_line_and_nothing_is_stored() {
    if !sievelib_available() {
        return;
    }
    let server = server();
    let output = sievelib(&server, "checkscript", ALICE_PASSWORD, &[]);
    assert!(output.status.success(), "sievelib checkscript:\n{}", said(&output));
    assert!(scripts(&server, ALICE).is_empty());
}

#[test]
fn quotas_refuse_one_script_too_many_and_one_too_large() {
    if !sievelib_available() {
        return;
    }
    let server = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(|config| {
            config.sieve.max_scripts = 2;
            config.sieve.max_script_bytes = 1024;
        })
        .start();
    let output = sievelib(&server, "quota", ALICE_PASSWORD, &[]);
    assert!(output.status.success(), "sievelib quota:\n{}", said(&output));
    let names: Vec<String> = scripts(&server, ALICE).into_iter().map(|(info, _)| info.name).collect();
    assert_eq!(names, ["one", "two"]);
}

#[test]
fn a_wrong_password_is_refused_and_counted_as_a_failed_login() {
    if !sievelib_available() {
        return;
    }
    let server = server();
    let output = sievelib(&server, "refused", "not the password", &[]);
    assert!(output.status.success(), "sievelib refused:\n{}", said(&output));
    // sievelib does not even try without TLS: the server offers no mechanism there.
    let output = sievelib(&server, "refused", ALICE_PASSWORD, &["--no-starttls"]);
    assert!(output.status.success(), "sievelib refused before TLS:\n{}", said(&output));
    let log = server.log();
    assert!(log.contains("authentication failed") && log.contains("protocol=\"managesieve\""), "{log}");
}

#[test]
fn scramp_logs_in_with_scram_sha_256_and_the_server_proves_itself_in_the_ok() {
    if !sievelib_available() || !scramp_available() {
        return;
    }
    let server = server();
    // SCRAM verifiers are stored at the first password login of an account made before them; `account add`
    // stores one, so SCRAM works at once.
    let output = sievelib(&server, "scram", ALICE_PASSWORD, &[]);
    assert!(output.status.success(), "scram:\n{}\n{}", said(&output), server.log());
    let output = sievelib(&server, "scram", "wrong", &[]);
    assert!(output.status.success(), "scram with a wrong password:\n{}", said(&output));
}

fn scramp_available() -> bool {
    common::python_module("scramp")
}

/// A raw client: what sievelib will not send (AUTHENTICATE before TLS, an oversized literal).
struct Raw {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Raw {
    fn connect(server: &TestServer) -> Raw {
        let stream = TcpStream::connect(server.addr("managesieve")).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let writer = stream.try_clone().unwrap();
        let mut raw = Raw { reader: BufReader::new(stream), writer };
        let greeting = raw.until_status();
        assert!(greeting.contains("\"IMPLEMENTATION\" \"Facteur\"\r\n"), "{greeting}");
        assert!(greeting.contains("\"STARTTLS\"\r\n"), "{greeting}");
        assert!(greeting.contains("\"SASL\" \"\"\r\n"), "no mechanism before TLS: {greeting}");
        assert!(
            greeting.contains("\"VERSION\" \"1.0\"\r\n") && greeting.contains("\"MAXREDIRECTS\" \"4\""),
            "{greeting}"
        );
        raw
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    /// Lines up to and including the first OK, NO or BYE.
    fn until_status(&mut self) -> String {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            assert!(self.reader.read_line(&mut line).unwrap() > 0, "connection closed after {text:?}");
            text.push_str(&line);
            if ["OK", "NO", "BYE"].iter().any(|status| line.starts_with(status)) {
                return text;
            }
        }
    }
}

#[test]
fn authenticate_before_tls_is_refused_with_encrypt_needed() {
    let server = server();
    let mut raw = Raw::connect(&server);
    // "\0alice…\0password" in base64 would be readable by anyone on the path: refused before it matters.
    raw.send(b"AUTHENTICATE \"PLAIN\" \"AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZSdzIGxvbmcgcGFzc3BocmFzZQ==\"\r\n");
    let answer = raw.until_status();
    assert!(answer.starts_with("NO (ENCRYPT-NEEDED) "), "{answer}");
    raw.send(b"LISTSCRIPTS\r\n");
    assert!(raw.until_status().starts_with("NO "), "not logged in");
    raw.send(b"NOOP \"tag-1\"\r\n");
    assert_eq!(raw.until_status(), "OK (TAG \"tag-1\") \"Done\"\r\n");
    // A literal beyond the script limit and its margin ends the session rather than being read.
    raw.send(b"CHECKSCRIPT {99999999+}\r\n");
    assert!(raw.until_status().starts_with("BYE "), "an absurd literal ends the session");
}

/// sieve-connect with `--exec` commands, password on standard input.
fn sieve_connect(server: &TestServer, args: &[&str]) -> Output {
    let mut child = Command::new("sieve-connect")
        .args(["--server", "localhost", "--port", &server.addr("managesieve").port().to_string()])
        .args(["--user", ALICE, "--passwordfd", "0", "--authmech", "PLAIN"])
        .arg("--tlscafile")
        .arg(server.certificate())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sieve-connect runs");
    child.stdin.take().unwrap().write_all(format!("{ALICE_PASSWORD}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn sieve_connect_uploads_downloads_activates_and_deletes_byte_for_byte() {
    if !tool_available("sieve-connect") {
        return;
    }
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    // Non-ASCII and quotes: what comes back must be these bytes. (A script without a final line break would
    // come back with one: sieve-connect keeps the CRLF that ends the GETSCRIPT literal's line, RFC 5804 §2.9.)
    let script = "require \"fileinto\";\r\n# Règles « tri »\r\nif address :is \"from\" \"boss@example.test\" { fileinto \"Boss\"; }\r\n";
    let local = dir.path().join("local.sieve");
    std::fs::write(&local, script).unwrap();
    let local = local.to_str().unwrap();
    let output = sieve_connect(&server, &["--upload", "--localsieve", local, "--remotesieve", "tri"]);
    assert!(output.status.success(), "upload:\n{}", said(&output));
    let output = sieve_connect(&server, &["--activate", "--remotesieve", "tri"]);
    assert!(output.status.success(), "activate:\n{}", said(&output));
    let listed = sieve_connect(&server, &["--list"]);
    assert!(listed.status.success(), "list:\n{}", said(&listed));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("tri"), "list:\n{}", said(&listed));
    let downloaded = dir.path().join("downloaded.sieve");
    let output =
        sieve_connect(&server, &["--download", "--remotesieve", "tri", "--localsieve", downloaded.to_str().unwrap()]);
    assert!(output.status.success(), "download:\n{}", said(&output));
    assert_eq!(std::fs::read_to_string(&downloaded).unwrap(), script, "GETSCRIPT returns the stored bytes");
    let stored = scripts(&server, ALICE);
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].0.active, stored[0].1.as_str()), (true, script));

    // The active script stays; deactivated, it goes.
    let output = sieve_connect(&server, &["--delete", "--remotesieve", "tri"]);
    assert!(!output.status.success(), "the active script was deleted:\n{}", said(&output));
    assert_eq!(scripts(&server, ALICE).len(), 1);
    let output = sieve_connect(&server, &["--deactivate"]);
    assert!(output.status.success(), "deactivate:\n{}", said(&output));
    let output = sieve_connect(&server, &["--delete", "--remotesieve", "tri"]);
    assert!(output.status.success(), "delete:\n{}", said(&output));
    assert!(scripts(&server, ALICE).is_empty());
}

#[test]
fn sieve_connect_checkscript_reports_the_line_of_an_error() {
    if !tool_available("sieve-connect") {
        return;
    }
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("broken.sieve");
    std::fs::write(&local, "keep;\r\n\r\nfrobnicate \"x\";\r\n").unwrap();
    let output = sieve_connect(&server, &["--checkscript", "--localsieve", local.to_str().unwrap()]);
    assert!(!output.status.success(), "a broken script passed:\n{}", said(&output));
    assert!(said(&output).contains("line 3"), "no line number:\n{}", said(&output));
}
