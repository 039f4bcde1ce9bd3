//! RCPT TO (RFC 5321 §4.1.1.3): relay control (`relay.rs` decides), recipient resolution by the store,
//! quota at the door, DSN parameters (RFC 3461 §4.1, §4.2).

use std::borrow::Cow;

use facteur_delivery::Srs;
use facteur_primitives::unix_now;
use facteur_store::{Fate, Notify, RecipientLookup, StoreError};
use smtp_proto::{
    RCPT_CONNEG, RCPT_NOTIFY_DELAY, RCPT_NOTIFY_FAILURE, RCPT_NOTIFY_NEVER, RCPT_NOTIFY_SUCCESS, RCPT_RRVS_CONTINUE,
    RCPT_RRVS_REJECT, RcptTo,
};
use tracing::info;

use crate::address::Mailbox;
use crate::envelope::{Destination, Envelope, Recipient, xtext_encode};
use crate::relay::{RouteDecision, route_recipient};
use crate::reply::Reply;
use crate::session::Session;

impl Session<'_> {
    pub(crate) async fn rcpt(&mut self, to: RcptTo<Cow<'_, str>>) -> Reply {
        let max_recipients = self.server.settings.max_recipients;
        let envelope = match self.state.envelope_for_recipient(max_recipients) {
            Ok(envelope) => envelope,
            Err(refusal) => return refusal,
        };
        if let Err(refusal) = self.check_sending_limits(envelope.recipients.len() + 1).await {
            return refusal;
        }
        let recipient = match self.recipient(&to, envelope).await {
            Ok(recipient) => self.greylist(envelope, &recipient).await.map(|()| recipient),
            Err(refusal) => Err(refusal),
        };
        match recipient {
            Ok(recipient) => {
                self.state.add_recipient(recipient);
                Reply::new(250, "2.1.5", "Recipient OK")
            }
            Err(refusal) => {
                let sender = envelope.sender.bracketed();
                self.record_inbound(&sender, &[to.address.to_string()], Fate::Refused, &refusal, None);
                refusal
            }
        }
    }

    async fn recipient(&self, to: &RcptTo<Cow<'_, str>>, envelope: &Envelope) -> Result<Recipient, Reply> {
        if to.flags & (RCPT_CONNEG | RCPT_RRVS_REJECT | RCPT_RRVS_CONTINUE) != 0 {
            return Err(Reply::new(555, "5.5.4", "Unsupported RCPT parameter"));
        }
        let mailbox = self.recipient_mailbox(&to.address).await?;
        if !mailbox.is_ascii() && !envelope.smtputf8 {
            return Err(Reply::new(553, "5.6.7", "Non-ASCII address requires the SMTPUTF8 parameter"));
        }
        let orcpt = to.orcpt.as_deref().map(|original| format!("rfc822;{}", xtext_encode(original)));
        let (mailbox, destination, orcpt) = match self.destination(&mailbox, envelope).await? {
            Routed::As(destination) => (mailbox, destination, orcpt),
            // RFC 3461 §4.2: the original recipient, for reports, is the SRS address the client named.
            Routed::Srs(original) => {
                let orcpt = orcpt.or_else(|| Some(format!("rfc822;{}", xtext_encode(&mailbox.to_string()))));
                (original, Destination::Remote, orcpt)
            }
        };
        Ok(Recipient { destination, notify: notify_of(to.flags), orcpt, mailbox })
    }

    /// `smtp-proto` turns `<postmaster>` (no domain, which RFC 5321 §4.5.1 says must be accepted) into an
    /// empty address; it means the postmaster of our first domain.
    async fn recipient_mailbox(&self, address: &str) -> Result<Mailbox, Reply> {
        if !address.is_empty() {
            return Mailbox::parse(address)
                .map_err(|error| Reply::new(501, "5.1.3", format!("Bad recipient address: {error}")));
        }
        let domains = self.server.store.list_domains().await.map_err(store_failure)?;
        let domain = domains.first().ok_or_else(no_such_user)?;
        Mailbox::parse(&format!("postmaster@{domain}")).map_err(|_| no_such_user())
    }

    /// Where the recipient's copy goes, or why it is refused. One store read answers every question RCPT
    /// asks (is the domain ours, who gets it, is there room), from one snapshot.
    async fn destination(&self, mailbox: &Mailbox, envelope: &Envelope) -> Result<Routed, Reply> {
        let lookup = match mailbox.domain_name() {
            Some(_) => match self.server.store.lookup_recipient(&mailbox.normalized()).await {
                Ok(lookup) => lookup,
                Err(StoreError::InvalidAddress(..)) => RecipientLookup::Unknown,
                Err(error) => return Err(store_failure(error)),
            },
            None => RecipientLookup::ForeignDomain,
        };
        let domain_is_local = lookup != RecipientLookup::ForeignDomain;
        let authenticated = self.state.authenticated.is_some();
        let size = envelope.declared_size.unwrap_or(0);
        match route_recipient(self.server.settings.face, authenticated, mailbox, domain_is_local) {
            RouteDecision::Local => local_destination(lookup, size).map(Routed::As),
            RouteDecision::Remote => Ok(Routed::As(Destination::Remote)),
            RouteDecision::Srs => match self.server.filtering.srs() {
                Some(srs) => self.srs_original(srs, mailbox).await.map(Routed::Srs),
                // Without a secret nothing was signed: the address is looked up as any other.
                None => local_destination(lookup, size).map(Routed::As),
            },
            RouteDecision::RefuseRelay => {
                info!(recipient = %mailbox, "relay attempt refused");
                Err(Reply::new(554, "5.7.1", "Relaying denied"))
            }
            RouteDecision::RefuseRoutingSyntax => {
                info!(recipient = %mailbox, "routing syntax in local part refused");
                Err(Reply::new(554, "5.7.1", "Relaying denied: no routing through local parts"))
            }
        }
    }
}

