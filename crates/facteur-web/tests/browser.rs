//! The webmail in a real browser: `tests/browser/webmail_test.py` drives Chromium through Selenium.
//!
//! - `the_app_works_in_a_browser_over_https`: the router in process over facteur-http's HTTPS server and the
//!   fixture's store (the shell phase: page, CSP, login, cookie, logout, throttling). Runs now.
//! - `the_webmail_works_end_to_end_against_the_real_binary`: the real binary with SMTP, IMAP and JMAP (the full
//!   phase, the Filters page included: its out-of-office replies are checked in the server's log here). Needs
//!   `cargo build -p facteur` first, and a binary that serves the webmail; says so and passes when either is
//!   missing.
//!
//! Both need Chromium, its driver and python3-selenium (Debian: chromium, chromium-driver, python3-selenium);
//! without them they say so and pass, as the machine cannot run them.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ALICE, PASSWORD};
use facteur_http::HttpServer;
use facteur_net::TlsAcceptor;
use facteur_testkit::TestServer;
use facteur_testkit::in_process::Fixture;

/// The Python with Selenium: `$FACTEUR_BROWSER_PYTHON`, else Debian's (python3-selenium installs there), else
/// the first on the PATH.
fn python() -> Option<String> {
    let candidates = std::env::var("FACTEUR_BROWSER_PYTHON")
        .into_iter()
        .chain(["/usr/bin/python3".to_owned(), "python3".to_owned()]);
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
    if !Path::new(&chromium).exists() || !Path::new(&driver).exists() {
        eprintln!("NOTICE: {chromium} or {driver} missing (Debian: chromium chromium-driver); browser test skipped");
        return None;
    }
    let found = candidates.into_iter().find(|python| {
        Command::new(python).args(["-c", "import selenium"]).output().is_ok_and(|output| output.status.success())
    });
    if found.is_none() {
        eprintln!("NOTICE: no python3 with selenium (Debian: python3-selenium); browser test skipped");
    }
    found
}

fn artefacts() -> PathBuf {
    std::env::var_os("FACTEUR_ARTEFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/webmail-artefacts"))
}

/// Runs the webmail script's `phase` with `args`; fails the test with its output if a scenario failed.
fn run_script(python: &str, phase: &str, args: &[String]) {
    let phase_args = ["--phase".to_owned(), phase.to_owned()];
    run_named_script(python, "webmail_test.py", phase, &[&phase_args[..], args].concat());
}

