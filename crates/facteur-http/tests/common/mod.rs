//! A real server for the tests: the in-process fixture's store (`example.com` the local domain) and certificate
//! (see `facteur_testkit::in_process`), HTTPS discovery and plain-HTTP operations listeners on loopback ports,
//! and curl/python3 as independent clients.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use facteur_http::{
    ClientPorts, Discovery, HttpServer, HttpTimeouts, MtaSts, MtaStsMode, discovery_router, install_metrics, ops_router,
};
use facteur_net::TlsAcceptor;
use facteur_testkit::in_process::Fixture;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const HOSTNAME: &str = "mail.example.com";

/// Short enough for tests to watch them fire.
pub const TIMEOUTS: HttpTimeouts = HttpTimeouts {
    header_read: Duration::from_secs(1),
    handshake: Duration::from_secs(1),
    connection: Duration::from_secs(20),
};

pub struct TestServer {
    pub fixture: Fixture,
    pub https: SocketAddr,
    pub ops: SocketAddr,
    pub tasks: Vec<JoinHandle<()>>,
}

pub fn discovery(mode: MtaStsMode) -> Discovery {
    Discovery {
        hostname: HOSTNAME.to_owned(),
        ports: ClientPorts::standard(),
        https_port: Some(10443),
        mta_sts: MtaSts {
            mode,
            mx: vec![HOSTNAME.to_owned(), "*.backup.example.net".to_owned()],
            max_age: Duration::from_secs(604_800),
        },
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(discovery(MtaStsMode::Enforce), None).await
    }

    pub async fn start_with(discovery: Discovery, limiter: Option<facteur_net::ConnectionLimiter>) -> TestServer {
        let fixture = Fixture::new().await;
        let tls = TlsAcceptor::from(fixture.certificate.server_config());

        let https_socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ops_socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (https, ops) = (https_socket.local_addr().unwrap(), ops_socket.local_addr().unwrap());

        let mut discovery_server = HttpServer::new(discovery_router(discovery, Arc::clone(&fixture.store)))
            .with_tls(tls)
            .with_timeouts(TIMEOUTS);
        if let Some(limiter) = limiter {
            discovery_server = discovery_server.with_limiter(limiter);
        }
        let ops_server = HttpServer::new(ops_router(install_metrics().unwrap())).with_timeouts(TIMEOUTS);
        let tasks = vec![
            tokio::spawn(discovery_server.serve(https_socket, fixture.shutdown_signal())),
            tokio::spawn(ops_server.serve(ops_socket, fixture.shutdown_signal())),
        ];
        TestServer { fixture, https, ops, tasks }
    }

    /// curl arguments for `https://host:port/path`, with `host` resolving to the test server.
    pub fn https_url(&self, host: &str, path: &str) -> Vec<String> {
        let port = self.https.port();
        vec!["--resolve".into(), format!("{host}:{port}:127.0.0.1"), format!("https://{host}:{port}{path}")]
    }

    pub fn ops_url(&self, path: &str) -> Vec<String> {
        vec![format!("http://{}{path}", self.ops)]
    }
}

/// Whether curl and python3 are here. Without them the HTTP tests cannot run: a notice locally, a failure
/// in CI (where `CI` is set), so a CI machine missing them cannot pass silently.
pub fn clients_available() -> bool {
    let works = |program: &str, args: &[&str]| {
        Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    };
    let present = works("curl", &["--version"]) && works("python3", &["-c", "import plistlib, xml.etree"]);
    if !present {
        assert!(std::env::var_os("CI").is_none(), "CI needs curl and python3 (Debian: curl, python3)");
        eprintln!("NOTICE: curl or python3 missing; HTTP client test skipped");
    }
    present
}

#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub content_type: String,
    /// The response head as received, lowercased.
    pub head: String,
    pub body: Vec<u8>,
}

impl Fetched {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

/// Runs `curl -k` with `args` (URL included) and returns status, content type and body.
pub async fn curl(args: Vec<String>) -> Fetched {
    tokio::task::spawn_blocking(move || curl_blocking(&args)).await.unwrap()
}

fn curl_blocking(args: &[String]) -> Fetched {
    let (body_file, head_file) = (tempfile::NamedTempFile::new().unwrap(), tempfile::NamedTempFile::new().unwrap());
    let output = Command::new("curl")
        .args(["-k", "-sS", "--max-time", "10", "-o"])
        .arg(body_file.path())
        .arg("-D")
        .arg(head_file.path())
        .args(["-w", "%{http_code}\n%{content_type}"])
        .args(args)
        .output()
        .unwrap();
    let written = String::from_utf8(output.stdout).unwrap();
    let (status, content_type) = written.split_once('\n').unwrap();
    assert!(output.status.success(), "curl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    Fetched {
        status: status.parse().unwrap(),
        content_type: content_type.to_owned(),
        head: std::fs::read_to_string(head_file.path()).unwrap().to_lowercase(),
        body: std::fs::read(body_file.path()).unwrap(),
    }
}

/// Runs a python3 script with `input` on stdin and parses its stdout as JSON.
pub async fn python_json(program: &'static str, script: &'static str, input: Vec<u8>) -> serde_json::Value {
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = Command::new(program)
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "python: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    })
    .await
    .unwrap()
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3), for query values.
pub fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
