//! Certificates from a real ACME CA: Debian's `pebble` (Let's Encrypt's test CA), resolving the names through
//! the test DNS and validating them against the running server. What the listeners serve is judged by Python's
//! ssl module (OpenSSL), verifying against Pebble's root for each name.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use facteur_mailauth::testdns::TestDns;
use facteur_testkit::{DOMAIN, TestServer, client_config_trusting, tool_available};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tempfile::TempDir;

const HOST: &str = "mail.example.test";
/// The names ACME asks for by default: the host name and the names `dns-records` points at it.
const NAMES: [&str; 4] = [HOST, "mta-sts.example.test", "autoconfig.example.test", "autodiscover.example.test"];
const ISSUANCE_TIMEOUT: Duration = Duration::from_secs(90);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A Pebble CA, configured (ports, its own HTTPS certificate) before it runs, so a server can be pointed at it
/// before it is up.
struct Pebble {
    dir: TempDir,
    listen: SocketAddr,
    management: SocketAddr,
    dns: SocketAddr,
    child: Option<Child>,
}

impl Pebble {
    /// Pebble validating http-01 on `http_port` and tls-alpn-01 on `tls_port` of the address each name resolves
    /// to through `dns`.
    fn configure(dns: SocketAddr, http_port: u16, tls_port: u16) -> Pebble {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca, ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("cert.pem"), leaf.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
        let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
        let management = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
        let config = format!(
            r#"{{"pebble": {{"listenAddress": "{listen}", "managementListenAddress": "{management}",
                "certificate": "{0}/cert.pem", "privateKey": "{0}/key.pem", "httpPort": {http_port},
                "tlsPort": {tls_port}, "ocspResponderURL": "", "externalAccountBindingRequired": false}}}}"#,
            dir.path().display()
        );
        std::fs::write(dir.path().join("pebble.json"), config).unwrap();
        Pebble { dir, listen, management, dns, child: None }
    }

    fn directory(&self) -> String {
        format!("https://{}/dir", self.listen)
    }

    /// The CA that signed Pebble's own HTTPS certificate (`[acme] directory_ca_file`).
    fn https_ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// Where Pebble publishes the root of the certificates it issues.
    fn issuing_root(&self) -> String {
        format!("https://{}/roots/0", self.management)
    }

    fn start(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("pebble.log")).unwrap();
        let child = Command::new("pebble")
            .arg("-config")
            .arg(self.dir.path().join("pebble.json"))
            .arg("-dnsserver")
            .arg(self.dns.to_string())
            // No pauses before validating, and no nonces refused at random: the test is about our side.
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(self.listen).is_err() || TcpStream::connect(self.management).is_err() {
            assert!(Instant::now() < deadline, "pebble did not start:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pebble.log")).unwrap_or_default()
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- pebble's log ----\n{}", self.log());
        }
    }
}

/// The test DNS, resolving every name to loopback, where the server listens. Returned with the runtime
/// serving it.
fn dns_for(names: &[&str]) -> (tokio::runtime::Runtime, TestDns) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dns = runtime.block_on(TestDns::start()).unwrap();
    for name in names {
        dns.add_a(name, Ipv4Addr::LOCALHOST);
    }
    (runtime, dns)
}

/// The ports the CA validates on, chosen before the server starts so Pebble can be told them.
struct Ports {
    http: u16,
    https: u16,
}

impl Ports {
    fn free() -> Ports {
        Ports { http: free_port(), https: free_port() }
    }
}

fn builder(
    pebble: &Pebble,
    challenge: facteur_config::AcmeChallenge,
    ports: &Ports,
) -> facteur_testkit::TestServerBuilder {
    let (directory, ca) = (pebble.directory(), pebble.https_ca());
    let (http, https) = (ports.http, ports.https);
    TestServer::builder().configure(move |config| {
        config.server.hostname = HOST.to_owned();
        config.acme.enabled = true;
        config.acme.directory = directory;
        config.acme.directory_ca_file = ca.to_str().unwrap().to_owned();
        config.acme.contact = format!("mailto:postmaster@{DOMAIN}");
        config.acme.challenge = challenge;
        config.listeners.get_mut("http").unwrap().bind = vec![SocketAddr::from((Ipv4Addr::LOCALHOST, http))];
        config.listeners.get_mut("https").unwrap().bind = vec![SocketAddr::from((Ipv4Addr::LOCALHOST, https))];
        config.http.metrics_bind = vec![SocketAddr::from((Ipv4Addr::LOCALHOST, 0))];
    })
}

/// For each name, the fingerprint of the leaf served at `address` if it verifies for that name against `root`
/// (a PEM file, or Pebble's root URL), else `None`.
fn served(root: &str, address: SocketAddr, names: &[&str]) -> Vec<Option<String>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/tls_names.py");
    let output = Command::new("python3")
        .arg(script)
        .args([root, &address.ip().to_string(), &address.port().to_string()])
        .args(names)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "tls_names.py failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.splitn(3, ' ').collect();
            (fields[0] == "verified").then(|| fields[2].to_owned())
        })
        .collect()
}

