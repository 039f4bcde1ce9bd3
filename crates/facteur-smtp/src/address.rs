//! Envelope addresses as routing decisions need them. The syntax rule itself is `facteur-primitives`'s, shared
//! with the store and the web faces; what is SMTP's own is the judgement of routing syntax.
//!
//! `smtp-proto` has already removed angle brackets, quotes and any source route (`@a,@b:user@c` arrives as
//! `user@c`, which RFC 5321 §4.1.1.3 and Appendix C tell servers to do). What is left to judge is the
//! local part, which may still hide another address (`"user@other"@ours` arrives as `user@other@ours`).

/// An envelope mailbox (RFC 5321 §4.1.2 `Mailbox`): `local@domain` by the one syntax rule.
pub use facteur_primitives::{Address as Mailbox, Domain};

/// Whether the local part carries syntax that old mailers read as "forward to another host": `%` (the
/// "percent hack"), `!` (UUCP bang paths) or an `@` from a quoted local part. We never interpret it, and
/// refuse it for our own domains so no downstream system can be tricked into relaying.
pub fn has_routing_syntax(mailbox: &Mailbox) -> bool {
    mailbox.local.contains(['%', '!', '@'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_at_stays_in_the_local_part_and_is_routing_syntax() {
        let mailbox = Mailbox::parse("user@other.net@example.com").unwrap();
        assert_eq!(mailbox.local, "user@other.net");
        assert_eq!(mailbox.domain_name().map(|name| name.as_str()), Some("example.com"));
        assert!(has_routing_syntax(&mailbox));
    }

    #[test]
    fn percent_and_bang_are_routing_syntax() {
        let routing = |address: &str| has_routing_syntax(&Mailbox::parse(address).unwrap());
        assert!(routing("user%other.net@example.com"));
        assert!(routing("other!user@example.com"));
        assert!(!routing("first.last+tag@example.com"));
    }
}
