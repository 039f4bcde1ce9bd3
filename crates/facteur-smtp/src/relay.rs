//! THE relay decision: where a recipient goes, or why we refuse it. Nothing else in the crate decides
//! whether mail may leave for another domain.
//!
//! An open relay is the one mistake a mail server cannot make, so the rule is small enough to read at a
//! glance and is judged on the address after `smtp-proto` has stripped source routes and quotes: whatever
//! the dressing (`user%other@ours`, `@a,@b:user@c`, `"user@other"@ours`, `User@OTHER.example.`), only the
//! real domain and the real local part count.
//!
//! The MX relays one kind of mail: to an SRS address of ours (`SRS0=…@ours`, the envelope sender we give mail a
//! Sieve script redirects), which goes on to the address it stands for once `facteur_delivery::Srs` has checked
//! that we signed it, not long ago. That is how a bounce of redirected mail reaches its sender.

use facteur_delivery::is_srs;

use crate::address::{Domain, Mailbox, has_routing_syntax};
use crate::settings::Face;

/// What to do with one `RCPT TO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteDecision {
    /// One of our domains: resolve the address in the store (550 5.1.1 if nothing matches).
    Local,
    /// Another domain, for an authenticated submission client: queue it for relaying.
    Remote,
    /// Another domain without authentication: `554 5.7.1`, we are not a relay.
    RefuseRelay,
    /// One of our domains, with a local part in SRS form: relay to the address it stands for if its signature
    /// and age hold, else `550 5.1.1` (the signature is what keeps this from being an open relay).
    Srs,
    /// One of our domains, but the local part hides a route (`%`, `!`, a quoted `@`): `554 5.7.1`, we do
    /// not forward on local-part syntax (RFC 5321 §3.6.1 lets a server refuse it).
    RefuseRoutingSyntax,
}

/// Decides the route of `recipient`. `domain_is_local` is the store's answer for its domain (ignored for
/// address literals, which are never ours). `authenticated` counts only on the submission face: the MX
/// never authenticates anyone, and must not relay even if a bug elsewhere said otherwise.
pub fn route_recipient(face: Face, authenticated: bool, recipient: &Mailbox, domain_is_local: bool) -> RouteDecision {
    let ours = domain_is_local && matches!(recipient.domain, Domain::Name(_));
    let may_relay = face == Face::Submission && authenticated;
    match (ours, may_relay) {
        (true, _) if has_routing_syntax(recipient) => RouteDecision::RefuseRoutingSyntax,
        (true, _) if is_srs(&recipient.local) => RouteDecision::Srs,
        (true, _) => RouteDecision::Local,
        (false, true) => RouteDecision::Remote,
        (false, false) => RouteDecision::RefuseRelay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(face: Face, authenticated: bool, address: &str, local: bool) -> RouteDecision {
        route_recipient(face, authenticated, &Mailbox::parse(address).unwrap(), local)
    }

    #[test]
    fn mx_accepts_local_domains_and_refuses_every_other() {
        assert_eq!(decide(Face::Mx, false, "alice@example.com", true), RouteDecision::Local);
        assert_eq!(decide(Face::Mx, false, "bob@other.net", false), RouteDecision::RefuseRelay);
    }

    #[test]
    fn mx_never_relays_even_when_told_the_client_is_authenticated() {
        assert_eq!(decide(Face::Mx, true, "bob@other.net", false), RouteDecision::RefuseRelay);
    }

    #[test]
    fn routing_syntax_in_a_local_domain_is_refused() {
        for address in ["bob%other.net@example.com", "other.net!bob@example.com", "bob@other.net@example.com"] {
            assert_eq!(decide(Face::Mx, false, address, true), RouteDecision::RefuseRoutingSyntax, "{address}");
            assert_eq!(decide(Face::Submission, true, address, true), RouteDecision::RefuseRoutingSyntax);
        }
    }

    #[test]
    fn srs_addresses_of_our_domains_go_to_the_signature_check_on_both_faces() {
        let srs = "SRS0=ABCDEF=AB=remote.test=carol@example.com";
        assert_eq!(decide(Face::Mx, false, srs, true), RouteDecision::Srs);
        assert_eq!(decide(Face::Submission, true, srs, true), RouteDecision::Srs);
        assert_eq!(decide(Face::Mx, false, "srs1=x=h==y@example.com", true), RouteDecision::Srs);
        assert_eq!(
            decide(Face::Mx, false, "SRS0=ABCDEF=AB=remote.test=carol@other.net", false),
            RouteDecision::RefuseRelay
        );
        assert_eq!(
            decide(Face::Mx, false, "SRS0=A=B=remote.test=a%b@example.com", true),
            RouteDecision::RefuseRoutingSyntax
        );
    }

    #[test]
    fn address_literals_are_never_local() {
        assert_eq!(decide(Face::Mx, false, "root@[127.0.0.1]", true), RouteDecision::RefuseRelay);
    }

    #[test]
    fn submission_relays_only_after_authentication() {
        assert_eq!(decide(Face::Submission, true, "bob@other.net", false), RouteDecision::Remote);
        assert_eq!(decide(Face::Submission, false, "bob@other.net", false), RouteDecision::RefuseRelay);
        assert_eq!(decide(Face::Submission, true, "alice@example.com", true), RouteDecision::Local);
    }
}
