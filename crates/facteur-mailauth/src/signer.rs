//! DKIM signing of outgoing mail (RFC 6376 §5), with every active key of the sender's domain.

use crate::error::MailAuthError;
use crate::header_fields::header_fields;
use crate::keys::{KeyInfo, KeyStore};
use mail_auth::common::crypto::{Algorithm as SignatureAlgorithm, DkimKey, Sha256, SigningKey};
use mail_auth::common::headers::{HeaderWriter, Writable};
use mail_auth::dkim::{Canonicalization, DkimSigner};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The header fields RFC 6376 §5.4.1 suggests signing, those that carry what a reader sees or what
/// threads and lists rely on. Only those present are signed (signing an absent `List-Id` would break
/// every mailing list that adds one); `From` is additionally listed once more than it occurs, so a
/// second From: added later breaks the signature (RFC 6376 §8.15).
const SIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Resent-Date",
    "Resent-From",
    "Resent-To",
    "Resent-Cc",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Help",
    "List-Unsubscribe",
    "List-Subscribe",
    "List-Post",
    "List-Owner",
    "List-Archive",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-ID",
    "Content-Description",
    "Sender",
];

/// Signs messages for our domains, keeping parsed keys in memory and reloading a domain's keys when
/// its selector list changes on disk (after `facteur dkim rotate`), without a restart.
pub struct Signer {
    store: KeyStore,
    loaded: Mutex<HashMap<String, Arc<LoadedKeys>>>,
}

struct LoadedKeys {
    generation: Option<(SystemTime, u64)>,
    keys: Vec<(KeyInfo, Arc<DkimKey>)>,
}

/// A parsed key shared by every signature made with it.
struct SharedKey(Arc<DkimKey>);

impl SigningKey for SharedKey {
    type Hasher = Sha256;

    fn sign(&self, input: impl Writable) -> mail_auth::Result<Vec<u8>> {
        self.0.sign(input)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.0.algorithm()
    }
}

impl Signer {
    /// A signer using the keys in `store`.
    pub fn new(store: KeyStore) -> Self {
        Self { store, loaded: Mutex::new(HashMap::new()) }
    }

    /// The `DKIM-Signature` header fields (CRLF-terminated, one per active key, RSA first) to prepend
    /// to `message`, signed as `domain` with relaxed/relaxed canonicalization (RFC 6376 §3.4), which
    /// survives the whitespace changes relays make.
    pub fn sign(&self, domain: &str, message: &[u8]) -> Result<String, MailAuthError> {
        let domain = domain.strip_suffix('.').unwrap_or(domain).to_ascii_lowercase();
        let loaded = self.keys_for(&domain)?;
        if loaded.keys.is_empty() {
            return Err(MailAuthError::NoActiveKey { domain });
        }
        let headers = headers_to_sign(message);
        let mut signatures = String::new();
        for (info, key) in &loaded.keys {
            let signature = DkimSigner::from_key(SharedKey(Arc::clone(key)))
                .domain(domain.as_str())
                .selector(info.selector.as_str())
                .headers(headers.iter().copied())
                .header_canonicalization(Canonicalization::Relaxed)
                .body_canonicalization(Canonicalization::Relaxed)
                .sign(message)
                .map_err(|err| MailAuthError::Signing { domain: domain.clone(), reason: err.to_string() })?;
            signatures.push_str(&signature.to_header());
        }
        tracing::debug!(domain, signatures = loaded.keys.len(), "message signed");
        Ok(signatures)
    }

    fn keys_for(&self, domain: &str) -> Result<Arc<LoadedKeys>, MailAuthError> {
        let generation = self.store.generation(domain);
        let mut loaded = self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(keys) = loaded.get(domain)
            && generation.is_some()
            && keys.generation == generation
        {
            return Ok(Arc::clone(keys));
        }
        let keys = self
            .store
            .active(domain)?
            .into_iter()
            .map(|info| {
                let key = self.store.signing_key(domain, &info)?;
                Ok((info, Arc::new(key)))
            })
            .collect::<Result<Vec<_>, MailAuthError>>()?;
        let keys = Arc::new(LoadedKeys { generation, keys });
        loaded.insert(domain.to_string(), Arc::clone(&keys));
        Ok(keys)
    }
}

/// The `h=` list: each recommended field present in the message, then `From` once more.
fn headers_to_sign(message: &[u8]) -> Vec<&'static str> {
    let present = header_fields(message);
    let mut names: Vec<&'static str> = SIGNED_HEADERS
        .iter()
        .copied()
        .filter(|name| present.iter().any(|field| field.name.eq_ignore_ascii_case(name.as_bytes())))
        .collect();
    names.push("From");
    names
}

#[cfg(test)]
mod tests {
    use super::headers_to_sign;

    #[test]
    fn only_present_headers_are_signed_and_from_is_oversigned() {
        let message = b"From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\nX-Other: 1\r\n\r\nbody\r\n";
        assert_eq!(headers_to_sign(message), vec!["From", "Subject", "To", "From"]);
    }
}
