//! SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802 with RFC 7677's hash, channel binding `tls-exporter` of
//! RFC 9266), the server side, without I/O: the password never crosses the wire, and what the server stores (a
//! [`ScramVerifier`]) cannot be replayed as a password.
//!
//! The exchange is driven by [`crate::Authentication`], which looks the verifier up between the client's
//! first and final messages. Not done: SASLprep (RFC 4013) of passwords. A verifier is derived from the
//! password as typed, so a password that SASLprep would change (non-ASCII spaces, compatibility characters)
//! does not work over SCRAM; ASCII passwords, and most others, are unchanged by it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac, pbkdf2};
use std::num::NonZeroU32;
use std::sync::OnceLock;

use crate::password::PasswordError;

/// RFC 7677 §4 asks for at least 4096 iterations. The server pays for them only when a password is set (it
/// checks a login with two HMACs over the stored keys); the client pays at every login, about 10 ms on a phone
/// for 10,000. What they buy is time for whoever steals the database: PBKDF2-SHA-256 is cheap on GPUs, so the
/// verifier is the weakest copy of the password the server keeps, and 10,000 makes each guess 2.4 times dearer
/// than the minimum without making logins noticeably slower.
pub const DEFAULT_ITERATIONS: u32 = 10_000;

/// RFC 7677 §4's floor; verifiers below it are not written.
pub const MIN_ITERATIONS: u32 = 4096;

/// 16 random bytes, as for the argon2 salt.
const SALT_LEN: usize = 16;

/// RFC 9266 §2: the `tls-exporter` channel binding's name in the gs2 header, and the exporter's parameters.
pub const TLS_EXPORTER: &str = "tls-exporter";

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
    /// The verifier of `password` with a fresh random salt and [`DEFAULT_ITERATIONS`].
    pub fn generate(password: &str) -> Result<ScramVerifier, PasswordError> {
        let mut salt = [0u8; SALT_LEN];
        SystemRandom::new().fill(&mut salt).map_err(|_| PasswordError::RandomSource)?;
        Ok(ScramVerifier::derive(password, &salt, DEFAULT_ITERATIONS))
    }

    /// The verifier of `password` with `salt` (RFC 5802 §3: `SaltedPassword := Hi(password, salt, i)`).
    pub fn derive(password: &str, salt: &[u8], iterations: u32) -> ScramVerifier {
        let rounds = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
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

    /// A made-up verifier for a user who has none (unknown, or whose password predates SCRAM), so that the
    /// exchange looks the same as for anyone else and fails only at the proof. The salt is the same at every
    /// attempt for the same name (a keyed digest under a per-process secret): a salt that changed from one try
    /// to the next would tell a prober the user does not exist.
    pub fn stand_in(username: &str) -> ScramVerifier {
        let key = hmac::Key::new(hmac::HMAC_SHA256, process_secret());
        let salt = hmac::sign(&key, format!("salt\0{username}").as_bytes());
        let stored = hmac::sign(&key, format!("stored\0{username}").as_bytes());
        let server = hmac::sign(&key, format!("server\0{username}").as_bytes());
        ScramVerifier {
            salt: salt.as_ref()[..SALT_LEN].to_vec(),
            iterations: DEFAULT_ITERATIONS,
            stored_key: to_array(stored.as_ref()),
            server_key: to_array(server.as_ref()),
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
            iterations: iterations.parse().ok().filter(|&count| count >= MIN_ITERATIONS)?,
            salt: STANDARD.decode(salt).ok().filter(|salt| !salt.is_empty())?,
            stored_key: STANDARD.decode(stored).ok()?.try_into().ok()?,
            server_key: STANDARD.decode(server).ok()?.try_into().ok()?,
        })
    }
}

