//! The e-mail address a request names, checked by the one syntax rule (`facteur-primitives`) before anything
//! is looked up or echoed.

use std::fmt;

use facteur_primitives::{Address, AddressError, Domain, DomainName};

/// An address as the client typed it, with a domain name (an address literal is never one of our domains).
/// The local part keeps its case and may hold quoted characters, hence the escaping wherever it is echoed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    local_part: String,
    domain: DomainName,
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<EmailAddress, AddressError> {
        let address = Address::parse(input.trim())?;
        let Domain::Name(domain) = address.domain else {
            return Err(AddressError::InvalidDomain);
        };
        Ok(EmailAddress { local_part: address.local, domain })
    }

    pub fn domain(&self) -> &DomainName {
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
    fn quoted_local_part_with_markup_characters_is_kept_as_typed() {
        let address = EmailAddress::parse(r#" "A&b'c"@Example.com "#).unwrap();
        assert_eq!(address.to_string(), r#""A&b'c"@example.com"#);
        assert_eq!(address.domain().as_str(), "example.com");
    }

    #[test]
    fn an_address_literal_is_not_a_domain_of_ours() {
        assert_eq!(EmailAddress::parse("root@[127.0.0.1]"), Err(AddressError::InvalidDomain));
    }
}
