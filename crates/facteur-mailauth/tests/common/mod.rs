//! Shared test fixtures: a DNS world held by the in-process test server, keys in a temp dir, and a
//! finder for the Python interpreter that has dkimpy / dnspython.
#![allow(dead_code)] // each test binary uses a different part of this module

use facteur_mailauth::testdns::TestDns;
use facteur_mailauth::{Algorithm, AuthSettings, Authenticator, KeyStore, SessionFacts, Signer, SpfOutcome, Verdict};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

pub const AUTHSERV_ID: &str = "mx.facteur.test";
/// The one address the test SPF records authorise.
pub const GOOD_IP: &str = "192.0.2.10";
/// An address no record authorises.
pub const BAD_IP: &str = "198.51.100.7";

/// DNS, keys and a verifier wired together.
pub struct World {
    pub dns: TestDns,
    pub keys: KeyStore,
    pub signer: Signer,
    pub auth: Authenticator,
    /// The key store's directory (`DATA/dkim`).
    pub key_root: PathBuf,
    _key_dir: tempfile::TempDir,
}

impl World {
    /// An empty DNS and key store.
    pub async fn empty() -> Self {
        let dns = TestDns::start().await.unwrap();
        let key_dir = tempfile::tempdir().unwrap();
        let key_root = key_dir.path().join("dkim");
        let keys = KeyStore::new(&key_root);
        let signer = Signer::new(keys.clone());
        let mut settings = AuthSettings::new(AUTHSERV_ID);
        settings.nameservers = vec![dns.addr()];
        settings.timeout = Duration::from_secs(2);
        let auth = Authenticator::new(settings).unwrap();
        Self { dns, keys, signer, auth, key_root, _key_dir: key_dir }
    }

    /// Gives `domain` an SPF record allowing [`GOOD_IP`] with the given `all` qualifier, an RSA key
    /// published in DNS, and (when given) a DMARC record.
    pub fn sender_domain(&self, domain: &str, all: &str, dmarc: Option<&str>) {
        self.dns.add_txt(domain, &format!("v=spf1 ip4:{GOOD_IP} {all}all"));
        self.dns.add_a(domain, GOOD_IP.parse().unwrap());
        self.keys.generate(domain, Algorithm::Rsa2048).unwrap();
        self.publish_keys(domain);
        if let Some(dmarc) = dmarc {
            self.dns.add_txt(&format!("_dmarc.{domain}"), dmarc);
        }
    }

    /// Publishes every key of `domain` (after generate or rotate).
    pub fn publish_keys(&self, domain: &str) {
        for (selector, txt) in self.keys.dns_txt(domain).unwrap() {
            self.dns.add_txt(&format!("{selector}._domainkey.{domain}"), &txt);
        }
    }

    /// The active RSA selector of `domain`.
    pub fn selector(&self, domain: &str) -> String {
        self.keys.active(domain).unwrap()[0].selector.to_string()
    }

    /// SPF at MAIL FROM, then the end-of-DATA checks, as the SMTP session runs them.
    pub async fn receive(&self, ip: &str, mail_from: &str, message: &[u8]) -> Verdict {
        let ip: IpAddr = ip.parse().unwrap();
        let helo = "client.sender.test";
        let spf: SpfOutcome = self.auth.spf_mail_from(ip, helo, mail_from).await;
        self.auth.verify(message, &SessionFacts { ip, helo, mail_from, spf: &spf }).await
    }

    /// `message` with the DKIM signature(s) of `domain` prepended.
    pub fn signed(&self, domain: &str, message: &[u8]) -> Vec<u8> {
        let mut signed = self.signer.sign(domain, message).unwrap().into_bytes();
        signed.extend_from_slice(message);
        signed
    }
}

/// A small, plausible message from `from`.
pub fn message(from: &str) -> Vec<u8> {
    format!(
        "From: Alice <{from}>\r\n\
         To: bob@facteur.test\r\n\
         Subject: Quarterly figures\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
         Message-ID: <figures-1@sender.test>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         The numbers are attached in spirit.\r\n\
         -- \r\nAlice\r\n"
    )
    .into_bytes()
}

/// A Python interpreter that can import every module in `modules`: `$FACTEUR_PYTHON`, then `python3`,
/// then `/usr/bin/python3` (a pyenv `python3` first in PATH often lacks Debian's packages). When none
/// can, the test is skipped with a notice, except under CI (env `CI` set), where that is a failure.
pub fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let import = format!("import {}", modules.join(", "));
    let candidates = std::env::var_os("FACTEUR_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain(["python3", "/usr/bin/python3"].map(PathBuf::from));
    for candidate in candidates {
        let works = Command::new(&candidate).args(["-c", &import]).output().is_ok_and(|output| output.status.success());
        if works {
            return Some(candidate);
        }
    }
    let notice =
        format!("no python3 can `{import}` (Debian: apt-get install python3-dkim python3-dnspython python3-nacl)");
    if std::env::var_os("CI").is_some() {
        panic!("{notice}");
    }
    eprintln!("SKIPPED: {notice}");
    None
}

/// The path of a helper script kept in `tests/`.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join(name)
}
