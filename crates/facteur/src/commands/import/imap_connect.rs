//! Reaching the server `facteur import imap` copies from, and logging in; the password never leaves before TLS
//! is up and the server's certificate verified.
//!
//! - `imaps://HOST[:PORT]`: TLS from the first byte (RFC 8314 §3), port 993.
//! - `imap://HOST[:PORT]`: port 143, in clear until STARTTLS (RFC 9051 §6.2.1, RFC 2595 §3). The server
//!   must announce STARTTLS; if it does not, the import stops, since falling back to a login in clear is what
//!   an attacker who strips the capability wants. Whatever the server sent after its STARTTLS answer and
//!   before the handshake stays in the cleartext connection's buffer and is dropped with it, never read as
//!   if TLS protected it (response injection, the client's side of CVE-2011-0411). After the handshake the
//!   capabilities read in clear are forgotten and asked again (RFC 9051 §6.2.1).
//!
//! Both then LOGIN, unless the server says over TLS that it does not accept LOGIN (`LOGINDISABLED`, RFC 9051
//! §6.2.3).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use async_imap::imap_proto::{Capability, Response, Status};
use async_imap::types::UnsolicitedResponse;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::imap::within;
use crate::failure::{Failure, Outcome, usage};

pub(super) type Session = async_imap::Session<TlsStream<TcpStream>>;
type Client<S> = async_imap::Client<S>;

/// Connecting, each command before the login, the TLS handshake and the login itself.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Untagged responses kept from one command before the login (a CAPABILITY answer is one); more are dropped.
const UNTAGGED_LIMIT: usize = 16;

/// How the connection gets its TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Security {
    /// `imaps://`: TLS from the first byte.
    ImplicitTls,
    /// `imap://`: STARTTLS first, required.
    StartTls,
}

impl Security {
    /// The port when the URL gives none: IMAP over TLS's (RFC 8314 §7), or IMAP's.
    fn default_port(self) -> u16 {
        match self {
            Security::ImplicitTls => 993,
            Security::StartTls => 143,
        }
    }
}

/// Where to copy from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SourceServer {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

impl fmt::Display for SourceServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl SourceServer {
    /// `imaps://HOST`, `imap://HOST:PORT`, `imaps://[IPv6]:PORT`, with or without a final `/`.
    pub fn parse(url: &str) -> Result<SourceServer, String> {
        let (rest, security) = if let Some(rest) = url.strip_prefix("imaps://") {
            (rest, Security::ImplicitTls)
        } else if let Some(rest) = url.strip_prefix("imap://") {
            (rest, Security::StartTls)
        } else {
            return Err("expected imaps://HOST[:PORT] (TLS from the first byte, RFC 8314) or imap://HOST[:PORT] \
                        (STARTTLS)"
                .to_owned());
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = match rest.strip_prefix('[') {
            Some(bracketed) => {
                let (host, after) = bracketed.split_once(']').ok_or("an IPv6 address needs its closing ]")?;
                (host, after.strip_prefix(':'))
            }
            None => match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            },
        };
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err("no host name".to_owned());
        }
        let port = match port {
            Some(port) => port.parse().map_err(|_| format!("{port:?} is not a port number"))?,
            None => security.default_port(),
        };
        Ok(SourceServer { host: host.to_owned(), port, security })
    }

    /// Connects, sets up TLS as the URL says, and logs in as `user`.
    pub async fn log_in(&self, user: &str, password: &str, tls: Arc<ClientConfig>) -> Outcome<Session> {
        let name = ServerName::try_from(self.host.clone())
            .map_err(|_| usage!("--from: {:?} is not a host name or address", self.host))?;
        let tcp = within(CONNECT_TIMEOUT, TcpStream::connect((self.host.as_str(), self.port)))
            .await?
            .with_context(|| format!("cannot connect to {self}"))?;
        let mut client = match self.security {
            Security::ImplicitTls => {
                let mut client = Client::new(self.handshake(tcp, name, tls).await?);
                self.greeting(&mut client).await?;
                client
            }
            Security::StartTls => {
                let mut clear = Client::new(tcp);
                self.greeting(&mut clear).await?;
                if !has(&capabilities(&mut clear).await?, "STARTTLS") {
                    return Err(Failure::Runtime(anyhow!(
                        "{self} does not offer STARTTLS: the password is not sent without TLS (a server with \
                         IMAP over TLS, usually on port 993, is reached with --from imaps://HOST)"
                    )));
                }
                within(CONNECT_TIMEOUT, clear.run_command_and_check_ok("STARTTLS", None))
                    .await?
                    .with_context(|| format!("{self} refused STARTTLS"))?;
                // The cleartext client's buffer goes here, with anything the server sent after its answer.
                Client::new(self.handshake(clear.into_inner(), name, tls).await?)
            }
        };
        if has(&capabilities(&mut client).await?, "LOGINDISABLED") {
            return Err(Failure::Runtime(anyhow!(
                "{self} does not accept LOGIN (LOGINDISABLED), the only way this import logs in"
            )));
        }
        let login = within(CONNECT_TIMEOUT, client.login(user, password)).await?;
        login.map_err(|(error, _)| usage!("cannot log in to {} as {user}: {error}", self.host))
    }

    async fn handshake(
        &self,
        tcp: TcpStream,
        name: ServerName<'static>,
        tls: Arc<ClientConfig>,
    ) -> Outcome<TlsStream<TcpStream>> {
        let stream = within(CONNECT_TIMEOUT, TlsConnector::from(tls).connect(name, tcp)).await?.with_context(|| {
            format!(
                "cannot connect to {self} over TLS (a certificate the public CAs do not vouch for needs its CA \
                 given with --ca-file)"
            )
        })?;
        Ok(stream)
    }

    /// Reads the greeting: `OK`, the not-authenticated state LOGIN and STARTTLS need (RFC 9051 §7.1).
    async fn greeting<S>(&self, client: &mut Client<S>) -> Outcome
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + fmt::Debug + Send,
    {
        let greeting = within(CONNECT_TIMEOUT, client.read_response())
            .await?
            .ok_or_else(|| anyhow!("{self} closed the connection before its greeting"))?
            .with_context(|| format!("reading the greeting of {self}"))?;
        match greeting.parsed() {
            Response::Data { status: Status::Ok, .. } => Ok(()),
            Response::Data { status: Status::Bye, information, .. } => Err(Failure::Runtime(anyhow!(
                "{self} refused the connection: {}",
                information.as_deref().unwrap_or_default()
            ))),
            // PREAUTH: logged in already, as whoever the server decided, and in clear with no way to STARTTLS
            // (a command of the not-authenticated state only, RFC 9051 §6.2.1).
            Response::Data { status: Status::PreAuth, .. } => Err(Failure::Runtime(anyhow!(
                "{self} greeted with PREAUTH (already logged in): this import logs in as --user, over TLS"
            ))),
            other => Err(Failure::Runtime(anyhow!("{self} greeted with {other:?}, not OK"))),
        }
    }
}