/// Waits until the server at `address` serves, for every name, a certificate Pebble issued.
fn wait_for_issued(server: &TestServer, pebble: &Pebble, address: SocketAddr, names: &[&str]) -> Vec<String> {
    let deadline = Instant::now() + ISSUANCE_TIMEOUT;
    loop {
        let seen = served(&pebble.issuing_root(), address, names);
        if seen.iter().all(Option::is_some) {
            return seen.into_iter().flatten().collect();
        }
        assert!(Instant::now() < deadline, "no issued certificate for {names:?}:\n{}\n{}", server.log(), pebble.log());
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn wait_for_log(server: &TestServer, text: &str) {
    let deadline = Instant::now() + ISSUANCE_TIMEOUT;
    while !server.log().contains(text) {
        assert!(Instant::now() < deadline, "the log never said {text:?}:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A certificate for the default names, two thirds through its life (issued 20 days ago, 10 days left), with
/// the key ACME keeps: what a server finds in acme/ when renewal is due. Returns its PEM.
fn due_certificate(acme_dir: &Path, directory: &str) -> String {
    std::fs::create_dir_all(acme_dir).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(NAMES.map(str::to_owned).to_vec()).unwrap();
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(20);
    params.not_after = now + time::Duration::days(10);
    let certificate = params.self_signed(&key).unwrap();
    std::fs::write(acme_dir.join("key.pem"), key.serialize_pem()).unwrap();
    std::fs::write(acme_dir.join("cert.pem"), certificate.pem()).unwrap();
    std::fs::write(acme_dir.join("cert.directory"), directory).unwrap();
    certificate.pem()
}

fn metric(server: &TestServer, name: &str) -> String {
    let mut stream = TcpStream::connect(server.addr("metrics")).unwrap();
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).unwrap();
    body.lines().filter(|line| line.starts_with(name)).collect::<Vec<_>>().join("\n")
}

#[test]
fn tls_alpn_01_obtains_a_certificate_for_every_name_and_a_new_domain_extends_it() {
    if !tool_available("pebble") {
        return;
    }
    let all: Vec<&str> = NAMES
        .iter()
        .copied()
        .chain(["mta-sts.other.test", "autoconfig.other.test", "autodiscover.other.test"])
        .collect();
    let (_runtime, dns) = dns_for(&NAMES);
    let ports = Ports::free();
    let mut pebble = Pebble::configure(dns.addr(), ports.http, ports.https);
    pebble.start();
    let server = builder(&pebble, facteur_config::AcmeChallenge::TlsAlpn01, &ports).start();

    let https = server.addr("https");
    let issued = wait_for_issued(&server, &pebble, https, &NAMES);
    assert!(issued.windows(2).all(|pair| pair[0] == pair[1]), "one certificate holds every name");
    // Every TLS listener serves it, not only https.
    let imaps = served(&pebble.issuing_root(), server.addr("imaps"), &[HOST]);
    assert_eq!(imaps, [Some(issued[0].clone())]);
    assert!(server.log().contains("ACME: certificate issued and in service"), "{}", server.log());

    // A new domain: its names join the certificate (SIGHUP looks at once instead of within a minute).
    let added = server.cli(&["domain", "add", "other.test"], None);
    assert!(added.success(), "{added:?}");
    for name in &all[NAMES.len()..] {
        dns.add_a(name, Ipv4Addr::LOCALHOST);
    }
    server.send_signal("HUP");
    let extended = wait_for_issued(&server, &pebble, https, &all);
    assert_ne!(extended[0], issued[0], "a new certificate");
    server.stop();
}

#[test]
fn http_01_renewal_is_served_without_a_restart_and_an_unreachable_ca_delays_nothing() {
    if !tool_available("pebble") {
        return;
    }
    let (_runtime, dns) = dns_for(&NAMES);
    let ports = Ports::free();
    let mut pebble = Pebble::configure(dns.addr(), ports.http, ports.https);
    let directory = pebble.directory();
    let old = Arc::new(std::sync::Mutex::new(String::new()));
    let kept = Arc::clone(&old);
    // The CA is not running yet: the server starts anyway, on the certificate it has.
    let server = builder(&pebble, facteur_config::AcmeChallenge::Http01, &ports)
        .prepare(move |data_dir| *kept.lock().unwrap() = due_certificate(&data_dir.join("acme"), &directory))
        .start();
    let old_pem = pebble.dir.path().join("old.pem");
    std::fs::write(&old_pem, old.lock().unwrap().as_str()).unwrap();
    let old_pem = old_pem.to_str().unwrap().to_owned();
    wait_for_log(&server, "ACME: no certificate obtained");
    assert_eq!(metric(&server, "facteur_acme_failures_total"), "facteur_acme_failures_total 1");
    let before = served(&old_pem, server.addr("https"), &[HOST]);
    assert!(before[0].is_some(), "the due certificate is served while the CA is away");

    // A client connected before the renewal.
    let imaps = server.addr("imaps");
    let config = client_config_trusting(Path::new(&old_pem));
    let name = rustls::pki_types::ServerName::try_from(HOST).unwrap();
    let connection = rustls::ClientConnection::new(config, name).unwrap();
    let socket = TcpStream::connect(imaps).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut session = BufReader::new(rustls::StreamOwned::new(connection, socket));
    let mut greeting = String::new();
    session.read_line(&mut greeting).unwrap();
    assert!(greeting.starts_with("* OK"), "{greeting}");

    // The CA comes up; SIGHUP asks again without waiting for the retry.
    pebble.start();
    server.send_signal("HUP");
    let renewed = wait_for_issued(&server, &pebble, server.addr("https"), &NAMES);
    assert_ne!(Some(renewed[0].clone()), before[0]);
    let after = served(&pebble.issuing_root(), imaps, &[HOST]);
    assert_eq!(after, [Some(renewed[0].clone())], "a new connection gets the renewed certificate");
    // The connection opened before goes on, on the old certificate.
    session.get_mut().write_all(b"a NOOP\r\n").unwrap();
    let mut reply = String::new();
    session.read_line(&mut reply).unwrap();
    assert!(reply.starts_with("a OK"), "{reply}");
    server.stop();
}

#[test]
fn a_failed_challenge_keeps_the_current_certificate() {
    if !tool_available("pebble") {
        return;
    }
    let (_runtime, dns) = dns_for(&NAMES);
    let ports = Ports::free();
    // Pebble validates tls-alpn-01 on a port where nothing listens.
    let mut pebble = Pebble::configure(dns.addr(), ports.http, free_port());
    pebble.start();
    let directory = pebble.directory();
    let old = Arc::new(std::sync::Mutex::new(String::new()));
    let kept = Arc::clone(&old);
    let server = builder(&pebble, facteur_config::AcmeChallenge::TlsAlpn01, &ports)
        .prepare(move |data_dir| *kept.lock().unwrap() = due_certificate(&data_dir.join("acme"), &directory))
        .start();
    wait_for_log(&server, "ACME: no certificate obtained");
    let log = server.log();
    assert!(log.contains("validation failed"), "{log}");
    let old_pem = pebble.dir.path().join("old.pem");
    std::fs::write(&old_pem, old.lock().unwrap().as_str()).unwrap();
    let still = served(old_pem.to_str().unwrap(), server.addr("https"), &NAMES);
    assert!(still.iter().all(Option::is_some), "the current certificate stays: {still:?}");
    assert_eq!(metric(&server, "facteur_acme_failures_total"), "facteur_acme_failures_total 1");
    server.stop();
}

/// Two nodes on one PostgreSQL database, both with ACME on (http-01): one orders, the other serves the
/// certificate it obtained without ordering its own. The CA validates on the first node's http port while
/// the second orders, so the first answers the second's challenge from the database.
#[test]
fn two_nodes_on_one_database_share_one_certificate_ordered_once() {
    if !tool_available("pebble") {
        return;
    }
    let Some(url) = facteur_testkit::postgres_cluster().map(|cluster| cluster.create_database()) else { return };
    let (_runtime, dns) = dns_for(&NAMES);
    let ports = Ports::free();
    let mut pebble = Pebble::configure(dns.addr(), ports.http, ports.https);
    // A listens where the CA validates; B elsewhere. The CA is not up yet: both fail once and back off.
    let a = builder(&pebble, facteur_config::AcmeChallenge::Http01, &ports).store(&url).start();
    let elsewhere = Ports::free();
    let b = builder(&pebble, facteur_config::AcmeChallenge::Http01, &elsewhere).store(&url).start();
    wait_for_log(&a, "ACME: no certificate obtained");

    // The CA comes up; SIGHUP makes B (not A, still backing off for minutes) order at once.
    pebble.start();
    b.send_signal("HUP");
    let on_b = wait_for_issued(&b, &pebble, b.addr("https"), &NAMES);
    let on_a = wait_for_issued(&a, &pebble, a.addr("https"), &NAMES);
    assert_eq!(on_a[0], on_b[0], "one certificate for both nodes");
    let issued = |node: &TestServer| node.log().matches("ACME: certificate issued and in service").count();
    assert_eq!((issued(&a), issued(&b)), (0, 1), "B ordered, A did not:\n{}\n{}", a.log(), b.log());
    assert!(a.log().contains("ACME: serving the certificate another node obtained"), "{}", a.log());
    assert!(b.log().contains("ACME: challenge ready"), "{}", b.log());
}
