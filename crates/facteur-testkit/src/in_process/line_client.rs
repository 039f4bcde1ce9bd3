use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ProtocolVersion;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::CERTIFICATE_HOST;

/// How long the client waits for the server to say something before the test fails. Generous: a loaded CI
/// machine is slow, and a test that waits this long is failing anyway.
const READ_TIMEOUT: Duration = Duration::from_secs(20);
/// How long [`LineClient::is_closed`] waits for the server to close.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a reply ends, for [`LineClient::reply`] and the commands built on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyShape {
    /// One line (POP3 status lines, the echo protocol of facteur-net's tests).
    Line,
    /// RFC 5321 §4.2.1: every line but the last has a `-` after the code.
    SmtpMultiline,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A raw client for line protocols over a plain or TLS stream: it sends exactly the bytes a test gives it and
/// reads lines and replies, each within a timeout, so that a test can send what no well-behaved client would.
/// Protocol-specific reading (tagged IMAP responses, POP3 multi-line bodies) is built on [`LineClient::raw_line`]
/// and [`LineClient::read_exact`] by each protocol's tests.
pub struct LineClient {
    stream: BufReader<Box<dyn Stream>>,
    replies: ReplyShape,
    tls_version: Option<ProtocolVersion>,
    transcript: Vec<u8>,
}

impl LineClient {
    /// A plain connection; nothing is read yet (not even a greeting).
    pub async fn connect(address: SocketAddr, replies: ReplyShape) -> LineClient {
        let tcp = TcpStream::connect(address).await.unwrap_or_else(|error| panic!("connect to {address}: {error}"));
        LineClient::over(Box::new(tcp), replies, None)
    }

    /// A connection to an implicit-TLS listener, handshake done.
    pub async fn connect_tls(address: SocketAddr, replies: ReplyShape, tls: Arc<rustls::ClientConfig>) -> LineClient {
        let connected = LineClient::try_connect_tls(address, replies, tls).await;
        connected.unwrap_or_else(|error| panic!("TLS connection to {address}: {error}"))
    }

    /// The same for a test that expects the connection or the handshake to fail.
    pub async fn try_connect_tls(
        address: SocketAddr,
        replies: ReplyShape,
        tls: Arc<rustls::ClientConfig>,
    ) -> std::io::Result<LineClient> {
        let tcp = TcpStream::connect(address).await?;
        let stream = TlsConnector::from(tls).connect(server_name(), tcp).await?;
        let version = stream.get_ref().1.protocol_version();
        Ok(LineClient::over(Box::new(stream), replies, version))
    }

    fn over(stream: Box<dyn Stream>, replies: ReplyShape, tls_version: Option<ProtocolVersion>) -> LineClient {
        LineClient { stream: BufReader::new(stream), replies, tls_version, transcript: Vec::new() }
    }

    /// The TLS handshake on this connection, once the server has said go ahead (SMTP `220`, POP3 `+OK`, …).
    /// The server must have sent nothing after that go-ahead: the handshake starts at the next byte.
    pub async fn starttls(self, tls: Arc<rustls::ClientConfig>) -> LineClient {
        let unread = self.stream.buffer().len();
        assert_eq!(unread, 0, "the server sent {unread} bytes after its go-ahead, before the TLS handshake");
        let LineClient { stream, replies, transcript, .. } = self;
        let stream = TlsConnector::from(tls).connect(server_name(), stream.into_inner()).await.expect("handshake");
        let version = stream.get_ref().1.protocol_version();
        LineClient { transcript, ..LineClient::over(Box::new(stream), replies, version) }
    }

    /// The TLS version negotiated, if the connection is TLS.
    pub fn tls_version(&self) -> Option<ProtocolVersion> {
        self.tls_version
    }

    /// Every byte the server sent so far, for checking with an independent parser.
    pub fn transcript(&self) -> &[u8] {
        &self.transcript
    }

    pub async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.try_send(bytes).await.expect("send to the server");
    }

    /// Sends and flushes; for a test where the server may already have closed.
    pub async fn try_send(&mut self, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
        self.stream.get_mut().write_all(bytes.as_ref()).await?;
        self.stream.get_mut().flush().await
    }

    /// One line, terminator included; empty at the end of the stream.
    pub async fn raw_line(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        within_read_timeout(self.stream.read_until(b'\n', &mut line)).await;
        self.transcript.extend_from_slice(&line);
        line
    }

    /// One line as text, terminator included; empty at the end of the stream.
    pub async fn line(&mut self) -> String {
        String::from_utf8(self.raw_line().await).expect("the server sent UTF-8")
    }

    /// Exactly `len` bytes (an IMAP literal, say).
    pub async fn read_exact(&mut self, len: usize) -> Vec<u8> {
        let mut bytes = vec![0; len];
        within_read_timeout(self.stream.read_exact(&mut bytes)).await;
        self.transcript.extend_from_slice(&bytes);
        bytes
    }

    /// Lines up to and including the first one `is_last` accepts, terminators included. Stops early at the end of
    /// the stream, the last line then being empty.
    pub async fn lines_until(&mut self, is_last: impl Fn(&str) -> bool) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await;
            let done = line.is_empty() || is_last(&line);
            lines.push(line);
            if done {
                return lines;
            }
        }
    }

    /// One whole reply, in the client's [`ReplyShape`]; empty at the end of the stream.
    pub async fn reply(&mut self) -> String {
        match self.replies {
            ReplyShape::Line => self.line().await,
            ReplyShape::SmtpMultiline => self.lines_until(|line| line.as_bytes().get(3) != Some(&b'-')).await.concat(),
        }
    }

    /// Reads a reply and asserts it starts with `expected` (a greeting, say).
    pub async fn expect_reply(&mut self, expected: &str) -> String {
        let reply = self.reply().await;
        assert!(reply.starts_with(expected), "expected {expected:?}, got {reply:?}");
        reply
    }

    /// Sends `command` and CRLF, and returns the reply.
    pub async fn command(&mut self, command: &str) -> String {
        self.send(format!("{command}\r\n")).await;
        self.reply().await
    }

    /// Sends `command` and asserts the reply starts with `expected` (`250 2.1.5`, `+OK`, …).
    pub async fn expect(&mut self, command: &str, expected: &str) -> String {
        let reply = self.command(command).await;
        assert!(reply.starts_with(expected), "{command:?}: expected {expected:?}, got {reply:?}");
        reply
    }

    /// Everything up to the end of the stream; fails the test if the server does not close.
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        let mut rest = Vec::new();
        within_read_timeout(self.stream.read_to_end(&mut rest)).await;
        self.transcript.extend_from_slice(&rest);
        rest
    }

    /// Whether the server closes the connection (or resets it) soon, whatever it sends before.
    pub async fn is_closed(&mut self) -> bool {
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(CLOSE_TIMEOUT, self.stream.read_to_end(&mut rest)).await.is_ok();
        self.transcript.extend_from_slice(&rest);
        closed
    }
}

fn server_name() -> ServerName<'static> {
    ServerName::try_from(CERTIFICATE_HOST).expect("a valid DNS name")
}

/// Awaits a read; a timeout or an I/O error fails the test.
async fn within_read_timeout<T>(read: impl Future<Output = std::io::Result<T>>) -> T {
    match tokio::time::timeout(READ_TIMEOUT, read).await {
        Ok(result) => result.expect("read from the server"),
        Err(_) => panic!("the server did not answer within {READ_TIMEOUT:?}"),
    }
}
