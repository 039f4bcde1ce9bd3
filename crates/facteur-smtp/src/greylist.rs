//! Greylisting at RCPT on the MX face (RFC 6647, `[spam] greylisting`, off by default): the first attempt of a
//! client network, sender and recipient is told to retry (451 4.7.1). Real mail servers retry; much spamware
//! does not. Mail from someone the recipient writes to is never delayed: it is wanted, and waiting for it is
//! what makes people turn greylisting off.

use std::net::IpAddr;

use facteur_primitives::unix_now;
use facteur_store::Greylisting;
use tracing::{info, warn};

use crate::envelope::{Destination, Envelope, Recipient};
use crate::reply::Reply;
use crate::session::Session;
use crate::settings::Face;

impl Session<'_> {
    /// `Err` with the 451 when this attempt is the greylisted kind.
    pub(crate) async fn greylist(&self, envelope: &Envelope, recipient: &Recipient) -> Result<(), Reply> {
        let Some(policy) = self.greylisting() else { return Ok(()) };
        let Destination::Local(resolution) = &recipient.destination else { return Ok(()) };
        let sender = envelope.sender.address().to_lowercase();
        for &account in &resolution.accounts {
            if self.server.store.spam_profile(account, &sender).await.is_ok_and(|profile| profile.correspondent) {
                return Ok(());
            }
        }
        let network = greylist_network(self.connection.peer_addr().ip());
        let key = format!("{network}|{sender}|{}", recipient.mailbox.to_string().to_lowercase());
        match self.server.store.greylist(&key, unix_now(), policy).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                info!(%network, sender = %envelope.sender.bracketed(), recipient = %recipient.mailbox, "greylisted");
                Err(Reply::new(451, "4.7.1", format!("Greylisted: please try again in {} seconds", policy.delay)))
            }
            Err(error) => {
                // A store that cannot answer must not hold mail back for a check that is only a delay.
                warn!(%error, "greylisting could not be checked; the recipient passes");
                Ok(())
            }
        }
    }

    fn greylisting(&self) -> Option<Greylisting> {
        if self.server.settings.face != Face::Mx {
            return None;
        }
        self.server.spam.as_ref()?.greylisting
    }
}

/// The network a client's retries come from: mail farms retry from another address of the same /24 (IPv4) or
/// /64 (IPv6), RFC 6647 §4.4.
fn greylist_network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(std::net::Ipv4Addr::from_bits(v4.to_bits() & 0xffff_ff00)),
        v6 => facteur_primitives::client_network(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_from_the_same_network_are_one_client() {
        let network = |ip: &str| greylist_network(ip.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)));
        assert_eq!(network("192.0.2.7"), network("192.0.2.200"));
        assert_ne!(network("192.0.2.7"), network("192.0.3.7"));
        assert_eq!(network("2001:db8::1"), network("2001:db8::ffff"));
        assert_eq!(network("::ffff:192.0.2.9"), network("192.0.2.1"));
    }
}
