//! `facteur dns-records DOMAIN --check` against a private DNS server (`[dns] nameservers`): the zone the
//! command prints, read back by dnspython and served as is, is right (exit 0); the same zone without its
//! DKIM keys, or with another SPF record, is not (exit 1, with the record and what to publish).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use facteur_mailauth::testdns::TestDns;
use facteur_testkit::cli::run;

const DOMAIN: &str = "example.test";
const HOST: &str = "mail.example.test";
const ADDRESS: &str = "192.0.2.10";

/// One record as dnspython prints it: `NAME TTL TYPE VALUE` (TXT: the strings joined, `|count`).
struct Record {
    name: String,
    kind: String,
    value: String,
}

fn python_with_dnspython() -> PathBuf {
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .map(PathBuf::from)
        .find(|python| Command::new(python).args(["-c", "import dns.zone"]).output().is_ok_and(|o| o.status.success()))
        .expect("a python3 with dnspython (Debian: python3-dnspython, which .ci/run installs)")
}

/// The zone `dns-records` prints, record by record, as an independent parser reads it.
fn printed_zone(data_dir: &Path) -> Vec<Record> {
    let printed = run(data_dir, &["dns-records", DOMAIN, "--ipv4", ADDRESS], None);
    assert!(printed.success(), "{}", printed.stderr);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../facteur-mailauth/tests/parse_zone.py");
    let mut child =
        Command::new(python_with_dnspython()).arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(printed.stdout.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut fields = line.splitn(4, ' ');
            let name = fields.next().unwrap().to_owned();
            let _ttl = fields.next();
            let kind = fields.next().unwrap().to_owned();
            let value = fields.next().unwrap().to_owned();
            Record { name, kind, value }
        })
        .collect()
}

/// Serves `records` (and the reverse of the address), and points the data directory's config at it.
fn serve(records: &[Record], data_dir: &Path, runtime: &tokio::runtime::Runtime) -> TestDns {
    let dns = runtime.block_on(TestDns::start()).unwrap();
    for Record { name, kind, value } in records {
        match kind.as_str() {
            "MX" => {
                let (preference, exchange) = value.split_once(' ').unwrap();
                dns.add_mx(name, preference.parse().unwrap(), exchange);
            }
            "A" => dns.add_a(name, value.parse().unwrap()),
            "TXT" => dns.add_txt(name, value.rsplit_once('|').unwrap().0),
            "SRV" => {
                let fields: Vec<&str> = value.split(' ').collect();
                dns.add_srv(
                    name,
                    fields[0].parse().unwrap(),
                    fields[1].parse().unwrap(),
                    fields[2].parse().unwrap(),
                    fields[3],
                );
            }
            "CNAME" => dns.add_cname(name, value),
            "TLSA" => {
                let fields: Vec<&str> = value.split(' ').collect();
                let hex = fields[3..].concat();
                let data = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
                dns.add_tlsa(
                    name,
                    fields[0].parse().unwrap(),
                    fields[1].parse().unwrap(),
                    fields[2].parse().unwrap(),
                    data,
                );
            }
            "CAA" => {
                // `0 issue "issuer; key=value; …"`
                let quoted = value.split_once('"').unwrap().1.trim_end_matches('"');
                let mut parts = quoted.split(';').map(str::trim);
                let issuer = parts.next().unwrap();
                let parameters: Vec<(&str, &str)> = parts.map(|part| part.split_once('=').unwrap()).collect();
                dns.add_caa_issue(name, issuer, &parameters);
            }
            other => panic!("no test DNS support for {other}"),
        }
    }
    dns.add_ptr(ADDRESS.parse().unwrap(), HOST);
    let config = data_dir.join("facteur.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace("nameservers = []", &format!("nameservers = [\"{}\"]", dns.addr()));
    std::fs::write(&config, text).unwrap();
    dns
}

