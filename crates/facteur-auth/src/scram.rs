//! SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash), the server side, without I/O: the password never crosses
//! the wire, and what the server stores (a [`ScramVerifier`]) cannot be replayed as a password.
//!
//! Not yet offered by the protocols: it needs the verifier stored beside the argon2 hash whenever a password
//! is set, and the protocols' SASL framing to look it up between the client's first and final messages (issue
//! 14). Channel binding (`-PLUS`, RFC 9266 `tls-exporter`) comes with that wiring; until then a client that
//! asks for it (`p=`) is refused, and one that says the server could have offered it (`y,`) is refused too
//! (RFC 5802 §6: a downgrade).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::{digest, hmac, pbkdf2};
use std::num::NonZeroU32;

/// RFC 7677 §4 asks for at least 4096 iterations; more costs every login, and argon2 already guards the
/// stored password itself.
pub const DEFAULT_ITERATIONS: u32 = 4096;

/// What the server keeps for one password (RFC 5802 §3): the salt, the iteration count, `StoredKey` and
/// `ServerKey`. Written as RFC 5803's `SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey` (base64).
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    salt: Vec<u8>,
    iterations: u32,
    stored_key: [u8; 32],
    server_key: [u8; 32],
}

impl std::fmt::Debug for ScramVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramVerifier").field("iterations", &self.iterations).finish_non_exhaustive()
    }
}

impl ScramVerifier {
    /// The verifier of `password` with `salt` (16 random bytes for a new one).
    pub fn derive(password: &str, salt: &[u8], iterations: u32) -> ScramVerifier {
        let rounds = NonZeroU32::new(iterations.max(1)).unwrap_or(NonZeroU32::MIN);
        let mut salted = [0u8; 32];
        pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, rounds, salt, password.as_bytes(), &mut salted);
        let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
        let client_key = hmac::sign(&key, b"Client Key");
        let server_key = hmac::sign(&key, b"Server Key");
        ScramVerifier {
            salt: salt.to_vec(),
            iterations,
            stored_key: sha256(client_key.as_ref()),
            server_key: to_array(server_key.as_ref()),
        }
    }

    /// RFC 5803's text form.
    pub fn to_text(&self) -> String {
        format!(
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            STANDARD.encode(&self.salt),
            STANDARD.encode(self.stored_key),
            STANDARD.encode(self.server_key)
        )
    }

    /// Reads [`ScramVerifier::to_text`]'s form; `None` if it is not one.
    pub fn from_text(text: &str) -> Option<ScramVerifier> {
        let rest = text.strip_prefix("SCRAM-SHA-256$")?;
        let (parameters, keys) = rest.split_once('$')?;
        let (iterations, salt) = parameters.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        Some(ScramVerifier {
            iterations: iterations.parse().ok()?,
            salt: STANDARD.decode(salt).ok()?,
            stored_key: STANDARD.decode(stored).ok()?.try_into().ok()?,
            server_key: STANDARD.decode(server).ok()?.try_into().ok()?,
        })
    }
}

/// Why an exchange failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScramError {
    #[error("the client's message is not SCRAM syntax")]
    Malformed,
    #[error("channel binding is not offered yet")]
    ChannelBinding,
    #[error("authorization identities other than the user are not supported")]
    Authzid,
    #[error("the client's nonce or channel binding changed during the exchange")]
    Mismatch,
    /// Unknown user or wrong password: the protocol says so without saying which.
    #[error("authentication failed")]
    Failed,
}

/// The client's first message, read (RFC 5802 §7 `client-first-message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFirst {
    /// `n=`, with RFC 5802's `=2C` and `=3D` decoded.
    pub username: String,
    gs2_header: String,
    client_nonce: String,
    bare: String,
}

impl ClientFirst {
    pub fn parse(message: &str) -> Result<ClientFirst, ScramError> {
        let mut fields = message.splitn(3, ',');
        let binding = fields.next().ok_or(ScramError::Malformed)?;
        let authzid = fields.next().ok_or(ScramError::Malformed)?;
        let bare = fields.next().ok_or(ScramError::Malformed)?;
        match binding {
            "n" => {}
            // "y": the client could bind but thinks we cannot; we advertise no -PLUS yet, so that is true.
            "y" => {}
            binding if binding.starts_with("p=") => return Err(ScramError::ChannelBinding),
            _ => return Err(ScramError::Malformed),
        }
        if !authzid.is_empty() {
            return Err(ScramError::Authzid);
        }
        let username = attribute(bare, "n").ok_or(ScramError::Malformed)?;
        let client_nonce = attribute(bare, "r").ok_or(ScramError::Malformed)?;
        if username.is_empty() || client_nonce.is_empty() || !client_nonce.bytes().all(is_nonce_byte) {
            return Err(ScramError::Malformed);
        }
        Ok(ClientFirst {
            username: username.replace("=2C", ",").replace("=3D", "="),
            gs2_header: format!("{binding},{authzid},"),
            client_nonce: client_nonce.to_owned(),
            bare: bare.to_owned(),
        })
    }
}

