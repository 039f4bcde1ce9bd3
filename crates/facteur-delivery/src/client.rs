//! The SMTP client side of one connection (RFC 5321 §3, §4.1): greeting, EHLO, STARTTLS when offered
//! (RFC 3207), EHLO again, then one transaction for every recipient of one domain: MAIL, one RCPT each,
//! DATA, with MAIL and the RCPTs in one write when the server offers PIPELINING (RFC 2920). To the smarthost
//! ([`open_smarthost`]) TLS is required and verified, and AUTH comes before the transaction. An
//! [`OpenSession`] can carry several messages, RSET between them (see `pool`).
//!
//! Every read and write has a timeout and every reply a size limit, so a silent or babbling peer costs us
//! a bounded wait and bounded memory.

use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use smtp_proto::{
    AUTH_LOGIN, AUTH_PLAIN, EXT_8BIT_MIME, EXT_PIPELINING, EXT_REQUIRE_TLS, EXT_SIZE, EXT_SMTP_UTF8, EXT_START_TLS,
    EhloResponse,
};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tracing::debug;

use base64::Engine as _;

use crate::reply::{Reply, Verdict};
use crate::smarthost::{Smarthost, SmarthostTls};
use crate::tls::server_name;
use crate::tls_policy::HopTls;

/// RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; we tolerate more from sloppy peers, within reason.
const MAX_REPLY_LINE: u64 = 4096;
const MAX_REPLY_LINES: usize = 100;

/// What the client needs to know beyond the message.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Our name in EHLO.
    pub hostname: String,
    pub command_timeout: Duration,
    /// For the whole DATA transfer and its final reply (RFC 5321 §4.5.3.2.6 suggests 10 minutes).
    pub data_timeout: Duration,
    pub tls: Arc<ClientConfig>,
}

/// One message to hand over: envelope and content.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Empty for the null reverse-path.
    pub return_path: &'a str,
    pub recipients: &'a [String],
    pub content: &'a [u8],
    /// `REQUIRETLS` (RFC 8689): passed on, to a server that must offer it.
    pub require_tls: bool,
}

/// What happened to one recipient, with the reply (or our own explanation) to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub reply: String,
}

impl Outcome {
    fn from_reply(reply: &Reply) -> Outcome {
        Outcome { verdict: reply.verdict(), reply: reply.to_string() }
    }
}

/// A failure that concerns the whole session, before any recipient was settled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("4.4.2 connection trouble: {0}")]
    Network(String),
    #[error("4.4.2 no answer within {0:?}")]
    Timeout(Duration),
    #[error("4.7.5 TLS handshake failed: {0}")]
    Tls(String),
    #[error("4.7.5 {0}, and the recipient domain's TLS policy requires it")]
    NoStartTls(String),
    #[error("4.5.0 protocol violation by the remote server: {0}")]
    Protocol(String),
    #[error("{0}")]
    Rejected(String, Verdict),
}

impl SessionError {
    pub fn verdict(&self) -> Verdict {
        match self {
            SessionError::Rejected(_, verdict) => *verdict,
            _ => Verdict::Temporary,
        }
    }

    fn rejected(reply: &Reply) -> SessionError {
        SessionError::Rejected(reply.to_string(), reply.verdict())
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// One connection, plain or upgraded to TLS.
struct Connection {
    stream: BufReader<Box<dyn Stream>>,
    timeout: Duration,
    /// The TLS version once a handshake is done ("TLSv1.3"), for the delivery log.
    tls_version: Option<&'static str>,
}

/// A connection past its greeting, EHLO, TLS and AUTH, ready for transactions: several messages may go over
/// one (RSET between them), which spares a remote server the connections and us the handshakes.
pub struct OpenSession {
    connection: Connection,
    capabilities: Capabilities,
    /// Transactions carried so far.
    pub transactions: u32,
    /// The TLS policy the session was opened under ([`HopTls::pool_key`]): only messages under the same one
    /// may use it, so that a session opened opportunistically never carries mail a policy protects.
    pub tls_policy: String,
    /// Whether the server's certificate was verified (a policy or the smarthost required it).
    tls_verified: bool,
}

impl std::fmt::Debug for OpenSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenSession").field("transactions", &self.transactions).finish_non_exhaustive()
    }
}

