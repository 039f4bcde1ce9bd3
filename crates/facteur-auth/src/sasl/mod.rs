//! SASL (RFC 4422) over SMTP AUTH (RFC 4954), IMAP AUTHENTICATE (RFC 9051 §6.2.2)
//! and POP3 AUTH (RFC 5034), without I/O.
//!
//! The protocol crate owns the framing (`334 …` in SMTP, `+ …` in IMAP and
//! POP3) and hands the client's lines to [`crate::Authentication`], which
//! decodes them here: [`SaslExchange`] says what to send next for PLAIN and
//! LOGIN and, at the end, yields [`Credentials`] for [`crate::Login`] to check;
//! SCRAM's messages are read by [`crate::scram`].

mod login;
mod plain;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::Credentials;

/// Longest base64 client response we decode. RFC 4616 §2 asks servers to take
/// identities and passwords of up to 255 octets; three of them in base64 fit
/// in about 1 KiB, so 2 KiB leaves room without letting a client make us
/// buffer and decode megabytes.
pub const MAX_RESPONSE_LEN: usize = 2048;

/// A response line as read from the socket: [`MAX_RESPONSE_LEN`] and its CRLF.
pub const MAX_LINE: usize = MAX_RESPONSE_LEN + 2;

/// RFC 4954 §4: a client cancels an exchange by answering a single `*`.
const CANCEL: &[u8] = b"*";

/// RFC 4954 §4: `=` as the initial response means "present but empty",
/// distinct from no initial response at all.
const EMPTY_INITIAL_RESPONSE: &[u8] = b"=";

/// The mechanisms we offer. The protocol crates advertise them only on TLS connections: PLAIN and LOGIN
/// carry the password in the clear, and SCRAM's proof, without channel binding, is safe against an eavesdropper
/// but not against a man in the middle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// RFC 7677 (RFC 5802 with SHA-256), with channel binding `tls-exporter` (RFC 9266).
    ScramSha256Plus,
    /// RFC 7677, without channel binding.
    ScramSha256,
    /// RFC 4616.
    Plain,
    /// The de-facto `LOGIN` mechanism (draft-murchison-sasl-login), still what
    /// some Outlook versions and embedded devices use.
    Login,
}

/// The mechanisms that carry the password itself, which [`SaslExchange`] decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordMechanism {
    Plain,
    Login,
}

impl Mechanism {
    /// Every mechanism, in the order servers advertise them (strongest first: clients that take the first
    /// one they know then pick SCRAM).
    pub const ALL: [Mechanism; 4] =
        [Mechanism::ScramSha256Plus, Mechanism::ScramSha256, Mechanism::Plain, Mechanism::Login];

    /// The mechanisms offered on a connection: all of them when it has a channel binding (`tls-exporter`,
    /// see `facteur-net`), all but SCRAM-SHA-256-PLUS otherwise. The one rule for EHLO, CAPABILITY and CAPA,
    /// and for accepting a mechanism.
    pub fn offered(channel_binding: bool) -> impl Iterator<Item = Mechanism> {
        Mechanism::ALL.into_iter().filter(move |mechanism| channel_binding || *mechanism != Mechanism::ScramSha256Plus)
    }

    /// Whether this mechanism is offered on a connection with (or without) a channel binding.
    pub fn is_offered(self, channel_binding: bool) -> bool {
        Mechanism::offered(channel_binding).any(|offered| offered == self)
    }

    /// Parses a mechanism name; RFC 4422 §3.1 names are case-insensitive on the wire.
    pub fn from_name(name: &str) -> Option<Mechanism> {
        Mechanism::ALL.into_iter().find(|mechanism| mechanism.name().eq_ignore_ascii_case(name))
    }

    /// The registered name, as advertised in `AUTH=` capabilities.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::ScramSha256Plus => "SCRAM-SHA-256-PLUS",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::Plain => "PLAIN",
            Mechanism::Login => "LOGIN",
        }
    }

    /// PLAIN and LOGIN; `None` for SCRAM, whose proof is checked against the stored verifier instead.
    pub fn password_mechanism(self) -> Option<PasswordMechanism> {
        match self {
            Mechanism::Plain => Some(PasswordMechanism::Plain),
            Mechanism::Login => Some(PasswordMechanism::Login),
            Mechanism::ScramSha256Plus | Mechanism::ScramSha256 => None,
        }
    }
}

/// Why an exchange failed. Every variant is the client's fault and maps to a
/// protocol-level "malformed authentication" reply (SMTP 501 5.5.2, IMAP BAD).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaslError {
    #[error("response longer than {MAX_RESPONSE_LEN} characters")]
    TooLong,
    #[error("response is not valid base64")]
    BadBase64,
    #[error("credentials are not valid UTF-8")]
    NotUtf8,
    #[error("PLAIN message does not have exactly three NUL-separated fields")]
    MalformedPlain,
    #[error("a field contains a NUL character")]
    NulInField,
    #[error("empty authentication identity")]
    EmptyAuthcid,
    #[error("empty password")]
    EmptyPassword,
    /// RFC 4616 §2 lets a client act as another user; we do not support that yet.
    #[error("authorization identity differs from authentication identity")]
    ProxyAuthorizationUnsupported,
    #[error("no exchange in progress")]
    Finished,
    #[error("SCRAM: {0}")]
    Scram(#[from] crate::scram::ScramError),
    /// RFC 4422 §3.6 / RFC 5802 §5: after the server's final message the client must answer with nothing.
    #[error("the client answered the server's final message with data")]
    UnexpectedData,
}