/// A random key drawn once per process, for [`ScramVerifier::stand_in`].
fn process_secret() -> &'static [u8; 32] {
    static SECRET: OnceLock<[u8; 32]> = OnceLock::new();
    SECRET.get_or_init(|| {
        let mut secret = [0u8; 32];
        if SystemRandom::new().fill(&mut secret).is_err() {
            // Without randomness the stand-ins are still consistent; they are only guessable, which costs a
            // prober nothing it could not learn by timing a machine without a random source anyway.
            tracing::warn!("no random source for SCRAM stand-in verifiers");
        }
        secret
    })
}

/// A fresh server nonce (RFC 5802 §5.1: printable, no comma): 18 random bytes in base64.
pub fn server_nonce() -> Result<String, PasswordError> {
    let mut bytes = [0u8; 18];
    SystemRandom::new().fill(&mut bytes).map_err(|_| PasswordError::RandomSource)?;
    Ok(STANDARD.encode(bytes))
}

/// Why an exchange failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScramError {
    #[error("the client's message is not SCRAM syntax")]
    Malformed,
    #[error("the client asks for an extension we do not know (m=)")]
    MandatoryExtension,
    /// `p=` on SCRAM-SHA-256, or `n`/`y` on SCRAM-SHA-256-PLUS (RFC 5802 §6, §7).
    #[error("the channel binding flag does not fit the mechanism")]
    ChannelBinding,
    #[error("only the tls-exporter channel binding is supported")]
    UnsupportedChannelBinding,
    /// RFC 5802 §6: `y` says the client thinks we cannot bind, but we advertised -PLUS on this connection.
    #[error("the client could bind to the channel and we offered it: a downgrade")]
    Downgrade,
    #[error("authorization identities other than the user are not supported")]
    Authzid,
    #[error("the client's nonce or channel binding changed during the exchange")]
    Mismatch,
    /// Unknown user or wrong password: the protocol says so without saying which.
    #[error("authentication failed")]
    Failed,
}

/// The gs2 channel-binding flag (RFC 5802 §7 `gs2-cbind-flag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingFlag {
    /// `n`: the client does not support channel binding.
    Unsupported,
    /// `y`: the client supports it but thinks the server does not.
    NotOffered,
    /// `p=name`: the client binds to this channel binding type.
    Binding(String),
}

/// What the connection allows: the mechanism the client chose, and the connection's `tls-exporter` value
/// when SCRAM-SHA-256-PLUS is advertised on it (TLS 1.3 only, see `facteur-net`).
#[derive(Debug, Clone, Copy)]
pub struct ChannelBinding<'a> {
    pub plus: bool,
    pub tls_exporter: Option<&'a [u8; 32]>,
}

impl ChannelBinding<'_> {
    /// RFC 5802 §6 and §7: the channel binding data the client's `c=` must carry after the gs2 header, or why
    /// the flag is refused.
    pub fn data_for(&self, flag: &BindingFlag) -> Result<Vec<u8>, ScramError> {
        match (self.plus, flag, self.tls_exporter) {
            (true, BindingFlag::Binding(name), Some(exporter)) if name == TLS_EXPORTER => Ok(exporter.to_vec()),
            (true, BindingFlag::Binding(_), _) => Err(ScramError::UnsupportedChannelBinding),
            (true, _, _) | (false, BindingFlag::Binding(_), _) => Err(ScramError::ChannelBinding),
            // The client could have bound, and would have if it had seen our -PLUS: someone removed it.
            (false, BindingFlag::NotOffered, Some(_)) => Err(ScramError::Downgrade),
            (false, BindingFlag::NotOffered | BindingFlag::Unsupported, _) => Ok(Vec::new()),
        }
    }
}

/// The client's first message, read (RFC 5802 §7 `client-first-message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFirst {
    /// `n=`, with RFC 5802's `=2C` and `=3D` decoded.
    pub username: String,
    pub binding: BindingFlag,
    gs2_header: String,
    client_nonce: String,
    bare: String,
}

