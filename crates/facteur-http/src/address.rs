//! The e-mail addresses and domain names a request names, checked before anything is looked up or echoed.

use std::fmt;

/// RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the angle brackets.
const MAX_ADDRESS_LEN: usize = 254;
/// RFC 5321 §4.5.3.1.1.
const MAX_LOCAL_PART_LEN: usize = 64;
/// RFC 1035 §2.3.4 (253 without the trailing dot) and labels of at most 63 octets.
const MAX_DOMAIN_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// A syntactically valid domain name, lowercased, without a trailing dot: the form the store compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain(String);

impl Domain {
    /// Accepts what the store accepts (letters, digits, `-` and `_` in dot-separated labels); `None` for
    /// anything else, including IP literals, which are never one of our mail domains.
    pub fn parse(input: &str) -> Option<Domain> {
        let name = input.strip_suffix('.').unwrap_or(input).to_lowercase();
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LEN
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        };
        // RFC 3696 §2: a top-level label is never all digits, which also keeps IPv4 literals out.
        let numeric_top = name.rsplit('.').next().is_some_and(|top| top.bytes().all(|b| b.is_ascii_digit()));
        (name.len() <= MAX_DOMAIN_LEN && name.split('.').all(label_ok) && !numeric_top).then_some(Domain(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain with its first label removed (`autoconfig.example.com` → `example.com`), if that leaves one.
    pub fn without_first_label(&self, label: &str) -> Option<Domain> {
        let rest = self.0.strip_prefix(label)?.strip_prefix('.')?;
        Domain::parse(rest)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an address was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the address is longer than 254 octets")]
    TooLong,
    #[error("the address has no @")]
    NoAt,
    #[error("the part before @ is empty or longer than 64 octets")]
    BadLocalPart,
    #[error("the part after @ is not a domain name")]
    BadDomain,
    #[error("the address contains control characters")]
    ControlCharacter,
}

/// An address as the client typed it (the local part keeps its case and may hold any printable character,
/// quoted forms included, hence the escaping wherever it is echoed), with a checked domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    local_part: String,
    domain: Domain,
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<EmailAddress, AddressError> {
        let input = input.trim();
        if input.len() > MAX_ADDRESS_LEN {
            return Err(AddressError::TooLong);
        }
        if input.chars().any(char::is_control) {
            return Err(AddressError::ControlCharacter);
        }
        // The domain cannot contain '@', a quoted local part can: split at the last one.
        let (local_part, domain) = input.rsplit_once('@').ok_or(AddressError::NoAt)?;
        if local_part.is_empty() || local_part.len() > MAX_LOCAL_PART_LEN {
            return Err(AddressError::BadLocalPart);
        }
        let domain = Domain::parse(domain).ok_or(AddressError::BadDomain)?;
        // Lowercasing can lengthen a domain (`Ⱥ`, 2 octets, becomes `ⱥ`, 3): the limit holds for the address
        // as it is echoed, too.
        if local_part.len() + 1 + domain.as_str().len() > MAX_ADDRESS_LEN {
            return Err(AddressError::TooLong);
        }
        Ok(EmailAddress { local_part: local_part.to_owned(), domain })
    }

    pub fn domain(&self) -> &Domain {
        &self.domain
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local_part, self.domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_is_lowercased_and_loses_its_trailing_dot() {
        assert_eq!(Domain::parse("Example.COM.").map(|d| d.0), Some("example.com".to_owned()));
    }

    #[test]
    fn ip_literals_and_junk_are_not_domains() {
        for input in ["", "[127.0.0.1]", "127.0.0.1", "::1", "a..b", "-a.b", "a b.c", "exa<mple>.com", &"a".repeat(64)]
        {
            assert_eq!(Domain::parse(input), None, "{input:?}");
        }
    }

    #[test]
    fn first_label_is_removed_only_when_it_matches() {
        let host = Domain::parse("autoconfig.example.com").unwrap();
        assert_eq!(host.without_first_label("autoconfig").unwrap().as_str(), "example.com");
        assert_eq!(host.without_first_label("mta-sts"), None);
        assert_eq!(Domain::parse("autoconfig").unwrap().without_first_label("autoconfig"), None);
    }

    #[test]
    fn quoted_local_part_with_markup_characters_is_kept_as_typed() {
        let address = EmailAddress::parse(r#""A<b>&c"@Example.com"#).unwrap();
        assert_eq!(address.to_string(), r#""A<b>&c"@example.com"#);
        assert_eq!(address.domain().as_str(), "example.com");
    }

    /// Found while writing the `discovery_request` fuzz target's invariant (parsing an address as we echo it
    /// gives it back): 193 octets as typed, 256 once the domain was lowercased.
    #[test]
    fn the_length_limit_holds_for_the_address_as_echoed() {
        let label = "Ⱥ".repeat(21);
        let input = format!("{}@{label}.{label}.{label}.com", "a".repeat(60));
        assert!(input.len() <= MAX_ADDRESS_LEN);
        assert_eq!(EmailAddress::parse(&input), Err(AddressError::TooLong));
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        assert_eq!(EmailAddress::parse("nobody"), Err(AddressError::NoAt));
        assert_eq!(EmailAddress::parse("@example.com"), Err(AddressError::BadLocalPart));
        assert_eq!(EmailAddress::parse("a@"), Err(AddressError::BadDomain));
        assert_eq!(EmailAddress::parse("a\n@example.com"), Err(AddressError::ControlCharacter));
        assert_eq!(EmailAddress::parse(&format!("{}@example.com", "a".repeat(65))), Err(AddressError::BadLocalPart));
        assert_eq!(EmailAddress::parse(&format!("a@{}.com", "b.".repeat(130))), Err(AddressError::TooLong));
    }
}