/// The server's half of one exchange, after the client's first message.
#[derive(Debug)]
pub struct ScramServer {
    first: ClientFirst,
    verifier: ScramVerifier,
    nonce: String,
    server_first: String,
}

impl ScramServer {
    /// `server_nonce` is fresh randomness (printable, no comma). For an unknown user, pass a made-up
    /// verifier, so that the exchange looks the same and fails only at the end.
    pub fn new(first: ClientFirst, verifier: ScramVerifier, server_nonce: &str) -> ScramServer {
        let nonce = format!("{}{server_nonce}", first.client_nonce);
        let server_first = format!("r={nonce},s={},i={}", STANDARD.encode(&verifier.salt), verifier.iterations);
        ScramServer { first, verifier, nonce, server_first }
    }

    /// The server's first message, to send.
    pub fn server_first(&self) -> &str {
        &self.server_first
    }

    /// Checks the client's final message; on success, the server's final message (`v=…`) to send, which
    /// proves to the client that we knew its password too.
    pub fn client_final(&self, message: &str) -> Result<String, ScramError> {
        let (without_proof, proof) = message.rsplit_once(",p=").ok_or(ScramError::Malformed)?;
        let binding = attribute(without_proof, "c").ok_or(ScramError::Malformed)?;
        let nonce = attribute(without_proof, "r").ok_or(ScramError::Malformed)?;
        if STANDARD.decode(binding).ok().as_deref() != Some(self.first.gs2_header.as_bytes()) || nonce != self.nonce {
            return Err(ScramError::Mismatch);
        }
        let proof: [u8; 32] =
            STANDARD.decode(proof).ok().and_then(|p| p.try_into().ok()).ok_or(ScramError::Malformed)?;
        let auth_message = format!("{},{},{without_proof}", self.first.bare, self.server_first);
        let stored = hmac::Key::new(hmac::HMAC_SHA256, &self.verifier.stored_key);
        let client_signature = hmac::sign(&stored, auth_message.as_bytes());
        let mut client_key = [0u8; 32];
        for (key, (proof, signature)) in client_key.iter_mut().zip(proof.iter().zip(client_signature.as_ref())) {
            *key = proof ^ signature;
        }
        // Constant time: the comparison must not tell how much of a forged proof was right.
        if !crate::secrets_equal(&sha256(&client_key), &self.verifier.stored_key) {
            return Err(ScramError::Failed);
        }
        let server = hmac::Key::new(hmac::HMAC_SHA256, &self.verifier.server_key);
        Ok(format!("v={}", STANDARD.encode(hmac::sign(&server, auth_message.as_bytes()).as_ref())))
    }
}

/// The value of `name=` among comma-separated attributes.
fn attribute<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.split(',').find_map(|field| field.strip_prefix(name)?.strip_prefix('='))
}

/// RFC 5802 §7 `printable` without the comma.
fn is_nonce_byte(byte: u8) -> bool {
    (0x21..=0x7e).contains(&byte) && byte != b','
}

fn sha256(data: &[u8]) -> [u8; 32] {
    to_array(digest::digest(&digest::SHA256, data).as_ref())
}

fn to_array(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&bytes[..32]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 §3's exchange, byte for byte.
    #[test]
    fn the_rfc_7677_example_authenticates_and_proves_the_server() {
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap_or_default();
        let verifier = ScramVerifier::derive("pencil", &salt, 4096);
        let first = ClientFirst::parse("n,,n=user,r=rOprNGfwEbeRWgbNEkqO").unwrap();
        assert_eq!(first.username, "user");
        let server = ScramServer::new(first, verifier, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        assert_eq!(
            server.server_first(),
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        );
        let final_message = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                             p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        assert_eq!(server.client_final(final_message).unwrap(), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    #[test]
    fn a_wrong_password_a_changed_nonce_and_binding_requests_are_refused() {
        let salt = b"0123456789abcdef";
        let first = || ClientFirst::parse("n,,n=user,r=abc").unwrap();
        let server = ScramServer::new(first(), ScramVerifier::derive("right", salt, 4096), "xyz");
        let forged = "c=biws,r=abcxyz,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        assert_eq!(server.client_final(forged), Err(ScramError::Failed));
        assert_eq!(server.client_final("c=biws,r=abcOTHER,p=AAAA"), Err(ScramError::Mismatch));
        assert_eq!(ClientFirst::parse("p=tls-exporter,,n=user,r=abc"), Err(ScramError::ChannelBinding));
        assert_eq!(ClientFirst::parse("n,a=admin,n=user,r=abc"), Err(ScramError::Authzid));
        assert_eq!(ClientFirst::parse("garbage"), Err(ScramError::Malformed));
    }

    #[test]
    fn verifiers_round_trip_through_their_text_form() {
        let verifier = ScramVerifier::derive("pencil", b"salt-salt-salt!!", 4096);
        let text = verifier.to_text();
        assert!(text.starts_with("SCRAM-SHA-256$4096:"), "{text}");
        assert_eq!(ScramVerifier::from_text(&text), Some(verifier));
        assert_eq!(ScramVerifier::from_text("SCRAM-SHA-256$x:y$z:w"), None);
    }
}