impl ClientFirst {
    /// `gs2-header client-first-message-bare`: `flag,[a=authzid],n=user,r=nonce[,extensions]`.
    pub fn parse(message: &str) -> Result<ClientFirst, ScramError> {
        let mut fields = message.splitn(3, ',');
        let (Some(flag), Some(authzid), Some(bare)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(ScramError::Malformed);
        };
        let binding = match flag {
            "n" => BindingFlag::Unsupported,
            "y" => BindingFlag::NotOffered,
            _ => match flag.strip_prefix("p=") {
                Some(name) if !name.is_empty() && name.bytes().all(is_binding_name_byte) => {
                    BindingFlag::Binding(name.to_owned())
                }
                _ => return Err(ScramError::Malformed),
            },
        };
        let mut attributes = bare.split(',');
        let first = attributes.next().unwrap_or_default();
        if first.starts_with("m=") {
            return Err(ScramError::MandatoryExtension);
        }
        let username = first.strip_prefix("n=").ok_or(ScramError::Malformed).and_then(decode_saslname)?;
        let client_nonce = attributes.next().and_then(|field| field.strip_prefix("r=")).ok_or(ScramError::Malformed)?;
        if username.is_empty() || client_nonce.is_empty() || !client_nonce.bytes().all(is_nonce_byte) {
            return Err(ScramError::Malformed);
        }
        check_authzid(authzid, &username)?;
        Ok(ClientFirst {
            username,
            binding,
            gs2_header: format!("{flag},{authzid},"),
            client_nonce: client_nonce.to_owned(),
            bare: bare.to_owned(),
        })
    }
}

/// RFC 5802 §5.1: an authorization identity, if given, must be the user itself here (acting as someone else
/// needs an administrators' policy we do not have; PLAIN refuses it the same way).
fn check_authzid(authzid: &str, username: &str) -> Result<(), ScramError> {
    if authzid.is_empty() {
        return Ok(());
    }
    let named = authzid.strip_prefix("a=").ok_or(ScramError::Malformed).and_then(decode_saslname)?;
    if named == username { Ok(()) } else { Err(ScramError::Authzid) }
}

/// RFC 5802 §5.1 `saslname`: `,` and `=` are written `=2C` and `=3D`; any other `=` is an error.
fn decode_saslname(name: &str) -> Result<String, ScramError> {
    let mut decoded = String::with_capacity(name.len());
    let mut rest = name;
    while let Some((before, after)) = rest.split_once('=') {
        decoded.push_str(before);
        let (replacement, remaining) = match after.get(..2) {
            Some("2C") => (',', &after[2..]),
            Some("3D") => ('=', &after[2..]),
            _ => return Err(ScramError::Malformed),
        };
        decoded.push(replacement);
        rest = remaining;
    }
    decoded.push_str(rest);
    Ok(decoded)
}

/// The server's half of one exchange, after the client's first message.
#[derive(Debug)]
pub struct ScramServer {
    first: ClientFirst,
    verifier: ScramVerifier,
    /// What `c=` must decode to: the gs2 header then the channel binding data (RFC 5802 §7 `cbind-input`).
    binding_input: Vec<u8>,
    nonce: String,
    server_first: String,
}

impl ScramServer {
    /// `server_nonce` is fresh randomness ([`server_nonce`]); `binding_data` what [`ChannelBinding::data_for`]
    /// returned. For a user without a verifier, pass [`ScramVerifier::stand_in`].
    pub fn new(first: ClientFirst, verifier: ScramVerifier, server_nonce: &str, binding_data: &[u8]) -> ScramServer {
        let nonce = format!("{}{server_nonce}", first.client_nonce);
        let server_first = format!("r={nonce},s={},i={}", STANDARD.encode(&verifier.salt), verifier.iterations);
        let binding_input = [first.gs2_header.as_bytes(), binding_data].concat();
        ScramServer { first, verifier, binding_input, nonce, server_first }
    }

    /// The server's first message, to send.
    pub fn server_first(&self) -> &str {
        &self.server_first
    }

