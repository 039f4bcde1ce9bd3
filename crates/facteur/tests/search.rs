//! SEARCH BODY and TEXT on decoded text (RFC 9051 §6.4.4), through the full-text index and through the scan it
//! must agree with, and beside Dovecot: one corpus (accents, quoted-printable, base64, Latin-1, UTF-7, HTML, a text
//! attachment, a binary one, an encoded subject, an expunged message) APPENDed by Python's imaplib to a Facteur
//! with its index, a Facteur without (`[store] full_text_index = false`), one on PostgreSQL (pg_trgm) and a
//! private Dovecot at its defaults, then the same searches on all (tests/clients/search.py).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::dovecot::Dovecot;
use common::imap::{ALICE, ALICE_PASSWORD};
use facteur_testkit::TestServer;

type Results = BTreeMap<String, Vec<String>>;

/// What each query must find (message names as in search.py's corpus).
const EXPECTED: &[(&str, &[&str])] = &[
    ("BODY café", &["base64", "html", "qp", "utf7"]),
    ("TEXT café", &["base64", "html", "qp", "utf7"]),
    ("BODY CAFÉ", &["base64", "html", "qp", "utf7"]),
    ("BODY caf=C3=A9", &[]),
    ("BODY réunion à noël", &["latin1"]),
    ("BODY hôtel de ville", &["base64"]),
    ("BODY fournitures", &["attached"]),
    ("BODY quarterly meeting", &["plain"]),
    ("BODY thursday", &["plain"]),
    ("TEXT résumé annuel", &["subject"]),
    ("BODY résumé", &[]),
    ("TEXT meeting notes", &["plain"]),
    ("BODY jardin", &["html"]),
    ("BODY très fort", &["utf7"]),
    ("BODY nowhere at all", &[]),
    ("TEXT x-corpus: plain", &["plain"]),
    // Accents folded away: "cafe" finds "café", "reunion" finds "Réunion".
    ("BODY cafe", &["base64", "html", "qp", "utf7"]),
    ("BODY reunion", &["latin1"]),
];

/// Queries where Facteur answers by its own choice (accent folding), which Dovecot need not share.
const FACTEUR_ONLY: &[&str] = &["BODY cafe", "BODY reunion"];

fn search_py(scenario: &str, port: u16, ca_file: &Path, user: &str, password: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/search.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(scenario)
        .args(["--imaps-port", &port.to_string(), "--cafile", ca_file.to_str().unwrap()])
        .args(["--user", user, "--password", password])
        .output()
        .expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "search.py {scenario} on port {port} failed:\n{said}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Fills a Facteur server with the corpus and searches it.
fn facteur_results(server: &TestServer) -> Results {
    let port = server.addr("imaps").port();
    search_py("fill", port, &server.certificate(), ALICE, ALICE_PASSWORD);
    let said = search_py("search", port, &server.certificate(), ALICE, ALICE_PASSWORD);
    serde_json::from_str(said.trim()).unwrap_or_else(|e| panic!("{e}: {said}\nserver log:\n{}", server.log()))
}

fn expected() -> Results {
    EXPECTED.iter().map(|(query, names)| (query.to_string(), names.iter().map(|n| n.to_string()).collect())).collect()
}

#[test]
fn the_index_finds_what_the_scan_finds_and_both_find_the_decoded_text() {
    let indexed = TestServer::builder().account(ALICE, ALICE_PASSWORD).start();
    let scanning = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(|config| config.store.full_text_index = false)
        .start();
    let (with_index, by_scan) = (facteur_results(&indexed), facteur_results(&scanning));
    assert_eq!(with_index, by_scan, "the index must find exactly what the scan finds");
    assert_eq!(with_index, expected());

    // Rebuilt beside the running server, the index finds the same.
    let rebuilt = indexed.cli(&["reindex", ALICE], None);
    assert!(rebuilt.success(), "{rebuilt:?}");
    assert!(rebuilt.stdout.contains("9 messages to index, 9 indexed"), "the corpus less the expunged: {rebuilt:?}");
    let port = indexed.addr("imaps").port();
    let said = search_py("search", port, &indexed.certificate(), ALICE, ALICE_PASSWORD);
    assert_eq!(serde_json::from_str::<Results>(said.trim()).unwrap(), expected());
    let unknown = indexed.cli(&["reindex", "nobody@example.test"], None);
    assert!(!unknown.success() && unknown.stderr.contains("no account nobody@example.test"), "{unknown:?}");

    // The index turned on over a store filled without it: the server indexes what is there in the background.
    let mut scanning = scanning;
    scanning.stop_and_restart(|data_dir| {
        let path = data_dir.join("facteur.toml");
        let mut config = facteur_config::load(&path).unwrap();
        config.store.full_text_index = true;
        std::fs::write(&path, facteur_config::template::render(&config)).unwrap();
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !scanning.with_store(async |store| store.text_pending(1).await.unwrap().is_empty()) {
        assert!(Instant::now() < deadline, "the background indexer did not catch up:\n{}", scanning.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    let port = scanning.addr("imaps").port();
    let said = search_py("search", port, &scanning.certificate(), ALICE, ALICE_PASSWORD);
    assert_eq!(serde_json::from_str::<Results>(said.trim()).unwrap(), expected());
}

#[test]
fn on_postgresql_the_index_finds_the_same() {
    let Some(cluster) = facteur_testkit::postgres_cluster() else { return };
    let server = TestServer::builder().store(&cluster.create_database()).account(ALICE, ALICE_PASSWORD).start();
    assert_eq!(facteur_results(&server), expected());
}

#[test]
fn facteur_finds_what_dovecot_finds() {
    let Some(dovecot) = Dovecot::start(ALICE, ALICE_PASSWORD) else { return };
    let port = dovecot.imaps_port;
    search_py("fill", port, &dovecot.certificate(), ALICE, ALICE_PASSWORD);
    let said = search_py("search", port, &dovecot.certificate(), ALICE, ALICE_PASSWORD);
    let dovecot_results: Results = serde_json::from_str(said.trim()).unwrap();
    let server = TestServer::builder().account(ALICE, ALICE_PASSWORD).start();
    let facteur = facteur_results(&server);
    for (query, found) in &dovecot_results {
        if FACTEUR_ONLY.contains(&query.as_str()) {
            eprintln!("{query}: Dovecot {found:?}, Facteur {:?}", facteur[query]);
            continue;
        }
        assert_eq!(&facteur[query], found, "{query}: Facteur and Dovecot disagree");
    }
}