impl Session<'_> {
    /// The address the SRS address `mailbox` (one of our domains) stands for: another domain's, which we
    /// signed not more than [`facteur_delivery::SRS_MAX_AGE_DAYS`] days ago. Anything else is `550 5.1.1`,
    /// as for an unknown user: the client learns nothing of which check failed.
    async fn srs_original(&self, srs: &Srs, mailbox: &Mailbox) -> Result<Mailbox, Reply> {
        let refused = |why: &dyn std::fmt::Display| {
            info!(recipient = %mailbox, %why, "SRS address refused");
            no_such_user()
        };
        let original = srs.reverse(&mailbox.local, unix_now()).map_err(|error| refused(&error))?;
        let original = Mailbox::parse(&original).map_err(|error| refused(&error))?;
        // We never sign our own domains' senders; such an address cannot be ours.
        let foreign = match original.domain_name() {
            Some(domain) => !self.server.store.is_local_domain(domain.as_str()).await.map_err(store_failure)?,
            None => false,
        };
        if !foreign {
            return Err(refused(&"it stands for an address that is not another domain's"));
        }
        info!(recipient = %mailbox, to = %original, "SRS address: relayed to the sender it stands for");
        Ok(original)
    }
}

/// Where one RCPT goes.
enum Routed {
    /// The address as the client gave it, here or in the queue.
    As(Destination),
    /// An SRS address of ours: on, through the queue, to the address it stands for.
    Srs(Mailbox),
}

/// A local address: `550 5.1.1` if nobody has it, `452 4.2.2` if its mailbox cannot take the declared size
/// (RFC 5321 §3.3: each RCPT is answered alone, so a full mailbox refuses that recipient, temporarily (RFC 3463
/// X.2.2), and the others go on; a
/// message that only turns out too big at the end is delivered to the others and reported, see `persist.rs`).
fn local_destination(lookup: RecipientLookup, incoming: u64) -> Result<Destination, Reply> {
    match lookup {
        RecipientLookup::Local { resolution, room } => {
            if room.is_some_and(|room| room == 0 || incoming > room) {
                return Err(Reply::new(452, "4.2.2", "Mailbox full"));
            }
            Ok(Destination::Local(resolution))
        }
        RecipientLookup::Unknown | RecipientLookup::ForeignDomain => Err(no_such_user()),
    }
}

fn no_such_user() -> Reply {
    Reply::new(550, "5.1.1", "No such user here")
}

fn store_failure(error: StoreError) -> Reply {
    Reply::store_failure(&error, "RCPT")
}

/// RFC 3461 §4.1: NEVER alone, or any of SUCCESS, FAILURE, DELAY; absent means the default.
fn notify_of(flags: u64) -> Notify {
    if flags & RCPT_NOTIFY_NEVER != 0 {
        return Notify::NEVER;
    }
    let mut notify = None;
    for (flag, bit) in [
        (RCPT_NOTIFY_SUCCESS, Notify::SUCCESS),
        (RCPT_NOTIFY_FAILURE, Notify::FAILURE),
        (RCPT_NOTIFY_DELAY, Notify::DELAY),
    ] {
        if flags & flag != 0 {
            notify = Some(notify.map_or(bit, |set| set | bit));
        }
    }
    notify.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_flags_map_to_the_store_bitset() {
        assert_eq!(notify_of(0), Notify::default());
        assert_eq!(notify_of(RCPT_NOTIFY_NEVER), Notify::NEVER);
        assert_eq!(notify_of(RCPT_NOTIFY_SUCCESS | RCPT_NOTIFY_DELAY), Notify::SUCCESS | Notify::DELAY);
    }
}
