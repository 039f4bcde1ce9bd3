//! Domain names and addresses, checked once by the same rule wherever they arrive: an SMTP envelope, a CLI
//! argument the store keeps, an autoconfig query. Three copies of this rule used to disagree (one took a
//! trailing dot, one an all-numeric top label, one a 300-octet address); now a name is good everywhere or
//! nowhere.
//!
//! The rule is RFC 5321's, narrowed where nothing legitimate needs the width: no white space or control
//! characters even in a quoted local part, and no `<`, `>` or `,` (which only ever appear in an address to
//! smuggle a second one past a naive parser).

use std::fmt;

/// RFC 5321 §4.5.3.1.3: a path is at most 256 octets including its angle brackets.
pub const MAX_ADDRESS_LEN: usize = 254;
/// RFC 5321 §4.5.3.1.1.
pub const MAX_LOCAL_PART_LEN: usize = 64;
/// RFC 1035 §2.3.4: 255 octets on the wire, 253 written out without the trailing dot.
pub const MAX_DOMAIN_LEN: usize = 253;
/// RFC 1035 §2.3.4.
const MAX_LABEL_LEN: usize = 63;

/// Why a name or an address was refused; the message is fit for an SMTP reply or a CLI error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the address is longer than 254 octets")]
    TooLong,
    #[error("the address has no @domain")]
    NoDomain,
    #[error("the local part is empty")]
    EmptyLocalPart,
    #[error("the local part is longer than 64 octets")]
    LocalPartTooLong,
    #[error("the domain is not a valid domain name")]
    InvalidDomain,
    #[error("the address contains spaces, control characters, angle brackets or commas")]
    ForbiddenCharacters,
}

/// A syntactically valid domain name: lowercased, without the trailing dot of an absolute name, labels of
/// letters (any script: U-labels of internationalised names), digits, `-` and `_`. The form the store
/// compares and every document names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

impl DomainName {
    /// `Example.COM.` → `example.com`. IP addresses are refused: RFC 3696 §2 says a top-level label is never
    /// all digits, which also keeps a bare `192.0.2.1` from passing as a name.
    pub fn parse(input: &str) -> Result<DomainName, AddressError> {
        let name = input.strip_suffix('.').unwrap_or(input).to_lowercase();
        let numeric_top = name.rsplit('.').next().is_some_and(|top| top.bytes().all(|b| b.is_ascii_digit()));
        if name.len() > MAX_DOMAIN_LEN || numeric_top || !name.split('.').all(label_is_valid) {
            return Err(AddressError::InvalidDomain);
        }
        Ok(DomainName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The name with its first label removed (`autoconfig.example.com` → `example.com`), if that label is
    /// `label` and a name is left.
    pub fn without_first_label(&self, label: &str) -> Option<DomainName> {
        let rest = self.0.strip_prefix(label)?.strip_prefix('.')?;
        DomainName::parse(rest).ok()
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for DomainName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn label_is_valid(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// The domain of an address: a name, or an address literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Domain {
    Name(DomainName),
    /// `[192.0.2.1]` or `[IPv6:…]` (RFC 5321 §4.1.3), kept as written. Never one of our mail domains.
    Literal(String),
}

impl Domain {
    pub fn parse(input: &str) -> Result<Domain, AddressError> {
        if input.starts_with('[') && input.ends_with(']') && input.len() > 2 {
            return Ok(Domain::Literal(input.to_owned()));
        }
        DomainName::parse(input).map(Domain::Name)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Domain::Name(name) => name.as_str(),
            Domain::Literal(literal) => literal,
        }
    }

    /// The domain name, if it is one (not an address literal).
    pub fn name(&self) -> Option<&DomainName> {
        match self {
            Domain::Name(name) => Some(name),
            Domain::Literal(_) => None,
        }
    }
}

/// The domain of an address as it was written (an envelope's, a header field's), lowercased: what SPF, DMARC,
/// DNS lists and alignment look up. No syntax check beyond the last `@` and a non-empty domain, which suits
/// addresses already accepted or only looked at; `None` for the null sender and for an address without one.
pub fn domain_of(address: &str) -> Option<String> {
    address.rsplit_once('@').map(|(_, domain)| domain.to_ascii_lowercase()).filter(|domain| !domain.is_empty())
}

/// `local@domain`, split at the last `@` (a quoted local part may hold one; the domain never does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// As written: RFC 5321 §2.4 says only the destination may interpret its case.
    pub local: String,
    pub domain: Domain,
}

impl Address {
    pub fn parse(input: &str) -> Result<Address, AddressError> {
        if input.len() > MAX_ADDRESS_LEN {
            return Err(AddressError::TooLong);
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',')) {
            return Err(AddressError::ForbiddenCharacters);
        }
        let (local, domain) = input.rsplit_once('@').ok_or(AddressError::NoDomain)?;
        if local.is_empty() {
            return Err(AddressError::EmptyLocalPart);
        }
        if local.len() > MAX_LOCAL_PART_LEN {
            return Err(AddressError::LocalPartTooLong);
        }
        let domain = Domain::parse(domain)?;
        // Lowercasing can lengthen a domain (`Ⱥ`, 2 octets, is `ⱥ`, 3): the limit holds for the address as it
        // is stored and echoed, too.
        if local.len() + 1 + domain.as_str().len() > MAX_ADDRESS_LEN {
            return Err(AddressError::TooLong);
        }
        Ok(Address { local: local.to_owned(), domain })
    }

    /// The domain name, if it is one (not an address literal).
    pub fn domain_name(&self) -> Option<&DomainName> {
        self.domain.name()
    }

    /// `local@domain`, lowercased: the form the store keys accounts by. Matching is case-insensitive even
    /// though RFC 5321 §2.4 lets a local part be case-sensitive: every server users meet treats it so.
    pub fn normalized(&self) -> String {
        format!("{}@{}", self.local.to_lowercase(), self.domain.as_str())
    }

    /// Non-ASCII anywhere: such an address needs SMTPUTF8 (RFC 6531 §3.4).
    pub fn is_ascii(&self) -> bool {
        self.local.is_ascii() && self.domain.as_str().is_ascii()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(input: &str) -> Option<String> {
        DomainName::parse(input).ok().map(DomainName::into_string)
    }

    #[test]
    fn a_domain_loses_case_and_its_trailing_dot() {
        assert_eq!(name("Example.COM."), Some("example.com".to_owned()));
        assert_eq!(name("bücher.example"), Some("bücher.example".to_owned()));
        assert_eq!(name("_dmarc.example.com"), Some("_dmarc.example.com".to_owned()));
    }

    #[test]
    fn ip_addresses_and_junk_are_not_domain_names() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}com", "abcdefghi.".repeat(26));
        for input in
            ["", ".", "127.0.0.1", "::1", "[127.0.0.1]", "a..b", "-a.b", "a-.b", "a b.c", "exa<mple>.com", "x/y.org"]
        {
            assert_eq!(name(input), None, "{input:?}");
        }
        assert_eq!(name(&long_label), None);
        assert_eq!(name(&long_name), None);
    }

