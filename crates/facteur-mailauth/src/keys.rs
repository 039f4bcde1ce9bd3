//! DKIM keys on disk, one directory per signing domain:
//!
//! ```text
//! DATA/dkim/                      0700
//!   example.test/                 0700
//!     selectors                   0600  which keys exist and which one signs
//!     f20261123.rsa.pem           0600  PKCS#1 RSA private key
//!     f20261123e.ed25519.pem      0600  PKCS#8 Ed25519 private key
//! ```
//!
//! The `selectors` file has one line per key, `SELECTOR ALGORITHM STATE`, state `active` (signs new mail)
//! or `published` (no longer signs, but stays in DNS so mail already sent still verifies, RFC 6376 §3.1).
//! The state lives in that one small file rather than in file names because a rotation changes two keys'
//! states at once, and replacing one file by rename is atomic where renaming two files is not.

use crate::error::MailAuthError;
use crate::keyfile::{PKCS8_LABEL, RSA_PKCS1_LABEL, base64, pem_decode, pem_encode, rsa_subject_public_key_info};
use crate::selector::{Algorithm, Selector, today_utc};
use mail_auth::common::crypto::{DkimKey, Ed25519Key, RsaKey, Sha256};
use mail_auth::dkim::generate::DkimKeyPair;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The key directory (`DATA/dkim/`). Creating a `KeyStore` touches nothing; each call reads the disk,
/// so keys changed by the CLI while the server runs are seen at once.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

/// Whether a key signs new mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Signs new mail (at most one per algorithm).
    Active,
    /// Kept in DNS until retired, so signatures it already made keep verifying.
    Published,
}

/// One key of a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Its selector.
    pub selector: Selector,
    /// Its algorithm.
    pub algorithm: Algorithm,
    /// Active or published.
    pub state: KeyState,
}

impl KeyStore {
    /// The key store rooted at `dir` (conventionally `DATA/dkim`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Makes a new key and makes it the active one of its algorithm; the previous active key of that
    /// algorithm becomes published. Used by `facteur init` and `facteur domain add`.
    pub fn generate(&self, domain: &str, algorithm: Algorithm) -> Result<KeyInfo, MailAuthError> {
        let domain_dir = self.domain_dir(domain)?;
        create_private_dir(&self.dir)?;
        create_private_dir(&domain_dir)?;
        let mut keys = self.keys(domain)?;
        let selector = fresh_selector(&keys, algorithm);
        let pem = generate_pem(algorithm)?;
        write_private_file(&domain_dir.join(key_file_name(&selector, algorithm)), pem.as_bytes())?;
        for key in keys.iter_mut().filter(|key| key.algorithm == algorithm) {
            key.state = KeyState::Published;
        }
        let info = KeyInfo { selector, algorithm, state: KeyState::Active };
        keys.push(info.clone());
        self.save(domain, &keys)?;
        tracing::info!(domain, selector = %info.selector, algorithm = algorithm.key_type(), "dkim key generated");
        Ok(info)
    }

    /// The active keys of `domain`, RSA first (empty when it has none).
    pub fn active(&self, domain: &str) -> Result<Vec<KeyInfo>, MailAuthError> {
        let mut active: Vec<KeyInfo> =
            self.keys(domain)?.into_iter().filter(|key| key.state == KeyState::Active).collect();
        active.sort_by_key(|key| key.algorithm != Algorithm::Rsa2048);
        Ok(active)
    }

    /// Every key of `domain`, active and published, oldest first.
    pub fn keys(&self, domain: &str) -> Result<Vec<KeyInfo>, MailAuthError> {
        let path = self.domain_dir(domain)?.join("selectors");
        match fs::read_to_string(&path) {
            Ok(text) => parse_selector_list(&path, &text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(err) => Err(MailAuthError::io(path, err)),
        }
    }

    /// A new active key for each algorithm that has one now (RSA alone when the domain has none); the
    /// old ones stay published until [`retire`](Self::retire)d. `facteur dkim rotate DOMAIN`.
    pub fn rotate(&self, domain: &str) -> Result<Vec<KeyInfo>, MailAuthError> {
        let mut algorithms: Vec<Algorithm> = self.active(domain)?.iter().map(|key| key.algorithm).collect();
        if algorithms.is_empty() {
            algorithms.push(Algorithm::Rsa2048);
        }
        algorithms.into_iter().map(|algorithm| self.generate(domain, algorithm)).collect()
    }

    /// Forgets a published key and deletes its private key: once its DNS record is gone nothing
    /// signed with it verifies, so keeping the secret would only be a risk.
    pub fn retire(&self, domain: &str, selector: &str) -> Result<(), MailAuthError> {
        let selector = Selector::parse(selector)?;
        let mut keys = self.keys(domain)?;
        let position = keys.iter().position(|key| key.selector == selector).ok_or_else(|| {
            MailAuthError::UnknownSelector { domain: domain.to_string(), selector: selector.to_string() }
        })?;
        if keys[position].state == KeyState::Active {
            return Err(MailAuthError::RetireActive { domain: domain.to_string(), selector: selector.to_string() });
        }
        let retired = keys.remove(position);
        self.save(domain, &keys)?;
        let path = self.domain_dir(domain)?.join(key_file_name(&retired.selector, retired.algorithm));
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(MailAuthError::io(path, err)),
        }
        tracing::info!(domain, %selector, "dkim key retired");
        Ok(())
    }

