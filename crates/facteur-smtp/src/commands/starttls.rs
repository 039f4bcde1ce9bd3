//! STARTTLS (RFC 3207).

use tracing::{debug, warn};

use crate::reply::Reply;
use crate::session::{Ending, Handled, Session};
use crate::state::Phase;

impl Session<'_> {
    pub(crate) async fn starttls(&mut self) -> Handled {
        if self.state.tls {
            return Ok(Some(Reply::bad_sequence("TLS already active")));
        }
        if !self.connection.starttls_available() {
            return Ok(Some(Reply::new(454, "4.7.0", "TLS not available")));
        }
        if !matches!(self.state.phase, Phase::Connected | Phase::Greeted) {
            return Ok(Some(Reply::bad_sequence("STARTTLS not allowed during a mail transaction")));
        }
        let go_ahead = Reply::new(220, "2.0.0", "Ready to start TLS");
        self.connection.write_all(&go_ahead.to_bytes()).await.map_err(|_| Ending::Gone)?;
        match self.connection.starttls().await {
            Ok(discarded) => {
                if discarded > 0 {
                    // RFC 3207 §4.2 / CVE-2011-0411: plaintext sent before the handshake is never a command.
                    warn!(discarded, "discarded bytes pipelined before the TLS handshake");
                }
                self.state.forget_for_tls();
                self.record_tls_version();
                Ok(None)
            }
            Err(error) => {
                debug!(%error, "STARTTLS handshake failed");
                Err(Ending::Gone)
            }
        }
    }
}