fn check(data_dir: &Path) -> (bool, String) {
    let checked = run(data_dir, &["dns-records", DOMAIN, "--ipv4", ADDRESS, "--check"], None);
    (checked.success(), format!("{}{}", checked.stdout, checked.stderr))
}

#[test]
fn a_right_zone_passes_and_a_missing_dkim_key_or_a_wrong_spf_record_fails() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let data = data_dir.to_str().unwrap();
    let init =
        run(Path::new(data), &["init", "--domain", DOMAIN, "--hostname", HOST, "--bind-address", "127.0.0.1"], None);
    assert!(init.success(), "{}", init.stderr);
    assert!(std::fs::read_to_string(data_dir.join("facteur.toml")).unwrap().contains("nameservers = []"));
    let zone = printed_zone(&data_dir);
    assert!(zone.iter().any(|r| r.name.contains("._domainkey.")), "init made a DKIM key");
    // The TLSA data is the SHA-256 of the certificate's public key, as OpenSSL computes it.
    let certificate = data_dir.join("tls/cert.pem");
    let openssl = format!(
        "openssl x509 -in '{}' -pubkey -noout | openssl pkey -pubin -outform der | sha256sum",
        certificate.display()
    );
    let digest = Command::new("sh").args(["-c", &openssl]).output().expect("openssl (.ci/run installs it)");
    let digest = String::from_utf8(digest.stdout).unwrap();
    let digest = digest.split_whitespace().next().unwrap();
    let tlsa = zone.iter().find(|r| r.kind == "TLSA").expect("a TLSA record for the certificate");
    assert_eq!(tlsa.value, format!("3 1 1 {digest}"));
    let runtime = tokio::runtime::Runtime::new().unwrap();

    let _dns = serve(&zone, &data_dir, &runtime);
    let (passed, said) = check(&data_dir);
    assert!(passed, "every record is published:\n{said}");
    assert!(said.contains("right    mail.example.test. A 192.0.2.10"), "{said}");
    // `init` switched ACME on with Let's Encrypt: the CAA record names it and the challenge.
    assert!(
        said.contains("right    example.test. CAA 0 issue \"letsencrypt.org; validationmethods=tls-alpn-01\""),
        "{said}"
    );
    assert!(said.contains("All "), "{said}");
    assert!(
        said.contains("right    _25._tcp.mail.example.test. TLSA 3 1 1 "),
        "the certificate's key, for DANE: {said}"
    );

    let fresh = |records: Vec<Record>| {
        std::fs::copy(data_dir.join("facteur.toml"), dir.path().join("previous.toml")).unwrap();
        let text = std::fs::read_to_string(data_dir.join("facteur.toml")).unwrap();
        let reset = text.lines().map(|line| if line.starts_with("nameservers") { "nameservers = []" } else { line });
        std::fs::write(data_dir.join("facteur.toml"), reset.collect::<Vec<_>>().join("\n") + "\n").unwrap();
        serve(&records, &data_dir, &runtime)
    };

    let without_dkim: Vec<Record> =
        printed_zone(&data_dir).into_iter().filter(|r| !r.name.contains("._domainkey.")).collect();
    let _dns = fresh(without_dkim);
    let (passed, said) = check(&data_dir);
    assert!(!passed, "a missing DKIM key fails:\n{said}");
    assert!(
        said.lines().any(|line| line.starts_with("MISSING") && line.contains("._domainkey.example.test. TXT")),
        "{said}"
    );

    let wrong_spf: Vec<Record> = printed_zone(&data_dir)
        .into_iter()
        .map(|r| if r.value.starts_with("v=spf1") { Record { value: "v=spf1 a -all|1".into(), ..r } } else { r })
        .collect();
    let _dns = fresh(wrong_spf);
    let (passed, said) = check(&data_dir);
    assert!(!passed, "a wrong SPF record fails:\n{said}");
    assert!(said.contains("WRONG    example.test. TXT \"v=spf1 mx -all\""), "{said}");
    assert!(said.contains("found v=spf1 a -all"), "{said}");
}