    /// The TXT records to publish at `SELECTOR._domainkey.DOMAIN`, for active and published keys.
    pub fn dns_txt(&self, domain: &str) -> Result<Vec<(Selector, String)>, MailAuthError> {
        self.keys(domain)?
            .into_iter()
            .map(|key| {
                let public = self.public_key(domain, &key)?;
                Ok((key.selector, format!("v=DKIM1; k={}; p={}", key.algorithm.key_type(), base64(&public))))
            })
            .collect()
    }

    /// The domains that have a key directory.
    pub fn domains(&self) -> Result<Vec<String>, MailAuthError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(MailAuthError::io(&self.dir, err)),
        };
        let mut domains: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.path().join("selectors").is_file())
            .filter_map(|entry| entry.file_name().into_string().ok())
            .collect();
        domains.sort();
        Ok(domains)
    }

    /// Loads the private key of `key`.
    pub(crate) fn signing_key(&self, domain: &str, key: &KeyInfo) -> Result<DkimKey, MailAuthError> {
        let path = self.domain_dir(domain)?.join(key_file_name(&key.selector, key.algorithm));
        let text = fs::read_to_string(&path).map_err(|err| MailAuthError::io(&path, err))?;
        let bad_key =
            |reason: String| MailAuthError::BadKey { path: path.clone(), algorithm: key.algorithm.key_type(), reason };
        let (label, der) = pem_decode(&text).map_err(bad_key)?;
        match key.algorithm {
            Algorithm::Rsa2048 => load_rsa(&label, &der).map(DkimKey::Rsa).map_err(bad_key),
            Algorithm::Ed25519 => {
                Ed25519Key::from_pkcs8_der(&der).map(DkimKey::Ed25519).map_err(|err| bad_key(err.to_string()))
            }
        }
    }

    /// Identifies the current version of a domain's selector list, so the signer reloads keys when it
    /// changes. Each save renames a new file into place, so the inode changes even when two saves fall
    /// within one tick of the file system's clock.
    pub(crate) fn generation(&self, domain: &str) -> Option<(std::time::SystemTime, u64)> {
        use std::os::unix::fs::MetadataExt;
        let path = self.domain_dir(domain).ok()?.join("selectors");
        let meta = fs::metadata(path).ok()?;
        Some((meta.modified().ok()?, meta.ino()))
    }

    fn public_key(&self, domain: &str, key: &KeyInfo) -> Result<Vec<u8>, MailAuthError> {
        Ok(match self.signing_key(domain, key)? {
            DkimKey::Rsa(rsa) => rsa_subject_public_key_info(&rsa.public_key()),
            // RFC 8463 §4.2: the bare 32-byte public key, no ASN.1 wrapper.
            DkimKey::Ed25519(ed) => ed.public_key(),
        })
    }

    fn domain_dir(&self, domain: &str) -> Result<PathBuf, MailAuthError> {
        Ok(self.dir.join(directory_name(domain)?))
    }

    fn save(&self, domain: &str, keys: &[KeyInfo]) -> Result<(), MailAuthError> {
        let mut text = format!("# DKIM keys of {domain}, written by facteur: selector algorithm state\n");
        for key in keys {
            let state = match key.state {
                KeyState::Active => "active",
                KeyState::Published => "published",
            };
            text.push_str(&format!("{} {} {state}\n", key.selector, key.algorithm.key_type()));
        }
        write_private_file(&self.domain_dir(domain)?.join("selectors"), text.as_bytes())
    }
}

