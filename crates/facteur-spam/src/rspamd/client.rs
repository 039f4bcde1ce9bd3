//! Asking a running rspamd: `POST /checkv2` over HTTP/1.1 (hyper), one connection per message, the whole
//! exchange under one deadline.
//!
//! Plain `http://` only: rspamd's workers speak plain HTTP (or its own HTTPCrypt, not TLS), and are run on
//! loopback or a trusted network. One connection per message costs a loopback handshake, nothing next to a
//! scan, and leaves no pool to go stale when rspamd restarts.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{HOST, HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tracing::debug;

use crate::rspamd::reply::{ReplyError, RspamdReply, parse_reply};
use crate::rspamd::request::{RequestError, RspamdRequest};

/// rspamd's reply for one message is a few kilobytes; a megabyte is something else talking.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// A configured rspamd (`[spam] rspamd = "http://127.0.0.1:11333"`).
#[derive(Clone)]
pub struct RspamdClient {
    /// The URL as configured, for messages.
    url: String,
    /// `host:port` as written, for the Host field.
    authority: String,
    /// Where to connect: the host without IPv6 brackets, and the port.
    host: String,
    port: u16,
    /// The configured path with `/checkv2` appended (rspamd may sit behind a proxy under a prefix).
    path: String,
    timeout: Duration,
    /// rspamd's `Password` header field, for a controller or proxy worker that requires one.
    password: Option<String>,
}