/// Opens a session with the MX host or route called `host` over `tcp`: STARTTLS whenever offered, with the
/// certificate checked as `tls` says; a server that does not offer STARTTLS when `tls` requires it gets nothing.
pub async fn open(
    tcp: TcpStream,
    host: &str,
    settings: &ClientSettings,
    tls: &HopTls,
) -> Result<OpenSession, SessionError> {
    let mut connection = Connection {
        stream: BufReader::new(Box::new(tcp) as Box<dyn Stream>),
        timeout: settings.command_timeout,
        tls_version: None,
    };
    expect_positive(connection.read_reply().await?)?;
    let mut capabilities = ehlo(&mut connection, &settings.hostname).await?;
    if capabilities.has(EXT_START_TLS) {
        connection = starttls(connection, host, &tls.config).await?;
        capabilities = ehlo(&mut connection, &settings.hostname).await?;
    } else if tls.required {
        return Err(SessionError::NoStartTls(format!("{host} does not offer STARTTLS")));
    }
    let tls_verified = tls.required && connection.tls_version.is_some();
    Ok(OpenSession { connection, capabilities, transactions: 0, tls_policy: tls.pool_key().to_owned(), tls_verified })
}

/// Opens a session with the smarthost: verified TLS (implicit, or STARTTLS which must be offered), then AUTH
/// when credentials are configured.
pub async fn open_smarthost(
    tcp: TcpStream,
    smarthost: &Smarthost,
    settings: &ClientSettings,
) -> Result<OpenSession, SessionError> {
    let plain = Connection {
        stream: BufReader::new(Box::new(tcp) as Box<dyn Stream>),
        timeout: settings.command_timeout,
        tls_version: None,
    };
    let mut connection = match smarthost.tls {
        SmarthostTls::Implicit => handshake(plain, &smarthost.host, &smarthost.tls_config).await?,
        SmarthostTls::StartTls => plain,
    };
    expect_positive(connection.read_reply().await?)?;
    let mut capabilities = ehlo(&mut connection, &settings.hostname).await?;
    if smarthost.tls == SmarthostTls::StartTls {
        if !capabilities.has(EXT_START_TLS) {
            // Our password is never sent in clear: the mail waits for the operator to fix the relay.
            return Err(SessionError::Tls("the smarthost does not offer STARTTLS".into()));
        }
        connection = starttls(connection, &smarthost.host, &smarthost.tls_config).await?;
        capabilities = ehlo(&mut connection, &settings.hostname).await?;
    }
    if let Some((user, password)) = &smarthost.credentials {
        authenticate(&mut connection, &capabilities, user, password).await?;
    }
    Ok(OpenSession { connection, capabilities, transactions: 0, tls_policy: "smarthost".into(), tls_verified: true })
}

impl OpenSession {
    /// One transaction for `message`; one [`Outcome`] per recipient, in order.
    pub async fn send(
        &mut self,
        settings: &ClientSettings,
        message: Outgoing<'_>,
    ) -> Result<Vec<Outcome>, SessionError> {
        let outcomes = transaction(&mut self.connection, &self.capabilities, settings, message).await?;
        self.transactions += 1;
        Ok(outcomes)
    }

    /// The session's TLS version ("" without TLS) and whether the certificate was verified.
    pub fn tls(&self) -> (&'static str, bool) {
        (self.connection.tls_version.unwrap_or(""), self.tls_verified)
    }

    /// RSET before reusing the session (RFC 5321 §4.1.1.5): a session that fails it is not used again.
    pub async fn reset(&mut self) -> Result<(), SessionError> {
        expect_positive(self.connection.command("RSET").await?).map(drop)
    }