/// Runs `tests/browser/SCRIPT` with `args`, its screenshots under `artefacts/NAME`.
fn run_named_script(python: &str, script: &str, name: &str, args: &[String]) {
    let (phase, script_name) = (name, script);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser").join(script_name);
    let artefacts = artefacts().join(phase);
    let output = Command::new(python)
        .arg(&script)
        .args(args)
        .env("FACTEUR_ARTEFACTS", &artefacts)
        .output()
        .expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    eprintln!("{said}");
    assert!(
        output.status.success(),
        "{script_name} ({phase}) failed (screenshots in {}):\n{said}",
        artefacts.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_works_in_a_browser_over_https() {
    let Some(python) = python() else { return };
    let fixture = Fixture::new().await;
    let jmap = common::jmap_on(&fixture);
    // As the binary's https listeners will serve them: JMAP and the webmail side by side.
    let router = jmap.router().merge(facteur_web::router(jmap));
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address: SocketAddr = socket.local_addr().unwrap();
    let server = HttpServer::new(router).with_tls(TlsAcceptor::from(fixture.certificate.server_config()));
    tokio::spawn(server.serve(socket, fixture.shutdown_signal()));
    let args = vec![
        "--url".to_owned(),
        format!("https://127.0.0.1:{}", address.port()),
        "--user".to_owned(),
        ALICE.to_owned(),
        "--password".to_owned(),
        PASSWORD.to_owned(),
    ];
    tokio::task::spawn_blocking(move || run_script(&python, "shell", &args)).await.unwrap();
}

const BINARY_ALICE: &str = "alice@example.test";
const BINARY_BOB: &str = "bob@example.test";
const BINARY_PASSWORD: &str = "a long enough passphrase";

/// The facteur binary next to this test's directory, or `$FACTEUR_BIN`, if it was built.
fn binary_built() -> bool {
    if let Some(path) = std::env::var_os("FACTEUR_BIN") {
        return Path::new(&path).exists();
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).is_some_and(|profile| profile.join("facteur").exists())
}

#[test]
fn the_webmail_works_end_to_end_against_the_real_binary() {
    let Some(python) = python() else { return };
    if !binary_built() {
        eprintln!("NOTICE: the facteur binary is not built (cargo build -p facteur); end-to-end browser test skipped");
        return;
    }
    // The Filters scenarios' out-of-office replies go to shop.example and remote.test: to a port nobody listens
    // on, where they wait in the queue, rather than to DNS and the Internet.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = TestServer::builder()
        .account(BINARY_ALICE, BINARY_PASSWORD)
        .account(BINARY_BOB, BINARY_PASSWORD)
        .configure(move |config| {
            for domain in ["shop.example", "remote.test"] {
                config.relay.routes.insert(domain.into(), format!("127.0.0.1:{closed_port}"));
            }
        })
        .start();
    let certificate = server.certificate();
    let args: Vec<String> = [
        ("--url", format!("https://127.0.0.1:{}", server.addr("https").port())),
        ("--user", BINARY_ALICE.to_owned()),
        ("--password", BINARY_PASSWORD.to_owned()),
        ("--other-user", BINARY_BOB.to_owned()),
        ("--other-password", BINARY_PASSWORD.to_owned()),
        ("--smtp-port", server.addr("smtp").port().to_string()),
        ("--imaps-port", server.addr("imaps").port().to_string()),
        ("--cafile", certificate.to_str().unwrap().to_owned()),
    ]
    .into_iter()
    .flat_map(|(name, value)| [name.to_owned(), value])
    .collect();
    run_script(&python, "full", &args);
    // The out-of-office reply the Filters page turned on answered both messages of its scenario (the Sieve
    // vacation action's log line, one per reply queued).
    let log = server.log();
    for sender in ["deals@shop.example", "friend@remote.test"] {
        assert!(
            log.lines().any(|line| line.contains("sieve vacation reply sent") && line.contains(sender)),
            "no out-of-office reply to {sender} in the server's log:\n{log}"
        );
    }
}

const BINARY_ADMIN: &str = "root@example.test";

#[test]
fn the_admin_page_works_against_the_real_binary() {
    let Some(python) = python() else { return };
    if !binary_built() {
        eprintln!("NOTICE: the facteur binary is not built (cargo build -p facteur); admin browser test skipped");
        return;
    }
    // Mail to remote.test goes to a port nobody listens on: it is deferred and waits in the queue.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = TestServer::builder()
        .admin(BINARY_ADMIN, BINARY_PASSWORD)
        .account(BINARY_ALICE, BINARY_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("remote.test".into(), format!("127.0.0.1:{closed_port}"));
            // No DNS server here: the page's DNS check gets an answer at once (every lookup fails), not a wait.
            config.dns.nameservers = vec![std::net::SocketAddr::from(([127, 0, 0, 1], closed_port))];
        })
        .start();
    let certificate = server.certificate();
    let args: Vec<String> = [
        ("--url", format!("https://127.0.0.1:{}", server.addr("https").port())),
        ("--admin", BINARY_ADMIN.to_owned()),
        ("--user", BINARY_ALICE.to_owned()),
        ("--password", BINARY_PASSWORD.to_owned()),
        ("--submissions-port", server.addr("submissions").port().to_string()),
        ("--imaps-port", server.addr("imaps").port().to_string()),
        ("--cafile", certificate.to_str().unwrap().to_owned()),
    ]
    .into_iter()
    .flat_map(|(name, value)| [name.to_owned(), value])
    .collect();
    run_named_script(&python, "admin_test.py", "admin", &args);
}
