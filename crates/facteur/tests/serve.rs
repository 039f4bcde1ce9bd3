//! `facteur serve`: listeners, TLS, quickstart and clean shutdown, over real sockets.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use facteur_testkit::{TestServer, client_config_trusting, facteur_binary};
use rustls::pki_types::ServerName;

/// A `facteur serve` started by hand; killed if the test fails before stopping it.
struct Serve(Child);

impl Serve {
    fn start(data_dir: &Path) -> Serve {
        Serve::start_with(data_dir, &[])
    }

    fn start_with(data_dir: &Path, args: &[&str]) -> Serve {
        let child = Command::new(facteur_binary())
            .arg("--data-dir")
            .arg(data_dir)
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Serve(child)
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status().unwrap();
        self.0.wait().unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads what the server sends first after a TLS handshake, and the negotiated protocol version.
fn tls_greeting(address: SocketAddr, certificate: &Path, server_name: &str) -> (rustls::ProtocolVersion, String) {
    let config = client_config_trusting(certificate);
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    let mut connection = rustls::ClientConnection::new(Arc::clone(&config), name).unwrap();
    let mut socket = TcpStream::connect(address).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut stream = rustls::Stream::new(&mut connection, &mut socket);
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") && stream.read(&mut byte).unwrap() == 1 {
        line.push(byte[0]);
    }
    let version = connection.protocol_version().expect("handshake completed");
    (version, String::from_utf8_lossy(&line).into_owned())
}

fn plain_greeting(address: SocketAddr) -> String {
    let socket = TcpStream::connect(address).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut line = String::new();
    BufReader::new(socket).read_line(&mut line).unwrap();
    line
}

#[test]
fn every_listener_answers_and_implicit_tls_negotiates_tls13() {
    let server = TestServer::start();
    let certificate = server.certificate();
    let (version, greeting) = tls_greeting(server.addr("submissions"), &certificate, "localhost");
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_3);
    assert!(greeting.starts_with("220 localhost "), "{greeting:?}");
    let (version, greeting) = tls_greeting(server.addr("pop3s"), &certificate, "localhost");
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_3);
    assert!(greeting.starts_with("+OK "), "{greeting:?}");
    let (version, greeting) = tls_greeting(server.addr("imaps"), &certificate, "localhost");
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_3);
    assert!(greeting.starts_with("* "), "{greeting:?}");
    assert!(plain_greeting(server.addr("smtp")).starts_with("220 localhost "));
    assert!(plain_greeting(server.addr("submission")).starts_with("220 localhost "));
    assert!(plain_greeting(server.addr("imap")).starts_with("* "));
    assert!(plain_greeting(server.addr("pop3")).starts_with("+OK "));
    assert!(server.stop().success());
}

/// The issue's acceptance scenario: init with a port base, add alice, serve; the listeners are on the
/// documented ports (a base found free, not 20000 itself, so nothing else on the machine can break the test).
#[test]
fn a_port_base_puts_the_listeners_on_the_documented_ports() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let run = |args: &[&str], stdin: Option<&str>| facteur_testkit::cli::run(&dir, args, stdin);
    let base = facteur_testkit::free_port_base();
    let base_arg = base.to_string();
    let init = ["init", "--domain", "example.test", "--port-base", &base_arg, "--bind-address", "127.0.0.1"];
    assert!(run(&[&init[..], &["--no-acme"]].concat(), None).success());
    assert!(
        run(&["account", "add", "alice@example.test", "--password-stdin"], Some("a secret passphrase\n")).success()
    );
    let mut serve = Serve::start(&dir);
    let mut log = BufReader::new(serve.0.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("facteur is ready") {
        let mut line = String::new();
        assert!(log.read_line(&mut line).unwrap() > 0, "server exited early:\n{seen}");
        seen.push_str(&line);
    }
    for port in [25, 587, 465, 143, 993, 110, 995].map(|standard| base + standard) {
        assert!(seen.contains(&format!("127.0.0.1:{port}")), "port {port} not logged:\n{seen}");
        TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("port {port}: {e}"));
    }
    let submissions = SocketAddr::from(([127, 0, 0, 1], base + 465));
    let (version, _) = tls_greeting(submissions, &dir.join("tls/cert.pem"), "mail.example.test");
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_3);
    assert!(run(&["account", "list"], None).stdout.contains("alice@example.test"));
    assert!(serve.terminate().success());
}

