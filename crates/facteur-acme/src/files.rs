//! What ACME keeps in the data directory (`acme/`): the account, the certificate's key, the certificate and
//! the directory it came from. Private files are mode 0600, and every file is replaced atomically, so a crash
//! leaves the old certificate or the new one, never half of one.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use facteur_net::CertificateFiles;
use instant_acme::AccountCredentials;
use rcgen::KeyPair;
use serde::{Deserialize, Serialize};

use crate::AcmeError;

const ACCOUNT: &str = "account.json";
const CERTIFICATE: &str = "cert.pem";
const KEY: &str = "key.pem";
/// The directory URL the stored certificate was issued by: a change of CA asks the new one at once.
const ISSUED_BY: &str = "cert.directory";

/// The `acme/` directory of a data directory.
#[derive(Debug, Clone)]
pub struct AcmeFiles {
    dir: PathBuf,
}

/// What the stored certificate holds, read from the certificate itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    pub names: Vec<String>,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    /// The directory URL it was obtained from; `None` if that was not recorded.
    pub directory: Option<String>,
}

/// The account file: the account is only good at the CA that created it.
#[derive(Serialize, Deserialize)]
struct StoredAccount {
    directory: String,
    credentials: AccountCredentials,
}

impl AcmeFiles {
    pub fn new(dir: &Path) -> AcmeFiles {
        AcmeFiles { dir: dir.to_owned() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the certificate and its key are, for the listeners.
    pub fn certificate_files(&self) -> CertificateFiles {
        CertificateFiles::new(&self.dir.join(CERTIFICATE), &self.dir.join(KEY))
    }

    /// The account created at `directory` earlier, if any.
    pub fn account(&self, directory: &str) -> Result<Option<AccountCredentials>, AcmeError> {
        let path = self.dir.join(ACCOUNT);
        let Some(text) = read_if_present(&path)? else { return Ok(None) };
        let stored: StoredAccount = serde_json::from_slice(&text).map_err(|error| bad(&path, error))?;
        Ok((stored.directory == directory).then_some(stored.credentials))
    }

    /// The URL of the account created at `directory`, if any: what a CAA record's `accounturi` names
    /// (RFC 8657 §3).
    pub fn account_uri(&self, directory: &str) -> Result<Option<String>, AcmeError> {
        let path = self.dir.join(ACCOUNT);
        let Some(text) = read_if_present(&path)? else { return Ok(None) };
        let stored: serde_json::Value = serde_json::from_slice(&text).map_err(|error| bad(&path, error))?;
        if stored["directory"].as_str() != Some(directory) {
            return Ok(None);
        }
        Ok(stored["credentials"]["id"].as_str().map(str::to_owned))
    }

    pub fn save_account(&self, directory: &str, credentials: AccountCredentials) -> Result<(), AcmeError> {
        let stored = StoredAccount { directory: directory.to_owned(), credentials };
        let path = self.dir.join(ACCOUNT);
        let json = serde_json::to_vec_pretty(&stored).map_err(|error| bad(&path, error))?;
        write(&path, &json, 0o600)
    }

    /// The certificate's key, made once and kept across renewals: the `3 1 1` TLSA record `dns-records` prints
    /// (the key's digest, RFC 7671 §5.1) stays right through renewals.
    pub fn key(&self) -> Result<KeyPair, AcmeError> {
        let path = self.dir.join(KEY);
        if let Some(pem) = read_if_present(&path)? {
            let pem = String::from_utf8(pem).map_err(|error| bad(&path, error))?;
            return KeyPair::from_pem(&pem).map_err(|error| bad(&path, error));
        }
        let key = KeyPair::generate()?;
        write(&path, key.serialize_pem().as_bytes(), 0o600)?;
        Ok(key)
    }

    /// Stores a certificate chain (PEM, leaf first) issued by `directory` for the key of [`AcmeFiles::key`].
    pub fn save_certificate(&self, chain_pem: &str, directory: &str) -> Result<(), AcmeError> {
        // The CA first: a crash between the two leaves a certificate that is asked for again, not one
        // attributed to the wrong CA and kept.
        write(&self.dir.join(ISSUED_BY), directory.as_bytes(), 0o644)?;
        write(&self.dir.join(CERTIFICATE), chain_pem.as_bytes(), 0o644)
    }

    /// The stored certificate, if there is one.
    pub fn certificate(&self) -> Result<Option<StoredCertificate>, AcmeError> {
        let path = self.dir.join(CERTIFICATE);
        let Some(pem) = read_if_present(&path)? else { return Ok(None) };
        let mut stored = describe(&pem).map_err(|reason| AcmeError::BadFile { path: path.clone(), reason })?;
        stored.directory =
            read_if_present(&self.dir.join(ISSUED_BY))?.map(|url| String::from_utf8_lossy(&url).trim().to_owned());
        Ok(Some(stored))
    }
}

/// The names and validity of the first certificate of a PEM chain.
fn describe(pem: &[u8]) -> Result<StoredCertificate, String> {
    let facts = facteur_net::certificate_facts(pem)?;
    Ok(StoredCertificate {
        names: facts.names,
        not_before: facts.not_before,
        not_after: facts.not_after,
        directory: None,
    })
}

fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>, AcmeError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AcmeError::File { path: path.to_owned(), source }),
    }
}

fn write(path: &Path, contents: &[u8], mode: u32) -> Result<(), AcmeError> {
    Ok(facteur_net::write_durably(path, contents, mode)?)
}

fn bad(path: &Path, error: impl std::fmt::Display) -> AcmeError {
    AcmeError::BadFile { path: path.to_owned(), reason: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let files = AcmeFiles::new(dir.path());
        let first = files.key().unwrap().serialize_pem();
        assert_eq!(files.key().unwrap().serialize_pem(), first);
    }

    #[test]
    fn a_stored_certificate_says_its_names_dates_and_ca() {
        let dir = tempfile::tempdir().unwrap();
        let files = AcmeFiles::new(dir.path());
        let key = files.key().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["mail.example.test".to_owned(), "mta-sts.example.test".to_owned()])
                .unwrap();
        params.not_before = rcgen::date_time_ymd(2026, 1, 1);
        params.not_after = rcgen::date_time_ymd(2026, 4, 1);
        let certificate = params.self_signed(&key).unwrap();
        assert_eq!(files.certificate().unwrap(), None);
        files.save_certificate(&certificate.pem(), "https://ca.example/dir").unwrap();
        let stored = files.certificate().unwrap().unwrap();
        assert_eq!(stored.names, ["mail.example.test", "mta-sts.example.test"]);
        assert_eq!(stored.directory.as_deref(), Some("https://ca.example/dir"));
        assert_eq!(
            stored.not_after.duration_since(stored.not_before).unwrap(),
            std::time::Duration::from_secs(90 * 86_400)
        );
    }

    #[test]
    fn a_damaged_certificate_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CERTIFICATE), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .unwrap();
        assert!(matches!(AcmeFiles::new(dir.path()).certificate(), Err(AcmeError::BadFile { .. })));
    }
}