    /// Ends the session politely; a failing QUIT changes nothing (RFC 5321 §4.1.1.10).
    pub async fn quit(mut self) {
        let _ = self.connection.command("QUIT").await;
    }
}

/// AUTH PLAIN (RFC 4616) when offered, else LOGIN. A refusal is temporary for the queue: wrong credentials
/// are the operator's to fix, not a reason to bounce everyone's mail.
async fn authenticate(
    connection: &mut Connection,
    capabilities: &Capabilities,
    user: &str,
    password: &str,
) -> Result<(), SessionError> {
    let encode = |text: &[u8]| base64::engine::general_purpose::STANDARD.encode(text);
    let reply = if capabilities.offers_auth(AUTH_PLAIN) {
        let response = encode(format!("\0{user}\0{password}").as_bytes());
        connection.command(&format!("AUTH PLAIN {response}")).await?
    } else if capabilities.offers_auth(AUTH_LOGIN) {
        let mut reply = connection.command("AUTH LOGIN").await?;
        for secret in [user, password] {
            if reply.code != 334 {
                break;
            }
            reply = connection.command(&encode(secret.as_bytes())).await?;
        }
        reply
    } else {
        return Err(SessionError::Rejected(
            "4.7.0 the smarthost offers neither AUTH PLAIN nor LOGIN".into(),
            Verdict::Temporary,
        ));
    };
    if reply.code == 235 {
        return Ok(());
    }
    Err(SessionError::Rejected(format!("4.7.0 the smarthost refused our credentials: {reply}"), Verdict::Temporary))
}

async fn transaction(
    connection: &mut Connection,
    capabilities: &Capabilities,
    settings: &ClientSettings,
    message: Outgoing<'_>,
) -> Result<Vec<Outcome>, SessionError> {
    let mail = mail_command(capabilities, message)?;
    let rcpts: Vec<String> = message.recipients.iter().map(|recipient| format!("RCPT TO:<{recipient}>")).collect();
    let mut outcomes = Vec::with_capacity(message.recipients.len());
    if capabilities.has(EXT_PIPELINING) {
        // RFC 2920 §3.1: MAIL and every RCPT in one write, the replies read back in order; a refused MAIL
        // makes the RCPT replies meaningless (they are read, then the refusal is reported).
        let batch: String = std::iter::once(&mail).chain(&rcpts).map(|line| format!("{line}\r\n")).collect();
        connection.send(batch.as_bytes()).await?;
        let mail_reply = expect_positive(connection.read_reply().await?);
        for _ in &rcpts {
            match connection.read_reply().await {
                Ok(reply) => outcomes.push(Outcome::from_reply(&reply)),
                // A server that refused MAIL may hang up before answering the rest: its refusal is the news.
                Err(error) => return Err(mail_reply.err().unwrap_or(error)),
            }
        }
        mail_reply?;
    } else {
        expect_positive(connection.command(&mail).await?)?;
        for rcpt in &rcpts {
            outcomes.push(Outcome::from_reply(&connection.command(rcpt).await?));
        }
    }
    if outcomes.iter().all(|outcome| outcome.verdict != Verdict::Accepted) {
        let _ = connection.command("RSET").await;
        return Ok(outcomes);
    }
    let go_ahead = connection.command("DATA").await?;
    let final_reply = if go_ahead.code == 354 {
        connection.timeout = settings.data_timeout;
        connection.send(&dot_stuffed(message.content)).await?;
        let reply = connection.read_reply().await?;
        connection.timeout = settings.command_timeout;
        reply
    } else {
        go_ahead
    };
    // RFC 5321 §3.3: the DATA reply settles every recipient the server had accepted.
    for outcome in outcomes.iter_mut().filter(|outcome| outcome.verdict == Verdict::Accepted) {
        *outcome = Outcome::from_reply(&final_reply);
    }
    Ok(outcomes)
}

