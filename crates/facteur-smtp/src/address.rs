//! Envelope addresses as routing decisions need them: split, with the domain normalised.
//!
//! `smtp-proto` has already removed angle brackets, quotes and any source route (`@a,@b:user@c` arrives as
//! `user@c`, which RFC 5321 §4.1.1.3 and Appendix C tell servers to do). What is left to judge is the
//! local part, which may still hide another address (`"user@other"@ours` arrives as `user@other@ours`),
//! and the domain, which may carry a trailing dot, upper case or an address literal.

use std::fmt;

/// The domain of an envelope address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Domain {
    /// Lowercased, without the trailing dot of an absolute name (`Example.COM.` → `example.com`).
    Name(String),
    /// `[192.0.2.1]` or `[IPv6:…]` (RFC 5321 §4.1.3), kept as written. Never one of ours.
    Literal(String),
}

/// An envelope address split at its last `@`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// As the client wrote it (case kept: RFC 5321 §2.4 says only the destination may interpret it).
    pub local: String,
    pub domain: Domain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the address has no @domain")]
    NoDomain,
    #[error("the local part is empty")]
    EmptyLocalPart,
    #[error("the domain is not a valid domain name")]
    InvalidDomain,
    #[error("the address contains spaces or control characters")]
    ForbiddenCharacters,
}

/// RFC 5321 §4.5.3.1.2: a domain name is at most 255 octets.
const MAX_DOMAIN_LEN: usize = 255;

impl Mailbox {
    /// Splits `local@domain` as `smtp-proto` delivers it.
    pub fn parse(address: &str) -> Result<Mailbox, AddressError> {
        if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AddressError::ForbiddenCharacters);
        }
        let (local, domain) = address.rsplit_once('@').ok_or(AddressError::NoDomain)?;
        if local.is_empty() {
            return Err(AddressError::EmptyLocalPart);
        }
        Ok(Mailbox { local: local.to_owned(), domain: parse_domain(domain)? })
    }

    /// Whether the local part carries syntax that old mailers read as "forward to another host": `%` (the
    /// "percent hack"), `!` (UUCP bang paths) or an `@` from a quoted local part. We never interpret it,
    /// and refuse it for our own domains so no downstream system can be tricked into relaying.
    pub fn has_routing_syntax(&self) -> bool {
        self.local.contains(['%', '!', '@'])
    }

    /// Non-ASCII anywhere: such an address needs the SMTPUTF8 parameter (RFC 6531 §3.4).
    pub fn is_ascii(&self) -> bool {
        self.local.is_ascii() && self.domain.as_str().is_ascii()
    }

    /// The domain name, if it is one (not an address literal).
    pub fn domain_name(&self) -> Option<&str> {
        match &self.domain {
            Domain::Name(name) => Some(name),
            Domain::Literal(_) => None,
        }
    }

    /// `local@domain`, lowercased: the form the store and ownership checks compare.
    pub fn normalized(&self) -> String {
        format!("{}@{}", self.local.to_lowercase(), self.domain.as_str())
    }
}

impl Domain {
    pub fn as_str(&self) -> &str {
        match self {
            Domain::Name(name) | Domain::Literal(name) => name,
        }
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain.as_str())
    }
}

fn parse_domain(domain: &str) -> Result<Domain, AddressError> {
    if domain.starts_with('[') && domain.ends_with(']') && domain.len() > 2 {
        return Ok(Domain::Literal(domain.to_owned()));
    }
    let name = domain.strip_suffix('.').unwrap_or(domain).to_lowercase();
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    };
    if name.len() > MAX_DOMAIN_LEN || !name.split('.').all(label_ok) {
        return Err(AddressError::InvalidDomain);
    }
    Ok(Domain::Name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_dot_and_case_are_normalised_in_the_domain_only() {
        let mailbox = Mailbox::parse("Alice@Example.COM.").unwrap();
        assert_eq!(mailbox.local, "Alice");
        assert_eq!(mailbox.domain, Domain::Name("example.com".into()));
        assert_eq!(mailbox.normalized(), "alice@example.com");
    }

    #[test]
    fn a_quoted_at_stays_in_the_local_part_and_is_routing_syntax() {
        let mailbox = Mailbox::parse("user@other.net@example.com").unwrap();
        assert_eq!(mailbox.local, "user@other.net");
        assert_eq!(mailbox.domain_name(), Some("example.com"));
        assert!(mailbox.has_routing_syntax());
    }

    #[test]
    fn percent_and_bang_are_routing_syntax() {
        assert!(Mailbox::parse("user%other.net@example.com").unwrap().has_routing_syntax());
        assert!(Mailbox::parse("other!user@example.com").unwrap().has_routing_syntax());
        assert!(!Mailbox::parse("first.last+tag@example.com").unwrap().has_routing_syntax());
    }

    #[test]
    fn address_literals_are_not_domain_names() {
        let mailbox = Mailbox::parse("root@[192.0.2.1]").unwrap();
        assert_eq!(mailbox.domain_name(), None);
    }

    #[test]
    fn malformed_addresses_are_refused() {
        assert_eq!(Mailbox::parse("alice"), Err(AddressError::NoDomain));
        assert_eq!(Mailbox::parse("@example.com"), Err(AddressError::EmptyLocalPart));
        for bad_domain in ["a@", "a@.", "a@x..org", "a@-x.org", "a@x/y.org"] {
            assert_eq!(Mailbox::parse(bad_domain), Err(AddressError::InvalidDomain), "{bad_domain}");
        }
        assert_eq!(Mailbox::parse("a b@example.com"), Err(AddressError::ForbiddenCharacters));
        assert_eq!(Mailbox::parse("a\0b@example.com"), Err(AddressError::ForbiddenCharacters));
    }

    #[test]
    fn utf8_addresses_are_recognised() {
        assert!(!Mailbox::parse("jürgen@example.com").unwrap().is_ascii());
        assert!(!Mailbox::parse("user@bücher.example").unwrap().is_ascii());
        assert!(Mailbox::parse("user@example.com").unwrap().is_ascii());
    }
}
