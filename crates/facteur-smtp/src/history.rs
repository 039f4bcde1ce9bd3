//! What the delivery history (`facteur_store::history`) hears of inbound mail: one event per recipient we
//! accepted or refused, with our reply, the client's name and address, and the session's TLS.

use facteur_store::{DeliveryEvent, Direction, Fate, QueueId};

use crate::reply::Reply;
use crate::session::Session;

impl Session<'_> {
    /// Records the fate of `recipients` of a message from `sender` (bracketed, `<>` for a bounce).
    pub(crate) fn record_inbound(
        &self,
        sender: &str,
        recipients: &[String],
        fate: Fate,
        reply: &Reply,
        queue_id: Option<QueueId>,
    ) {
        let sender = sender.trim_start_matches('<').trim_end_matches('>');
        let reply = reply_text(reply);
        let remote_host = self.state.greeting.as_ref().map_or("", |greeting| greeting.name.as_str());
        let account = self.state.authenticated.as_ref().map_or("", |account| account.address.as_str());
        let tls = self.connection.tls_protocol_version().map_or("", facteur_net::version_name);
        let events = recipients
            .iter()
            .map(|recipient| DeliveryEvent {
                at: facteur_primitives::unix_now(),
                direction: Direction::Inbound,
                fate,
                queue_id,
                sender: sender.to_owned(),
                recipient: recipient.clone(),
                account: account.to_owned(),
                remote_host: remote_host.to_owned(),
                remote_ip: self.connection.peer_addr().ip().to_string(),
                reply: reply.clone(),
                tls: tls.to_owned(),
                // Clients present no certificate to an MX: nothing is verified inbound.
                tls_verified: false,
                delay_secs: 0,
            })
            .collect();
        facteur_store::history::record(&self.server.store, events);
    }
}

/// A reply as one line: code, enhanced status and text.
fn reply_text(reply: &Reply) -> String {
    let status = reply.status.map(|status| format!(" {status}")).unwrap_or_default();
    format!("{}{status} {}", reply.code, reply.lines.join(" "))
}