/// `MAIL FROM` with the parameters the message needs and the server supports.
fn mail_command(capabilities: &Capabilities, message: Outgoing<'_>) -> Result<String, SessionError> {
    let mut command = format!("MAIL FROM:<{}>", message.return_path);
    if capabilities.has(EXT_SIZE) {
        command.push_str(&format!(" SIZE={}", message.content.len()));
    }
    if capabilities.has(EXT_8BIT_MIME) && !message.content.is_ascii() {
        command.push_str(" BODY=8BITMIME");
    }
    let needs_smtputf8 = !message.return_path.is_ascii() || message.recipients.iter().any(|r| !r.is_ascii());
    if needs_smtputf8 {
        // RFC 6531 §3.4: without the extension the addresses cannot be sent at all.
        if !capabilities.has(EXT_SMTP_UTF8) {
            return Err(SessionError::Rejected(
                "550 5.6.7 the recipient's server does not support internationalised addresses (SMTPUTF8)".into(),
                Verdict::Permanent,
            ));
        }
        command.push_str(" SMTPUTF8");
    }
    if message.require_tls {
        // RFC 8689 §5: the next hop must take on the requirement, or the message does not go at all.
        if !capabilities.has(EXT_REQUIRE_TLS) {
            return Err(SessionError::Rejected(
                "550 5.7.10 REQUIRETLS support required: the recipient's server does not offer REQUIRETLS".into(),
                Verdict::Permanent,
            ));
        }
        command.push_str(" REQUIRETLS");
    }
    Ok(command)
}

fn expect_positive(reply: Reply) -> Result<Reply, SessionError> {
    if reply.is_positive() { Ok(reply) } else { Err(SessionError::rejected(&reply)) }
}

/// The extensions an EHLO reply lists (RFC 5321 §4.1.1.1), as `smtp-proto`'s EHLO parser reads them.
struct Capabilities(EhloResponse<String>);

impl Capabilities {
    /// After HELO: nothing offered.
    fn none() -> Capabilities {
        Capabilities(EhloResponse::default())
    }

    /// From a positive EHLO reply. A reply the parser cannot read (it ignores extensions it does not know)
    /// offers nothing: the message still goes, plain, as to an old server.
    fn from_reply(reply: &Reply) -> Capabilities {
        let mut wire = Vec::new();
        for (index, line) in reply.lines.iter().enumerate() {
            let separator = if index + 1 == reply.lines.len() { ' ' } else { '-' };
            wire.extend_from_slice(format!("{}{separator}{line}\r\n", reply.code).as_bytes());
        }
        match EhloResponse::parse(&mut wire.iter()) {
            Ok(response) => Capabilities(response),
            Err(error) => {
                debug!(?error, "unreadable EHLO reply: treated as offering no extension");
                Capabilities::none()
            }
        }
    }

    /// Whether an `EXT_…` extension of `smtp-proto` is offered.
    fn has(&self, extension: u32) -> bool {
        self.0.has_capability(extension)
    }

    /// Whether `AUTH` lists an `AUTH_…` mechanism of `smtp-proto`.
    fn offers_auth(&self, mechanism: u64) -> bool {
        self.0.auth_mechanisms & mechanism != 0
    }
}

/// EHLO, or HELO for a server that does not know EHLO (RFC 5321 §3.2).
async fn ehlo(connection: &mut Connection, hostname: &str) -> Result<Capabilities, SessionError> {
    let reply = connection.command(&format!("EHLO {hostname}")).await?;
    if reply.is_positive() {
        return Ok(Capabilities::from_reply(&reply));
    }
    expect_positive(connection.command(&format!("HELO {hostname}")).await?)?;
    Ok(Capabilities::none())
}

/// Upgrades to TLS. A refusal of STARTTLS is an error (temporary for a 4xx): the server offered it.
async fn starttls(mut connection: Connection, host: &str, tls: &Arc<ClientConfig>) -> Result<Connection, SessionError> {
    let reply = connection.command("STARTTLS").await?;
    if reply.code != 220 {
        return Err(SessionError::rejected(&reply));
    }
    // RFC 3207 §4.2 / CVE-2011-0411: anything the server sent after its 220 was sent in plaintext and
    // must not be read as if it came through TLS.
    if !connection.stream.buffer().is_empty() {
        return Err(SessionError::Protocol("data after the STARTTLS reply".into()));
    }
    handshake(connection, host, tls).await
}