/// What the server announces (CAPABILITY, RFC 9051 §6.1.1), before the login.
async fn capabilities<S>(client: &mut Client<S>) -> Outcome<Vec<String>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + fmt::Debug + Send,
{
    let (sender, receiver) = async_channel::bounded(UNTAGGED_LIMIT);
    within(CONNECT_TIMEOUT, client.run_command_and_check_ok("CAPABILITY", Some(sender)))
        .await?
        .context("CAPABILITY")?;
    let mut names = Vec::new();
    while let Ok(untagged) = receiver.try_recv() {
        if let UnsolicitedResponse::Other(data) = untagged
            && let Response::Capabilities(announced) = data.parsed()
        {
            names.extend(announced.iter().map(|capability| match capability {
                Capability::Imap4rev1 => "IMAP4rev1".to_owned(),
                Capability::Auth(mechanism) => format!("AUTH={mechanism}"),
                Capability::Atom(name) => name.to_string(),
            }));
        }
    }
    Ok(names)
}

/// Capability names are case-insensitive atoms.
fn has(capabilities: &[String], name: &str) -> bool {
    capabilities.iter().any(|capability| capability.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_host_a_port_and_how_tls_starts() {
        let server = |host: &str, port, security| Ok(SourceServer { host: host.to_owned(), port, security });
        assert_eq!(
            SourceServer::parse("imaps://imap.example.org"),
            server("imap.example.org", 993, Security::ImplicitTls)
        );
        assert_eq!(SourceServer::parse("imaps://127.0.0.1:10993/"), server("127.0.0.1", 10993, Security::ImplicitTls));
        assert_eq!(SourceServer::parse("imaps://[::1]:1993"), server("::1", 1993, Security::ImplicitTls));
        assert_eq!(SourceServer::parse("imap://imap.example.org"), server("imap.example.org", 143, Security::StartTls));
        assert_eq!(SourceServer::parse("imap://127.0.0.1:10143/"), server("127.0.0.1", 10143, Security::StartTls));
        assert_eq!(SourceServer::parse("imap://[::1]"), server("::1", 143, Security::StartTls));
        let bad = ["imaps://", "imap://", "imaps://host:port", "imap://user@host", "example.org", "pop3://example.org"];
        for bad in bad {
            assert!(SourceServer::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn capability_names_match_in_any_case() {
        let announced = ["IMAP4rev1".to_owned(), "starttls".to_owned()];
        assert!(has(&announced, "STARTTLS"));
        assert!(!has(&announced, "LOGINDISABLED"));
    }
}