#[test]
fn stored_password_hash_accepts_the_password_and_refuses_another() {
    let server = TestServer::builder().account("alice@example.test", "right password").start();
    let store_dir = server.data_dir().join(&server.config().store.path);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(async {
        let store = facteur_store::SqliteStore::open(&store_dir).await.unwrap();
        let account = facteur_store::Store::account_by_address(&store, "alice@example.test").await.unwrap();
        facteur_store::Store::close(&store).await.unwrap();
        account.expect("alice exists")
    });
    assert!(account.password_hash.starts_with("$argon2id$"), "{}", account.password_hash);
    assert!(facteur_auth::verify_password(&account.password_hash, "right password"));
    assert!(!facteur_auth::verify_password(&account.password_hash, "wrong password"));
    assert!(server.stop().success());
}

#[test]
fn risky_settings_are_warned_about_at_start_and_a_sound_setup_is_not() {
    let quiet = TestServer::start();
    assert!(!quiet.log().contains("WARN"), "nothing to say about the test kit's setup:\n{}", quiet.log());
    drop(quiet);

    let server = TestServer::builder()
        .configure(|config| {
            config.server.hostname = "mail.example.test".to_owned();
            config.auth.allow_plaintext = true;
        })
        .prepare(|data_dir| {
            use std::os::unix::fs::PermissionsExt;
            let key = data_dir.join("tls/key.pem");
            std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o644)).unwrap();
        })
        .start();
    let log = server.log();
    assert!(log.contains("chmod 600") && log.contains("tls/key.pem"), "{log}");
    assert!(log.contains("allow_plaintext = true"), "{log}");
    assert!(log.contains("the certificate is self-signed"), "{log}");
}

#[test]
fn a_taken_port_is_named_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let base = facteur_testkit::free_port_base();
    let _holder = std::net::TcpListener::bind(("127.0.0.1", base + 143)).unwrap();
    let output = Command::new(facteur_binary())
        .arg("--data-dir")
        .arg(tmp.path().join("fresh"))
        .args(["serve", "--port-base", &base.to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let taken = format!("port {} is already taken by another program", base + 143);
    assert!(stderr.contains(&taken) && stderr.contains("--port-base"), "{stderr}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let server = TestServer::start();
    let address = server.addr("imap");
    let mut idle = TcpStream::connect(address).unwrap();
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    let _ = idle.write_all(b"x");
    assert!(TcpStream::connect(address).is_err(), "nothing listens after the stop");
}

#[test]
fn serve_on_an_empty_data_dir_starts_a_quickstart_and_says_how_to_log_in() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fresh");
    let base = facteur_testkit::free_port_base();
    let mut serve = Serve::start_with(&dir, &["--port-base", &base.to_string()]);
    let mut stdout = BufReader::new(serve.0.stdout.take().unwrap());
    let mut printed = String::new();
    while !printed.contains("password") {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let mut stderr = String::new();
            serve.0.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            panic!("quickstart printed no password:\n{printed}\n{stderr}");
        }
        printed.push_str(&line);
    }
    let mut rest = String::new();
    while !rest.contains("Add people") {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        rest.push_str(&line);
    }
    assert!(serve.terminate().success());
    assert!(printed.contains(&format!("127.0.0.1:{}", base + 993)), "{printed}");
    assert!(printed.contains("admin@example.test"), "{printed}");
    let accounts = facteur_testkit::cli::run(&dir, &["account", "list"], None);
    let first = accounts.stdout.lines().find(|line| line.starts_with("admin@example.test"));
    assert!(first.is_some_and(|line| line.ends_with(" admin")), "the first account administers: {}", accounts.stdout);
    assert!(rest.contains("/admin"), "the admin page is named: {rest}");
    let aliases = facteur_testkit::cli::run(&dir, &["alias", "list"], None);
    assert!(aliases.stdout.contains("postmaster@example.test -> admin@example.test"), "{}", aliases.stdout);
    // Loopback only, often without DNS: inbound checks would answer 451 to everything.
    let config = std::fs::read_to_string(dir.join("facteur.toml")).unwrap();
    assert!(config.contains("verify_inbound = false"), "{config}");
}

