//! IDLE (RFC 2177, RFC 9051 §6.3.13): changes to the selected mailbox are reported as they happen, woken by
//! the store's change bus, until the client sends DONE.

use facteur_imap_proto::StatusResponse;
use tokio::sync::broadcast::error::RecvError;

use crate::io::{Ending, Input};
use crate::session::Session;
use crate::state::State;

impl Session<'_> {
    pub(crate) async fn idle(&mut self) -> Result<StatusResponse, Ending> {
        self.client.start_idle();
        let result = self.wait_in_idle().await;
        self.client.end_idle();
        result
    }

    /// Reports changes until DONE.
    async fn wait_in_idle(&mut self) -> Result<StatusResponse, Ending> {
        self.client.continue_request("idling");
        self.catch_up(true, true).await?;
        // RFC 9051 §5.4: the autologout timer runs through IDLE; clients re-issue it every 29 minutes.
        let deadline = tokio::time::Instant::now() + self.patience();
        let mut bus_open = true;
        loop {
            match self.client.reader.next_line() {
                Ok(Some(line)) if line.trim_ascii().eq_ignore_ascii_case(b"DONE") => {
                    return Ok(StatusResponse::ok(None, "IDLE terminated"));
                }
                Ok(Some(_)) | Err(_) => return Ok(StatusResponse::bad(None, "Expected DONE")),
                Ok(None) => {}
            }
            self.client.flush().await?;
            // What a wake-up sent is gone: an idling session holds no output buffer.
            self.client.release_output();
            tokio::select! {
                input = self.client.receive(&mut self.shutdown, deadline) => match input? {
                    Input::Received => {}
                    Input::Closed => return Err(Ending::Gone),
                    Input::Shutdown => return Err(self.client.goodbye("Server shutting down").await),
                },
                change = self.bus.recv(), if bus_open => {
                    let State::Selected(_, selected) = &mut self.state else { continue };
                    match change {
                        Ok(change) if change.mailbox == selected.id => selected.dirty = true,
                        Ok(_) => continue,
                        Err(RecvError::Lagged(_)) => selected.dirty = true,
                        Err(RecvError::Closed) => bus_open = false,
                    }
                    self.catch_up(true, false).await?;
                }
            }
        }
    }
}