/// The TLS handshake over `connection`, with `tls` deciding which certificates are good.
async fn handshake(connection: Connection, host: &str, tls: &Arc<ClientConfig>) -> Result<Connection, SessionError> {
    let Some(name) = server_name(host) else {
        return Err(SessionError::Tls(format!("{host:?} is not a valid TLS server name")));
    };
    let plain = connection.stream.into_inner();
    let connector = TlsConnector::from(Arc::clone(tls));
    let handshake = tokio::time::timeout(connection.timeout, connector.connect(name, plain));
    let tls = match handshake.await {
        Err(_) => return Err(SessionError::Timeout(connection.timeout)),
        Ok(Err(error)) => return Err(SessionError::Tls(error.to_string())),
        Ok(Ok(tls)) => tls,
    };
    let tls_version = tls.get_ref().1.protocol_version().map(facteur_net::version_name);
    Ok(Connection { stream: BufReader::new(Box::new(tls)), timeout: connection.timeout, tls_version })
}

impl Connection {
    async fn command(&mut self, line: &str) -> Result<Reply, SessionError> {
        self.send(format!("{line}\r\n").as_bytes()).await?;
        self.read_reply().await
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), SessionError> {
        let stream = self.stream.get_mut();
        let write = async {
            stream.write_all(bytes).await?;
            stream.flush().await
        };
        match tokio::time::timeout(self.timeout, write).await {
            Err(_) => Err(SessionError::Timeout(self.timeout)),
            Ok(Err(error)) => Err(SessionError::Network(error.to_string())),
            Ok(Ok(())) => Ok(()),
        }
    }

    async fn read_reply(&mut self) -> Result<Reply, SessionError> {
        match tokio::time::timeout(self.timeout, self.read_reply_lines()).await {
            Err(_) => Err(SessionError::Timeout(self.timeout)),
            Ok(reply) => reply,
        }
    }

    async fn read_reply_lines(&mut self) -> Result<Reply, SessionError> {
        let mut lines = Vec::new();
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            let read = (&mut self.stream).take(MAX_REPLY_LINE).read_until(b'\n', &mut buffer).await;
            let read = read.map_err(|error| SessionError::Network(error.to_string()))?;
            if read == 0 {
                return Err(SessionError::Network("the server closed the connection".into()));
            }
            let (code, last, text) = parse_reply_line(&buffer)?;
            lines.push(text);
            if last {
                return Ok(Reply { code, lines });
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err(SessionError::Protocol("reply too long".into()));
            }
        }
    }
}

/// `250-text` or `250 text` (RFC 5321 §4.2): the code, whether this is the last line, and the text.
fn parse_reply_line(line: &[u8]) -> Result<(u16, bool, String), SessionError> {
    let line = String::from_utf8_lossy(line);
    let line = line.trim_end_matches(['\r', '\n']);
    let malformed = || SessionError::Protocol(format!("malformed reply line {:?}", truncated(line)));
    let code = line.get(..3).filter(|code| code.bytes().all(|b| b.is_ascii_digit())).ok_or_else(malformed)?;
    let code: u16 = code.parse().map_err(|_| malformed())?;
    let (last, text) = match line.as_bytes().get(3) {
        None => (true, ""),
        Some(b' ') => (true, &line[4..]),
        Some(b'-') => (false, &line[4..]),
        Some(_) => return Err(malformed()),
    };
    Ok((code, last, text.to_owned()))
}

fn truncated(text: &str) -> String {
    text.chars().take(80).collect()
}