#[test]
fn sighup_serves_a_replaced_certificate_to_new_connections_and_keeps_old_ones() {
    let server = TestServer::start();
    let imaps = server.addr("imaps");
    let (old, cert, key) =
        (server.certificate(), server.data_dir().join("tls/cert.pem"), server.data_dir().join("tls/key.pem"));
    let kept_old = server.data_dir().join("old-cert.pem");
    std::fs::copy(&old, &kept_old).unwrap();
    // A session opened before the change: it must go on, on the certificate it has.
    let mut before = std::process::Command::new("python3")
        .args(["-c", OPEN_SESSION, &imaps.port().to_string(), kept_old.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    BufReader::new(before.stdout.as_mut().unwrap()).read_line(&mut said).unwrap();
    assert!(said.starts_with("* OK"), "{said}");

    facteur_net::generate_self_signed("localhost", &cert, &key).unwrap();
    let kept_new = server.data_dir().join("new-cert.pem");
    std::fs::copy(&cert, &kept_new).unwrap();
    server.send_signal("HUP");
    wait_for_log(&server, "certificate reloaded");
    assert!(handshake_trusting(imaps, &kept_new), "the new certificate is served");
    assert!(!handshake_trusting(imaps, &kept_old), "the old certificate is no longer served");

    before.stdin.as_mut().unwrap().write_all(b"a NOOP\r\n").unwrap();
    let mut answer = String::new();
    BufReader::new(before.stdout.as_mut().unwrap()).read_line(&mut answer).unwrap();
    assert!(answer.starts_with("a OK"), "the session opened before goes on: {answer}");
    before.wait().unwrap();

    // A broken file is refused, and the certificate in service stays.
    std::fs::write(&cert, "not a certificate").unwrap();
    server.send_signal("HUP");
    wait_for_log(&server, "certificate not reloaded");
    assert!(handshake_trusting(imaps, &kept_new), "a broken file leaves the certificate in service");
}

#[test]
fn a_client_sending_an_ip_address_as_sni_is_served_without_a_warning() {
    let server = TestServer::start();
    let imaps = server.addr("imaps");
    // OpenSSL sends whatever -servername says, an IP address included (as some mail clients do).
    // -ign_eof: s_client stays until the server closes, after answering LOGOUT (an end of input right after the
    // handshake would close before the greeting arrived).
    let mut client = std::process::Command::new("openssl")
        .args(["s_client", "-connect", &imaps.to_string(), "-servername", "127.0.0.1", "-ign_eof", "-crlf"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl (.ci/run installs it)");
    client.stdin.take().unwrap().write_all(b"a LOGOUT\n").unwrap();
    let output = client.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("* OK"), "the session went on: {said}");
    // The handshake is over; give the log reader a moment to catch up with the server's output.
    std::thread::sleep(Duration::from_millis(300));
    assert!(!server.log().contains("Illegal SNI"), "{}", server.log());
}

/// Whether a TLS handshake with `address` succeeds for a client trusting only `certificate`.
fn handshake_trusting(address: SocketAddr, certificate: &Path) -> bool {
    let config = client_config_trusting(certificate);
    let name = ServerName::try_from("localhost".to_owned()).unwrap();
    let mut connection = rustls::ClientConnection::new(config, name).unwrap();
    let mut socket = TcpStream::connect(address).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    while connection.is_handshaking() {
        if connection.complete_io(&mut socket).is_err() {
            return false;
        }
    }
    true
}

/// A Python IMAPS client that prints the greeting, then relays one command line from stdin and its answer.
const OPEN_SESSION: &str = r#"
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
conn = context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
reader = conn.makefile("rb")
print(reader.readline().decode().strip(), flush=True)
conn.sendall(sys.stdin.readline().encode())
print(reader.readline().decode().strip(), flush=True)
"#;

fn wait_for_log(server: &TestServer, needle: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !server.log().contains(needle) {
        assert!(std::time::Instant::now() < deadline, "no {needle:?} in the log:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}