    /// Checks the client's final message (`c=…,r=…[,extensions],p=…`); on success, the server's final message
    /// (`v=…`) to send, which proves to the client that we knew its password too.
    pub fn client_final(&self, message: &str) -> Result<String, ScramError> {
        let final_message = ClientFinal::parse(message)?;
        // A changed nonce is a replay; a changed binding a man in the middle (RFC 5802 §6).
        let binding_matches = crate::secrets_equal(&final_message.binding, &self.binding_input);
        if !binding_matches || final_message.nonce != self.nonce {
            return Err(ScramError::Mismatch);
        }
        let auth_message = format!("{},{},{}", self.first.bare, self.server_first, final_message.without_proof);
        let stored = hmac::Key::new(hmac::HMAC_SHA256, &self.verifier.stored_key);
        let client_signature = hmac::sign(&stored, auth_message.as_bytes());
        let mut client_key = [0u8; 32];
        for (key, (proof, signature)) in
            client_key.iter_mut().zip(final_message.proof.iter().zip(client_signature.as_ref()))
        {
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

/// The client's final message, read (RFC 5802 §7 `client-final-message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFinal<'a> {
    /// `c=`, decoded: the gs2 header and the channel binding data.
    pub binding: Vec<u8>,
    pub nonce: &'a str,
    /// Everything before `,p=`, which the signatures cover.
    pub without_proof: &'a str,
    pub proof: [u8; 32],
}

impl ClientFinal<'_> {
    pub fn parse(message: &str) -> Result<ClientFinal<'_>, ScramError> {
        let (without_proof, proof) = message.rsplit_once(",p=").ok_or(ScramError::Malformed)?;
        let mut attributes = without_proof.split(',');
        let binding = attributes.next().and_then(|field| field.strip_prefix("c=")).ok_or(ScramError::Malformed)?;
        let nonce = attributes.next().and_then(|field| field.strip_prefix("r=")).ok_or(ScramError::Malformed)?;
        let binding = STANDARD.decode(binding).map_err(|_| ScramError::Malformed)?;
        let proof = STANDARD.decode(proof).ok().and_then(|proof| proof.try_into().ok()).ok_or(ScramError::Malformed)?;
        Ok(ClientFinal { binding, nonce, without_proof, proof })
    }
}

/// RFC 5802 §7 `printable` without the comma.
fn is_nonce_byte(byte: u8) -> bool {
    (0x21..=0x7e).contains(&byte) && byte != b','
}

/// RFC 5802 §7 `cb-name`: letters, digits, `.` and `-`.
fn is_binding_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'-'
}

fn sha256(data: &[u8]) -> [u8; 32] {
    to_array(digest::digest(&digest::SHA256, data).as_ref())
}