    #[test]
    fn first_label_is_removed_only_when_it_matches() {
        let host = DomainName::parse("autoconfig.example.com").unwrap();
        assert_eq!(host.without_first_label("autoconfig").unwrap().as_str(), "example.com");
        assert_eq!(host.without_first_label("mta-sts"), None);
        assert_eq!(DomainName::parse("autoconfig").unwrap().without_first_label("autoconfig"), None);
    }

    #[test]
    fn an_address_keeps_its_local_part_and_normalises_its_domain() {
        let address = Address::parse("Alice@Example.COM.").unwrap();
        assert_eq!(address.local, "Alice");
        assert_eq!(address.domain_name().map(DomainName::as_str), Some("example.com"));
        assert_eq!(address.normalized(), "alice@example.com");
        assert_eq!(address.to_string(), "Alice@example.com");
    }

    #[test]
    fn the_last_at_splits_and_literals_are_domains_but_not_names() {
        let quoted = Address::parse("user@other.net@example.com").unwrap();
        assert_eq!(quoted.local, "user@other.net");
        let literal = Address::parse("root@[192.0.2.1]").unwrap();
        assert_eq!(literal.domain, Domain::Literal("[192.0.2.1]".into()));
        assert_eq!(literal.domain_name(), None);
    }

    #[test]
    fn malformed_addresses_are_refused_with_their_reason() {
        assert_eq!(Address::parse("alice"), Err(AddressError::NoDomain));
        assert_eq!(Address::parse("@example.com"), Err(AddressError::EmptyLocalPart));
        assert_eq!(Address::parse("a@"), Err(AddressError::InvalidDomain));
        assert_eq!(Address::parse("a@x..org"), Err(AddressError::InvalidDomain));
        for forbidden in ["a b@example.com", "a\0b@example.com", "a\n@example.com", "<a@x.org>", "a,b@x.org"] {
            assert_eq!(Address::parse(forbidden), Err(AddressError::ForbiddenCharacters), "{forbidden:?}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(Address::parse(&long_local), Err(AddressError::LocalPartTooLong));
        let long = format!("a@{}.com", "b.".repeat(130));
        assert_eq!(Address::parse(&long), Err(AddressError::TooLong));
    }

    #[test]
    fn the_length_limit_holds_for_the_address_as_lowercased() {
        // Found by the discovery_request fuzz target: 193 octets as typed, 256 once the domain is lowercased.
        let label = "Ⱥ".repeat(21);
        let input = format!("{}@{label}.{label}.{label}.com", "a".repeat(60));
        assert!(input.len() <= MAX_ADDRESS_LEN);
        assert_eq!(Address::parse(&input), Err(AddressError::TooLong));
    }

    #[test]
    fn utf8_addresses_are_recognised() {
        assert!(!Address::parse("jürgen@example.com").unwrap().is_ascii());
        assert!(!Address::parse("user@bücher.example").unwrap().is_ascii());
        assert!(Address::parse("user@example.com").unwrap().is_ascii());
    }
}