/// The content as DATA sends it (RFC 5321 §4.5.2): CRLF line ends, a leading dot doubled, ended by `.`.
pub fn dot_stuffed(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + content.len() / 64 + 5);
    for line in content.split_inclusive(|&b| b == b'\n') {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ehlo_reply(text: &str) -> Capabilities {
        let mut lines = Vec::new();
        for line in text.lines() {
            lines.push(line[4..].to_owned());
        }
        Capabilities::from_reply(&Reply { code: 250, lines })
    }

    #[test]
    fn ehlo_extensions_are_read_by_smtp_proto_with_unknown_ones_ignored() {
        let capabilities = ehlo_reply(
            "250-mx.example.net at your service\n250-SIZE 157286400\n250-8BITMIME\n250-STARTTLS\n\
             250-ENHANCEDSTATUSCODES\n250-XCLIENT NAME ADDR\n250-PIPELINING\n250-AUTH PLAIN LOGIN\n250 SMTPUTF8",
        );
        for extension in [EXT_SIZE, EXT_8BIT_MIME, EXT_START_TLS, EXT_PIPELINING, EXT_SMTP_UTF8] {
            assert!(capabilities.has(extension), "{extension:#x}");
        }
        assert!(capabilities.offers_auth(AUTH_PLAIN) && capabilities.offers_auth(AUTH_LOGIN));
    }

    #[test]
    fn a_bare_ehlo_greeting_offers_nothing() {
        let capabilities = ehlo_reply("250 mx.example.net");
        assert!(!capabilities.has(EXT_START_TLS) && !capabilities.has(EXT_PIPELINING));
        assert!(!capabilities.offers_auth(AUTH_PLAIN));
    }

    #[test]
    fn dot_stuffing_doubles_leading_dots_and_normalises_line_ends() {
        assert_eq!(dot_stuffed(b"a\r\n.b\n..c\r\nd"), b"a\r\n..b\r\n...c\r\nd\r\n.\r\n");
        assert_eq!(dot_stuffed(b""), b".\r\n");
    }

    #[test]
    fn reply_lines_are_parsed_and_malformed_ones_refused() {
        assert_eq!(parse_reply_line(b"250-SIZE 100\r\n").unwrap(), (250, false, "SIZE 100".into()));
        assert_eq!(parse_reply_line(b"550 5.1.1 no\r\n").unwrap(), (550, true, "5.1.1 no".into()));
        assert_eq!(parse_reply_line(b"220\r\n").unwrap(), (220, true, String::new()));
        assert!(parse_reply_line(b"25").is_err());
        assert!(parse_reply_line(b"250x").is_err());
        assert!(parse_reply_line(b"hello").is_err());
    }

    #[test]
    fn requiretls_is_passed_on_and_fails_permanently_where_it_is_not_offered() {
        let recipients = vec!["bob@b.test".to_owned()];
        let message = Outgoing { return_path: "a@a.test", recipients: &recipients, content: b"x", require_tls: true };
        let error = mail_command(&ehlo_reply("250-mx\n250 SIZE"), message).unwrap_err();
        assert_eq!(error.verdict(), Verdict::Permanent);
        assert!(error.to_string().contains("5.7.10"), "{error}");
        let with = mail_command(&ehlo_reply("250-mx\n250 REQUIRETLS"), message).unwrap();
        assert_eq!(with, "MAIL FROM:<a@a.test> REQUIRETLS");
    }

    #[test]
    fn smtputf8_addresses_fail_permanently_without_the_extension() {
        let recipients = vec!["jos\u{e9}@b.test".to_owned()];
        let message = Outgoing { return_path: "a@a.test", recipients: &recipients, content: b"x", require_tls: false };
        let error = mail_command(&ehlo_reply("250-mx\n250 SIZE"), message).unwrap_err();
        assert_eq!(error.verdict(), Verdict::Permanent);
        let with = mail_command(&ehlo_reply("250-mx\n250-SMTPUTF8\n250 SIZE"), message).unwrap();
        assert_eq!(with, "MAIL FROM:<a@a.test> SIZE=1 SMTPUTF8");
    }
}