/// What the server does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this base64 challenge (possibly empty) and wait for a client line.
    Challenge(String),
    /// The exchange succeeded; verify these credentials.
    Done(Credentials),
    /// The client answered `*` (RFC 4954 §4): reply 501 / BAD, nothing to verify.
    Cancelled,
    /// The client's data was malformed.
    Failed(SaslError),
}

/// One authentication exchange, driven line by line.
#[derive(Debug)]
pub struct SaslExchange {
    state: State,
}

#[derive(Debug)]
enum State {
    AwaitingPlainMessage,
    AwaitingLoginUsername,
    AwaitingLoginPassword { authcid: String },
    Finished,
}

impl SaslExchange {
    /// Starts `mechanism`. `initial_response` is the optional argument after the
    /// mechanism name (SMTP `AUTH PLAIN <ir>`, IMAP SASL-IR, RFC 4959); pass it
    /// exactly as received, `=` included.
    pub fn start(mechanism: PasswordMechanism, initial_response: Option<&[u8]>) -> (SaslExchange, Step) {
        let mut exchange = SaslExchange {
            state: match mechanism {
                PasswordMechanism::Plain => State::AwaitingPlainMessage,
                PasswordMechanism::Login => State::AwaitingLoginUsername,
            },
        };
        let step = match initial_response.map(decode_initial_response) {
            None => exchange.first_challenge(),
            Some(Ok(decoded)) => exchange.answer(decoded),
            Some(Err(error)) => exchange.fail(error),
        };
        (exchange, step)
    }

    /// Feeds one client line (without its CRLF).
    pub fn respond(&mut self, line: &[u8]) -> Step {
        if matches!(self.state, State::Finished) {
            return Step::Failed(SaslError::Finished);
        }
        match decode_response(line) {
            Ok(Response::Cancel) => {
                self.state = State::Finished;
                Step::Cancelled
            }
            Ok(Response::Data(decoded)) => self.answer(decoded),
            Err(error) => self.fail(error),
        }
    }

    /// Whether the exchange has ended (successfully or not).
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    fn first_challenge(&mut self) -> Step {
        match self.state {
            // RFC 4616 §2 / RFC 4954 §4: without an initial response the
            // server sends an empty challenge.
            State::AwaitingPlainMessage => Step::Challenge(String::new()),
            State::AwaitingLoginUsername => Step::Challenge(login::USERNAME_CHALLENGE.to_owned()),
            State::AwaitingLoginPassword { .. } => Step::Challenge(login::PASSWORD_CHALLENGE.to_owned()),
            State::Finished => Step::Failed(SaslError::Finished),
        }
    }

    fn answer(&mut self, decoded: Vec<u8>) -> Step {
        match std::mem::replace(&mut self.state, State::Finished) {
            State::AwaitingPlainMessage => finish(plain::decode(&decoded)),
            State::AwaitingLoginUsername => match login::username(decoded) {
                Ok(authcid) => {
                    self.state = State::AwaitingLoginPassword { authcid };
                    Step::Challenge(login::PASSWORD_CHALLENGE.to_owned())
                }
                Err(error) => Step::Failed(error),
            },
            State::AwaitingLoginPassword { authcid } => finish(login::with_password(authcid, decoded)),
            State::Finished => Step::Failed(SaslError::Finished),
        }
    }

    fn fail(&mut self, error: SaslError) -> Step {
        self.state = State::Finished;
        Step::Failed(error)
    }
}

fn finish(outcome: Result<Credentials, SaslError>) -> Step {
    match outcome {
        Ok(credentials) => Step::Done(credentials),
        Err(error) => Step::Failed(error),
    }
}

/// Standard alphabet; padding optional because some clients omit it and it
/// carries no information.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A client's answer to a challenge.
pub(crate) enum Response {
    /// `*` (RFC 4954 §4).
    Cancel,
    Data(Vec<u8>),
}

/// Reads a client line (without its CRLF): a cancellation or base64 data. Every mechanism goes through here.
pub(crate) fn decode_response(line: &[u8]) -> Result<Response, SaslError> {
    let line = line.trim_ascii();
    if line == CANCEL {
        return Ok(Response::Cancel);
    }
    decode_base64(line).map(Response::Data)
}

/// Reads an initial response (RFC 4954 §4, RFC 4959): base64, or `=` for an empty one.
pub(crate) fn decode_initial_response(encoded: &[u8]) -> Result<Vec<u8>, SaslError> {
    if encoded == EMPTY_INITIAL_RESPONSE {
        return Ok(Vec::new());
    }
    decode_base64(encoded)
}

fn decode_base64(encoded: &[u8]) -> Result<Vec<u8>, SaslError> {
    let encoded = encoded.trim_ascii();
    if encoded.len() > MAX_RESPONSE_LEN {
        return Err(SaslError::TooLong);
    }
    BASE64.decode(encoded).map_err(|_| SaslError::BadBase64)
}

/// Turns a decoded field into a string, refusing NULs (RFC 4616 §2: fields are
/// `UTF8-SAFE`, which excludes NUL) and invalid UTF-8.
fn field(bytes: Vec<u8>) -> Result<String, SaslError> {
    if bytes.contains(&0) {
        return Err(SaslError::NulInField);
    }
    String::from_utf8(bytes).map_err(|_| SaslError::NotUtf8)
}

/// Shared by both mechanisms: what makes a pair of fields acceptable credentials.
fn credentials(authcid: String, password: String) -> Result<Credentials, SaslError> {
    if authcid.is_empty() {
        return Err(SaslError::EmptyAuthcid);
    }
    if password.is_empty() {
        return Err(SaslError::EmptyPassword);
    }
    Ok(Credentials { authcid, password })
}