impl std::fmt::Debug for RspamdClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RspamdClient")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why rspamd gave no verdict. The built-in score applies then; the caller says so in the log.
#[derive(Debug, thiserror::Error)]
pub enum RspamdError {
    #[error("rspamd URL {url:?}: {reason}")]
    Url { url: String, reason: String },
    #[error("rspamd at {url}: cannot connect: {source}")]
    Connect { url: String, source: std::io::Error },
    #[error("rspamd at {url}: no answer within {timeout:?}")]
    Timeout { url: String, timeout: Duration },
    #[error("rspamd at {url}: HTTP: {source}")]
    Http { url: String, source: hyper::Error },
    #[error("rspamd at {url} answered HTTP {status}: {message}")]
    Status { url: String, status: u16, message: String },
    #[error("rspamd at {url}: reply larger than {MAX_REPLY_BYTES} bytes")]
    ReplyTooLarge { url: String },
    #[error("rspamd at {url}: {source}")]
    Reply { url: String, source: ReplyError },
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl RspamdClient {
    /// A client for the rspamd worker at `url` (`http://HOST:PORT`, optionally with a path prefix), giving up
    /// on a message after `timeout` (connection, sending and reply together).
    pub fn new(url: &str, timeout: Duration) -> Result<RspamdClient, RspamdError> {
        let invalid = |reason: &str| RspamdError::Url { url: url.to_owned(), reason: reason.to_owned() };
        let uri: hyper::Uri = url.parse().map_err(|_| invalid("not a URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(invalid(
                    "https is not supported: rspamd's workers speak plain HTTP; run rspamd on loopback or a \
                     trusted network and write http://",
                ));
            }
            _ => return Err(invalid("write http://HOST:PORT (rspamd's normal worker listens on port 11333)")),
        }
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("credentials go in the password setting, not the URL"));
        }
        if uri.query().is_some() {
            return Err(invalid("a query has no meaning here"));
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        Ok(RspamdClient {
            url: url.to_owned(),
            authority: authority.as_str().to_owned(),
            host,
            port: authority.port_u16().unwrap_or(80),
            path: format!("{}/checkv2", uri.path().trim_end_matches('/')),
            timeout,
            password: None,
        })
    }

    /// Sends rspamd's `Password` header field with each request (a controller or proxy worker set up with
    /// `password = …`; the normal worker asks for none).
    pub fn with_password(mut self, password: impl Into<String>) -> RspamdClient {
        self.password = Some(password.into());
        self
    }

    /// The URL as configured.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// rspamd's verdict on the message, or why there is none, within the timeout.
    pub async fn check(&self, request: &RspamdRequest) -> Result<RspamdReply, RspamdError> {
        let started = Instant::now();
        let exchange = self.exchange(request);
        // Dropping the exchange at the deadline closes its connection: a hung rspamd keeps no socket of ours.
        let (status, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| RspamdError::Timeout { url: self.url.clone(), timeout: self.timeout })??;
        if status != 200 {
            // rspamd says what went wrong in a JSON `error` (a body it could not decompress, an unknown path).
            let message = match parse_reply(&body) {
                Err(ReplyError::Rspamd(message)) => message,
                _ => "no error message in the reply".to_owned(),
            };
            return Err(RspamdError::Status { url: self.url.clone(), status, message });
        }
        let reply = parse_reply(&body).map_err(|source| RspamdError::Reply { url: self.url.clone(), source })?;
        debug!(
            queue_id = request.queue_id.as_deref().unwrap_or(""),
            action = %reply.action,
            score = reply.score,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "rspamd: checked"
        );
        Ok(reply)
    }

    /// Connects, sends the request and reads the reply's status and body (bounded).
    async fn exchange(&self, request: &RspamdRequest) -> Result<(u16, Bytes), RspamdError> {
        let http = self.http_request(request)?;
        let stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|source| RspamdError::Connect { url: self.url.clone(), source })?;
        let http_error = |source| RspamdError::Http { url: self.url.clone(), source };
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(http_error)?;
        let reply = async {
            let response = sender.send_request(http).await.map_err(http_error)?;
            let status = response.status().as_u16();
            let body =
                Limited::new(response.into_body(), MAX_REPLY_BYTES).collect().await.map_err(|error| match error
                    .downcast::<hyper::Error>(
                ) {
                    Ok(source) => http_error(*source),
                    Err(_) => RspamdError::ReplyTooLarge { url: self.url.clone() },
                })?;
            Ok((status, body.to_bytes()))
        };
        // The connection is driven here rather than spawned, so that it ends with this exchange.
        tokio::pin!(reply, connection);
        tokio::select! {
            result = &mut reply => result,
            ended = &mut connection => {
                // rspamd closes after its reply (`Connection: close`): the reply may still be in hand.
                ended.map_err(http_error)?;
                reply.await
            }
        }
    }

    fn http_request(&self, request: &RspamdRequest) -> Result<hyper::Request<Full<Bytes>>, RspamdError> {
        let mut http = hyper::Request::post(self.path.as_str())
            .body(Full::new(request.message.clone()))
            .map_err(|error| RspamdError::Url { url: self.url.clone(), reason: error.to_string() })?;
        let headers = http.headers_mut();
        let host = HeaderValue::from_str(&self.authority)
            .map_err(|error| RspamdError::Url { url: self.url.clone(), reason: error.to_string() })?;
        headers.insert(HOST, host);
        let mut fields = request.header_fields()?;
        if let Some(password) = &self.password {
            fields.push(("Password", password.clone()));
        }
        for (field, value) in fields {
            // Bytes, not str: an SMTPUTF8 address is UTF-8, which HTTP carries as opaque octets.
            let value = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| RequestError { field })?;
            let name = HeaderName::from_bytes(field.as_bytes()).map_err(|_| RequestError { field })?;
            headers.append(name, value);
        }
        Ok(http)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_gives_host_port_and_path() {
        let client = RspamdClient::new("http://127.0.0.1:11333", Duration::from_secs(5)).unwrap();
        assert_eq!((client.host.as_str(), client.port, client.path.as_str()), ("127.0.0.1", 11333, "/checkv2"));
        let client = RspamdClient::new("http://[::1]:11333/rspamd/", Duration::from_secs(5)).unwrap();
        assert_eq!((client.host.as_str(), client.port, client.path.as_str()), ("::1", 11333, "/rspamd/checkv2"));
        assert_eq!(client.authority, "[::1]:11333");
        let client = RspamdClient::new("http://rspamd", Duration::from_secs(5)).unwrap();
        assert_eq!(client.port, 80);
    }

    #[test]
    fn https_and_other_schemes_are_refused_saying_why() {
        let https = RspamdClient::new("https://127.0.0.1:11333", Duration::from_secs(5)).unwrap_err();
        assert!(https.to_string().contains("https is not supported"), "{https}");
        let bare = RspamdClient::new("127.0.0.1:11333", Duration::from_secs(5)).unwrap_err();
        assert!(bare.to_string().contains("write http://HOST:PORT"), "{bare}");
        assert!(RspamdClient::new("http://user:pw@127.0.0.1:11333", Duration::from_secs(5)).is_err());
        assert!(RspamdClient::new("http://127.0.0.1:11333/?x=1", Duration::from_secs(5)).is_err());
    }

    #[test]
    fn the_password_is_not_in_debug_output() {
        let client =
            RspamdClient::new("http://127.0.0.1:11333", Duration::from_secs(5)).unwrap().with_password("s3cret");
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    /// A one-shot server: reads one request (up to its blank line and body), answers `reply`, returns the request.
    async fn serve_once(reply: Vec<u8>) -> (String, tokio::task::JoinHandle<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !String::from_utf8_lossy(&request).ends_with("hello\r\n") {
                let n = stream.read(&mut buffer).await.unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..n]);
            }
            // The client may hang up early (an oversized reply): not this test server's failure.
            let _ = stream.write_all(&reply).await;
            String::from_utf8_lossy(&request).into_owned()
        });
        (url, server)
    }

    fn request() -> RspamdRequest {
        RspamdRequest {
            client_ip: "192.0.2.10".parse().unwrap(),
            client_hostname: None,
            helo: Some("mail.example.org".into()),
            mail_from: "alice@example.org".into(),
            recipients: vec!["bob@example.test".into(), "élodie@example.test".into()],
            our_hostname: None,
            queue_id: Some("Q1".into()),
            authenticated_user: None,
            message: Bytes::from_static(b"Subject: hi\r\n\r\nhello\r\n"),
        }
    }

    fn http_reply(status: &str, body: &str) -> Vec<u8> {
        format!("HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    #[tokio::test]
    async fn the_request_carries_the_facts_the_password_and_the_message() {
        let body = include_str!("testdata/ham.json");
        let (url, server) = serve_once(http_reply("200 OK", body)).await;
        let client = RspamdClient::new(&url, Duration::from_secs(5)).unwrap().with_password("s3cret");
        let reply = client.check(&request()).await.unwrap();
        assert_eq!(reply.action, crate::rspamd::RspamdAction::NoAction);
        let sent = server.await.unwrap().to_lowercase();
        assert!(sent.starts_with("post /checkv2 http/1.1\r\n"), "{sent}");
        for line in ["ip: 192.0.2.10", "helo: mail.example.org", "from: alice@example.org", "queue-id: q1"] {
            assert!(sent.contains(&format!("\r\n{line}\r\n")), "{line} not in {sent}");
        }
        assert!(sent.contains("\r\nrcpt: bob@example.test\r\n") && sent.contains("\r\nrcpt: élodie@example.test\r\n"));
        assert!(sent.contains("\r\npassword: s3cret\r\n") && sent.contains("\r\ncontent-length: 22\r\n"));
        assert!(sent.ends_with("\r\n\r\nsubject: hi\r\n\r\nhello\r\n"), "{sent}");
    }

    #[tokio::test]
    async fn an_http_error_carries_rspamds_message() {
        let body = include_str!("testdata/error_decompression.json");
        let (url, _server) = serve_once(http_reply("503 Decompression error", body)).await;
        let error = RspamdClient::new(&url, Duration::from_secs(5)).unwrap().check(&request()).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("rspamd at {url} answered HTTP 503: Decompression error: Unknown frame descriptor")
        );
    }

    #[tokio::test]
    async fn an_http_error_without_json_says_so() {
        let (url, _server) = serve_once(http_reply("404 Not Found", "<html>nope</html>")).await;
        let error = RspamdClient::new(&url, Duration::from_secs(5)).unwrap().check(&request()).await.unwrap_err();
        assert_eq!(error.to_string(), format!("rspamd at {url} answered HTTP 404: no error message in the reply"));
    }

    #[tokio::test]
    async fn an_oversized_reply_is_refused() {
        let body = format!("{{\"action\":\"no action\",\"x\":\"{}\"}}", "a".repeat(MAX_REPLY_BYTES));
        let (url, _server) = serve_once(http_reply("200 OK", &body)).await;
        let error = RspamdClient::new(&url, Duration::from_secs(5)).unwrap().check(&request()).await.unwrap_err();
        assert!(matches!(error, RspamdError::ReplyTooLarge { .. }), "{error:?}");
    }
}
