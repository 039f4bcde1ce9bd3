//! A small line protocol to drive the real listener and connection code:
//! the server greets, echoes lines, and obeys a few test commands.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use facteur_net::{
    Connection, ConnectionError, ConnectionHandler, ConnectionLimiter, Interrupted, Limits, Line, Refusal,
    ShutdownSignal, TlsMode,
};
use facteur_testkit::in_process::{Fixture, LineClient, ReplyShape};
use tokio::task::JoinHandle;

pub const MAX_LINE: usize = 64;

/// The test protocol:
/// - greets with `HELLO <tls version>`;
/// - `STARTTLS` → `220 go`, upgrade, then `DISCARDED <n>` over TLS;
/// - `LITERAL <n>` → reads exactly n bytes → `GOT <bytes>`;
/// - `HANG` → `HANGING`, then ignores everything, shutdown included, for an hour;
/// - `QUIT` → `BYE`; anything else → `ECHO <line>` (terminator included);
/// - over-long line → `ERR too long`; idle → `TIMEOUT`; shutdown → `SHUTDOWN`.
pub struct EchoHandler;

#[async_trait]
impl ConnectionHandler for EchoHandler {
    async fn handle(&self, mut connection: Connection, mut shutdown: ShutdownSignal) {
        let greeting = format!("HELLO {:?}\r\n", connection.tls_protocol_version());
        if send(&mut connection, greeting.as_bytes()).await.is_err() {
            return;
        }
        loop {
            let limit = connection.idle_timeout();
            let reply = match connection.next_line(MAX_LINE, limit, &mut shutdown).await {
                Ok(Line::Complete(line)) => match self.command(&mut connection, &line).await {
                    Some(reply) => reply,
                    None => return,
                },
                Ok(Line::TooLong) => b"ERR too long\r\n".to_vec(),
                Err(Interrupted::TimedOut) => {
                    let _ = send(&mut connection, b"TIMEOUT\r\n").await;
                    return;
                }
                Err(Interrupted::Shutdown) => {
                    let _ = send(&mut connection, b"SHUTDOWN\r\n").await;
                    return;
                }
                Err(Interrupted::Closed) => return,
            };
            if send(&mut connection, &reply).await.is_err() {
                return;
            }
        }
    }

    async fn refuse(&self, connection: &mut Connection, refusal: Refusal) {
        let _ = connection.write_all(format!("BUSY {refusal:?}\r\n").as_bytes()).await;
    }
}

impl EchoHandler {
    /// The reply to one line; `None` ends the session.
    async fn command(&self, connection: &mut Connection, line: &[u8]) -> Option<Vec<u8>> {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end();
        if text == "QUIT" {
            let _ = send(connection, b"BYE\r\n").await;
            return None;
        }
        if text == "HANG" {
            send(connection, b"HANGING\r\n").await.ok()?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return None;
        }
        if text == "STARTTLS" {
            if !connection.starttls_available() {
                return Some(b"ERR no TLS\r\n".to_vec());
            }
            connection.write_all(b"220 go\r\n").await.ok()?;
            let discarded = connection.starttls().await.ok()?;
            return Some(format!("DISCARDED {discarded}\r\n").into_bytes());
        }
        if let Some(count) = text.strip_prefix("LITERAL ") {
            let mut literal = vec![0u8; count.parse().ok()?];
            connection.read_exact_within(&mut literal, Duration::from_secs(5)).await.ok()?;
            let mut reply = b"GOT ".to_vec();
            reply.extend_from_slice(&literal);
            reply.extend_from_slice(b"\r\n");
            return Some(reply);
        }
        let mut reply = b"ECHO ".to_vec();
        reply.extend_from_slice(line);
        Some(reply)
    }
}

async fn send(connection: &mut Connection, bytes: &[u8]) -> Result<(), ConnectionError> {
    connection.write_all(bytes).await?;
    connection.flush().await
}

/// The echo protocol served on a loopback port chosen by the system.
pub struct RunningServer {
    pub fixture: Fixture,
    pub address: SocketAddr,
    pub limiter: ConnectionLimiter,
    pub task: JoinHandle<()>,
}

pub async fn start_server(mode: TlsMode, limits: Limits) -> RunningServer {
    let fixture = Fixture::new().await;
    let limiter = ConnectionLimiter::new(&limits);
    let listener = fixture.listen_sharing(mode, limiter.clone()).await;
    let address = listener.local_addr();
    let task = tokio::spawn(listener.serve(Arc::new(EchoHandler), fixture.shutdown_signal()));
    RunningServer { fixture, address, limiter, task }
}

/// Connected, nothing read yet.
pub async fn plain_client(address: SocketAddr) -> LineClient {
    LineClient::connect(address, ReplyShape::Line).await
}

/// Polls `condition` for up to two seconds (session tasks end asynchronously).
pub async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition never became true");
}
