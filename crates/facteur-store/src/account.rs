//! Accounts, aliases and the address normalisation every lookup goes through.

use crate::error::StoreError;
use crate::ids::AccountId;

/// A local account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    /// Normalised (`local@domain`, both lowercased).
    pub address: String,
    /// Opaque to the store: produced and checked by `facteur-auth`.
    pub password_hash: String,
    /// The SCRAM-SHA-256 verifier of the same password (RFC 5803's text form), opaque to the store like the
    /// hash. `None` until one is stored for the current password: setting a password clears it.
    pub scram_sha256: Option<String>,
    /// `None` means unlimited.
    pub quota_bytes: Option<u64>,
    /// Sum of the sizes of the account's messages, kept in the same transactions that change them.
    pub used_bytes: u64,
    /// May use the admin page (accounts, domains, the queue, the delivery indicators). Set with
    /// `facteur account add --admin` or `facteur account admin ADDRESS on|off`.
    pub admin: bool,
}

/// An alias: `local@domain`, or the catch-all `@domain`, forwarding to one or more addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub alias: String,
    /// Normalised addresses, sorted: local accounts, other aliases (one level is followed) or remote addresses.
    pub targets: Vec<String>,
}

/// Where mail for one address goes, as decided by [`crate::Store::resolve_recipient`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolution {
    /// Local accounts to deliver to, without duplicates.
    pub accounts: Vec<AccountId>,
    /// Remote addresses an alias forwards to (for the outbound queue), without duplicates.
    pub forwards: Vec<String>,
}

/// What RCPT needs to know about an address, read in one snapshot (RFC 5321 §3.3: refuse at RCPT, not by a
/// bounce later), as decided by [`crate::Store::lookup_recipient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientLookup {
    /// The domain is not one of ours: the mail is for elsewhere (relaying, or remote delivery).
    ForeignDomain,
    /// One of our domains, but no account, alias or catch-all takes the address.
    Unknown,
    /// One of our domains, and where the mail goes.
    Local {
        resolution: Resolution,
        /// The smallest free quota among the accounts, in bytes; `None` when none of them has a quota.
        room: Option<u64>,
    },
}

/// A normalised address split at its last `@`. The local part is empty for a catch-all alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    pub local: String,
    pub domain: String,
}

impl Address {
    /// Checks `local@domain` by the one syntax rule (`facteur-primitives`) and lowercases both sides.
    pub fn parse(input: &str) -> Result<Address, StoreError> {
        let address = facteur_primitives::Address::parse(input)
            .map_err(|error| StoreError::InvalidAddress(input.to_owned(), error.to_string()))?;
        // A quoted local part may hold an `@` (SMTP judges it as routing syntax); no account or alias does.
        if address.local.contains('@') {
            return Err(StoreError::InvalidAddress(input.to_owned(), "there is more than one @".into()));
        }
        let Some(domain) = address.domain_name() else {
            return Err(StoreError::InvalidAddress(input.to_owned(), "an address literal is not a mail domain".into()));
        };
        Ok(Address { local: address.local.to_lowercase(), domain: domain.as_str().to_owned() })
    }

    /// Like [`Address::parse`] but also accepts the catch-all form `@domain`.
    pub fn parse_pattern(input: &str) -> Result<Address, StoreError> {
        match input.strip_prefix('@') {
            Some(domain) => Ok(Address { local: String::new(), domain: normalize_domain(domain)? }),
            None => Address::parse(input),
        }
    }

    /// `user+tag@domain` → `user@domain` (sub-addressing, RFC 5233 style), if there is a tag.
    pub fn without_subaddress(&self) -> Option<Address> {
        let (user, _tag) = self.local.split_once('+')?;
        (!user.is_empty()).then(|| Address { local: user.to_owned(), domain: self.domain.clone() })
    }

    /// The catch-all alias of this address's domain.
    pub fn catch_all(&self) -> String {
        format!("@{}", self.domain)
    }

    /// A role address every mail domain must answer even when nobody set it up: `postmaster` (RFC 5321
    /// §4.5.1: DMARC and TLS-RPT reports and complaints go there too) and `abuse` (RFC 2142 §2). Without an
    /// account or alias of its own, it reaches the domain's first account, else the server's first.
    pub fn is_role_address(&self) -> bool {
        matches!(self.local.as_str(), "postmaster" | "abuse")
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// Most targets one alias may have: enough for a team list, bounded so one address cannot fan out unboundedly.
pub(crate) const MAX_ALIAS_TARGETS: usize = 1000;

/// A domain name by the one syntax rule, lowercased and without a trailing dot.
pub(crate) fn normalize_domain(input: &str) -> Result<String, StoreError> {
    facteur_primitives::DomainName::parse(input)
        .map(facteur_primitives::DomainName::into_string)
        .map_err(|error| StoreError::InvalidAddress(input.to_owned(), error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_lowercased_on_both_sides() {
        let address = Address::parse("Alice.Smith@Example.COM").unwrap();
        assert_eq!(address.to_string(), "alice.smith@example.com");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in ["", "alice", "@example.com", "a@", "a b@x.org", "a@b@c.org", "a@-x.org", "a@x..org", "<a@x.org>"] {
            assert!(Address::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Address::parse(&format!("{}@x.org", "a".repeat(300))).is_err());
    }

    #[test]
    fn catch_all_pattern_has_an_empty_local_part() {
        let pattern = Address::parse_pattern("@Example.com").unwrap();
        assert_eq!((pattern.local.as_str(), pattern.domain.as_str()), ("", "example.com"));
    }

    #[test]
    fn subaddress_tag_is_dropped_at_the_first_plus() {
        let address = Address::parse("bob+lists+x@example.com").unwrap();
        assert_eq!(address.without_subaddress().unwrap().to_string(), "bob@example.com");
        assert_eq!(Address::parse("+x@example.com").unwrap().without_subaddress(), None);
        assert_eq!(Address::parse("bob@example.com").unwrap().without_subaddress(), None);
    }
}

/// An account's out-of-office reply (JMAP VacationResponse, RFC 8621 §8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vacation {
    pub enabled: bool,
    /// Unix seconds; replies only from then.
    pub from_date: Option<i64>,
    /// Unix seconds; replies only before then.
    pub to_date: Option<i64>,
    pub subject: Option<String>,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
}

/// A `vacations` row that says more than the defaults, in SQL both backends read (`enabled` is a truth value
/// in each).
pub(crate) const VACATION_SET_SQL: &str = "enabled OR from_date IS NOT NULL OR to_date IS NOT NULL \
     OR subject IS NOT NULL OR text_body IS NOT NULL OR html_body IS NOT NULL";

impl Vacation {
    /// Whether replies go out at `now`.
    pub fn active_at(&self, now: i64) -> bool {
        self.enabled && self.from_date.is_none_or(|from| from <= now) && self.to_date.is_none_or(|to| now < to)
    }
}

/// A sending identity (JMAP Identity, RFC 8621 §6): how the account presents itself from one of its addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Set by the store; ignored when creating.
    pub id: i64,
    pub name: String,
    /// An address the account may send as (the caller checks, with the submission rules).
    pub email: String,
    /// Opaque to the store: the JSON of the client's EmailAddress list.
    pub reply_to: Option<String>,
    pub bcc: Option<String>,
    pub text_signature: String,
    pub html_signature: String,
}