/// The domain as a directory name: lower case, no trailing dot, and nothing that could leave the
/// key directory (`/`, `..`, a leading dot).
fn directory_name(domain: &str) -> Result<String, MailAuthError> {
    let name = domain.strip_suffix('.').unwrap_or(domain).to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if valid { Ok(name) } else { Err(MailAuthError::InvalidDomain { domain: domain.to_string() }) }
}

fn key_file_name(selector: &Selector, algorithm: Algorithm) -> String {
    format!("{selector}.{}.pem", algorithm.key_type())
}

fn fresh_selector(existing: &[KeyInfo], algorithm: Algorithm) -> Selector {
    let date = today_utc();
    (1..)
        .map(|attempt| Selector::dated(&date, algorithm, attempt))
        .find(|candidate| existing.iter().all(|key| &key.selector != candidate))
        .unwrap_or_else(|| Selector::dated(&date, algorithm, u32::MAX))
}

fn generate_pem(algorithm: Algorithm) -> Result<String, MailAuthError> {
    let failed = |err: mail_auth::Error| MailAuthError::KeyGeneration {
        algorithm: algorithm.key_type(),
        reason: err.to_string(),
    };
    Ok(match algorithm {
        Algorithm::Rsa2048 => {
            let pair = DkimKeyPair::generate_rsa(2048).map_err(failed)?;
            pem_encode(RSA_PKCS1_LABEL, pair.private_key())
        }
        Algorithm::Ed25519 => {
            let pkcs8 = Ed25519Key::generate_pkcs8().map_err(failed)?;
            pem_encode(PKCS8_LABEL, &pkcs8)
        }
    })
}

/// Accepts PKCS#1 (`RSA PRIVATE KEY`) and PKCS#8 (`PRIVATE KEY`), so a key made with openssl works too.
#[allow(deprecated)] // the replacement takes a rustls-pki-types value, a dependency we do not otherwise need
fn load_rsa(label: &str, der: &[u8]) -> Result<RsaKey<Sha256>, String> {
    let key = match label {
        RSA_PKCS1_LABEL => RsaKey::<Sha256>::from_der(der),
        PKCS8_LABEL => RsaKey::<Sha256>::from_pkcs8_der(der),
        other => return Err(format!("unexpected PEM label {other:?}")),
    };
    key.map_err(|err| err.to_string())
}

fn parse_selector_list(path: &Path, text: &str) -> Result<Vec<KeyInfo>, MailAuthError> {
    let mut keys = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let corrupt = |reason: &str| MailAuthError::CorruptSelectorList {
            path: path.to_path_buf(),
            line: index + 1,
            reason: reason.to_string(),
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let [selector, algorithm, state] = words[..] else {
            return Err(corrupt("expected: selector algorithm state"));
        };
        let selector = Selector::parse(selector).map_err(|_| corrupt("bad selector"))?;
        let algorithm =
            Algorithm::from_key_type(algorithm).ok_or_else(|| corrupt("algorithm must be rsa or ed25519"))?;
        let state = match state {
            "active" => KeyState::Active,
            "published" => KeyState::Published,
            _ => return Err(corrupt("state must be active or published")),
        };
        keys.push(KeyInfo { selector, algorithm, state });
    }
    Ok(keys)
}

fn create_private_dir(dir: &Path) -> Result<(), MailAuthError> {
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            // Tighten a directory someone made with looser permissions.
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|err| MailAuthError::io(dir, err))
        }
        Err(err) => Err(MailAuthError::io(dir, err)),
    }
}

/// Writes `bytes` to `path` with mode 0600: a temporary file, fsynced, then renamed over the target,
/// so a crash leaves either the old file or the new one, never half of one.
fn write_private_file(path: &Path, bytes: &[u8]) -> Result<(), MailAuthError> {
    let temporary = path.with_extension("tmp");
    let result = (|| {
        let mut file = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)?;
        if let Some(parent) = path.parent() {
            fs::File::open(parent)?.sync_all()?;
        }
        Ok(())
    })();
    result.map_err(|err| MailAuthError::io(path, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_that_could_escape_the_key_directory_are_refused() {
        assert_eq!(directory_name("Example.TEST.").ok().as_deref(), Some("example.test"));
        for bad in ["../etc", "a/b", ".hidden", "a..b", "", "x y"] {
            assert!(directory_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn selector_list_errors_name_the_line() {
        let text = "# comment\nf1 rsa active\nf2 dsa active\n";
        let err = parse_selector_list(Path::new("selectors"), text).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }
}