/// The first 32 bytes of a SHA-256 digest or HMAC-SHA-256 tag (always 32 long).
fn to_array(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (to, from) in out.iter_mut().zip(bytes) {
        *to = *from;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_BINDING: &[u8] = b"";

    /// RFC 7677 §3's exchange, byte for byte.
    #[test]
    fn the_rfc_7677_example_authenticates_and_proves_the_server() {
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap_or_default();
        let verifier = ScramVerifier::derive("pencil", &salt, 4096);
        let first = ClientFirst::parse("n,,n=user,r=rOprNGfwEbeRWgbNEkqO").unwrap();
        assert_eq!(first.username, "user");
        let server = ScramServer::new(first, verifier, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", NO_BINDING);
        assert_eq!(
            server.server_first(),
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        );
        let final_message = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                             p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        assert_eq!(server.client_final(final_message).unwrap(), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    #[test]
    fn a_wrong_password_a_changed_nonce_and_malformed_messages_are_refused() {
        let salt = b"0123456789abcdef";
        let first = || ClientFirst::parse("n,,n=user,r=abc").unwrap();
        let server = ScramServer::new(first(), ScramVerifier::derive("right", salt, 4096), "xyz", NO_BINDING);
        let forged = "c=biws,r=abcxyz,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        assert_eq!(server.client_final(forged), Err(ScramError::Failed));
        let other_nonce = "c=biws,r=abcOTHER,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        assert_eq!(server.client_final(other_nonce), Err(ScramError::Mismatch));
        assert_eq!(server.client_final("c=biws,r=abcxyz,p=AAAA"), Err(ScramError::Malformed));
        assert_eq!(ClientFirst::parse("n,a=admin,n=user,r=abc"), Err(ScramError::Authzid));
        assert!(ClientFirst::parse("n,a=user,n=user,r=abc").is_ok(), "naming oneself is fine");
        assert_eq!(ClientFirst::parse("n,,m=ext,n=user,r=abc"), Err(ScramError::MandatoryExtension));
        for garbage in ["garbage", "x,,n=user,r=abc", "n,,r=abc,n=user", "n,,n=us=er,r=abc", "p=,,n=u,r=a", "n,,n=u,r="]
        {
            assert_eq!(ClientFirst::parse(garbage), Err(ScramError::Malformed), "{garbage}");
        }
        assert_eq!(ClientFirst::parse("n,,n=a=2Cb=3Dc,r=x").unwrap().username, "a,b=c");
    }

    #[test]
    fn the_binding_flag_must_fit_the_mechanism_and_the_connection() {
        let exporter = [7u8; 32];
        let flag = |text: &str| ClientFirst::parse(&format!("{text},,n=user,r=abc")).unwrap().binding;
        let plus = ChannelBinding { plus: true, tls_exporter: Some(&exporter) };
        let plain_with_plus_offered = ChannelBinding { plus: false, tls_exporter: Some(&exporter) };
        let plain_without = ChannelBinding { plus: false, tls_exporter: None };
        assert_eq!(plus.data_for(&flag("p=tls-exporter")), Ok(exporter.to_vec()));
        assert_eq!(plus.data_for(&flag("p=tls-unique")), Err(ScramError::UnsupportedChannelBinding));
        assert_eq!(plus.data_for(&flag("n")), Err(ScramError::ChannelBinding));
        assert_eq!(plus.data_for(&flag("y")), Err(ScramError::ChannelBinding));
        assert_eq!(plain_with_plus_offered.data_for(&flag("y")), Err(ScramError::Downgrade));
        assert_eq!(plain_with_plus_offered.data_for(&flag("n")), Ok(Vec::new()));
        assert_eq!(plain_with_plus_offered.data_for(&flag("p=tls-exporter")), Err(ScramError::ChannelBinding));
        assert_eq!(plain_without.data_for(&flag("y")), Ok(Vec::new()));
    }

    #[test]
    fn a_tampered_channel_binding_is_a_mismatch() {
        let first = ClientFirst::parse("p=tls-exporter,,n=user,r=abc").unwrap();
        let server = ScramServer::new(first, ScramVerifier::derive("pw", b"salt", 4096), "xyz", &[1u8; 32]);
        let other = STANDARD.encode([b"p=tls-exporter,,".as_slice(), &[2u8; 32]].concat());
        let message = format!("c={other},r=abcxyz,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        assert_eq!(server.client_final(&message), Err(ScramError::Mismatch));
    }

    #[test]
    fn verifiers_round_trip_through_their_text_form() {
        let verifier = ScramVerifier::derive("pencil", b"salt-salt-salt!!", 4096);
        let text = verifier.to_text();
        assert!(text.starts_with("SCRAM-SHA-256$4096:"), "{text}");
        assert_eq!(ScramVerifier::from_text(&text), Some(verifier));
        assert_eq!(ScramVerifier::from_text("SCRAM-SHA-256$x:y$z:w"), None);
        let weak = ScramVerifier::derive("pencil", b"salt", 100).to_text();
        assert_eq!(ScramVerifier::from_text(&weak), None, "below RFC 7677's floor");
    }

    #[test]
    fn stand_ins_are_stable_per_name() {
        assert_eq!(ScramVerifier::stand_in("ghost@example.com"), ScramVerifier::stand_in("ghost@example.com"));
        assert_ne!(ScramVerifier::stand_in("ghost@example.com").salt, ScramVerifier::stand_in("other").salt);
        assert_eq!(ScramVerifier::generate("pw").map(|verifier| verifier.iterations).ok(), Some(DEFAULT_ITERATIONS));
    }
}
