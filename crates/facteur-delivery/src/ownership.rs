//! THE sender ownership rule of submission, whatever the face (SMTP on 587/465, and next JMAP): which addresses
//! an authenticated account may use as envelope sender and in `From:` (RFC 6409 §6.1 lets the MSA enforce it;
//! we do, against spoofing).
//!
//! An account owns its own address, its `+tag` forms, and the explicit aliases that resolve to exactly that
//! account and nothing else. A catch-all does not give ownership: `@example.com → alice` would otherwise let
//! Alice send as `ceo@example.com`. An alias shared with others (`team@ → alice, bob`) does not either.

use facteur_message::{header_fields, parse_address_list};
use facteur_store::{Account, Resolution, Store, StoreError};

use facteur_primitives::Address as Mailbox;

/// Whether `account` may send as `sender`. `explicit_alias` is how the store resolves the explicit alias
/// named like `sender` (or like its untagged form), if there is one; see [`explicit_alias_of`].
pub fn sender_is_owned(account: &Account, sender: &Mailbox, explicit_alias: Option<&Resolution>) -> bool {
    if candidate_names(sender).contains(&account.address) {
        return true;
    }
    explicit_alias.is_some_and(|resolution| resolution.accounts == [account.id] && resolution.forwards.is_empty())
}

/// Whether `account` may send as `sender`, asking the store only when the address is not plainly its own.
pub async fn account_owns(store: &dyn Store, account: &Account, sender: &Mailbox) -> Result<bool, StoreError> {
    if sender_is_owned(account, sender, None) {
        return Ok(true);
    }
    let alias = explicit_alias_of(store, sender).await?;
    Ok(sender_is_owned(account, sender, alias.as_ref()))
}

/// The addresses of the message's `From:` field(s), which RFC 6409 §8 lets the MSA hold to the same rule as
/// the envelope sender. Group markers and addresses without a domain are skipped: there is nothing to own.
pub fn from_header_addresses(message: &[u8]) -> Vec<String> {
    header_fields(message)
        .filter(|field| field.name_is("From"))
        .flat_map(|field| parse_address_list(field.value))
        .filter_map(|address| address.addr_spec())
        .collect()
}

/// The facts [`sender_is_owned`] needs from the store: the resolution of the explicit alias (never the
/// catch-all) that `sender` or its untagged form names.
pub async fn explicit_alias_of(store: &dyn Store, sender: &Mailbox) -> Result<Option<Resolution>, StoreError> {
    let names = candidate_names(sender);
    let aliases = store.list_aliases().await?;
    let Some(alias) = aliases.iter().find(|alias| names.contains(&alias.alias)) else {
        return Ok(None);
    };
    store.resolve_recipient(&alias.alias).await
}

/// `local@domain` lowercased, and its form without a `+tag` (RFC 5233 sub-addressing) if it has one.
fn candidate_names(sender: &Mailbox) -> Vec<String> {
    let full = sender.normalized();
    let local = sender.local.to_lowercase();
    let mut names = vec![full];
    if let Some((base, _tag)) = local.split_once('+')
        && !base.is_empty()
    {
        names.push(format!("{base}@{}", sender.domain.as_str()));
    }
    names
}

#[cfg(test)]
mod tests {
    use facteur_store::AccountId;

    use super::*;

    fn alice() -> Account {
        Account {
            id: AccountId(7),
            address: "alice@example.com".into(),
            password_hash: String::new(),
            scram_sha256: None,
            admin: false,
            quota_bytes: None,
            used_bytes: 0,
        }
    }

    fn owned(address: &str, alias: Option<Resolution>) -> bool {
        sender_is_owned(&alice(), &Mailbox::parse(address).unwrap(), alias.as_ref())
    }

    fn resolution(accounts: &[i64], forwards: &[&str]) -> Resolution {
        Resolution {
            accounts: accounts.iter().copied().map(AccountId).collect(),
            forwards: forwards.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn from_addresses_are_collected_from_every_from_field() {
        let message = b"From: Alice <alice@example.com>, bob@example.com\r\nTo: x@y.org\r\nFrom: c@d.org\r\n\r\nFrom: body@not.header\r\n";
        assert_eq!(from_header_addresses(message), ["alice@example.com", "bob@example.com", "c@d.org"]);
        assert!(from_header_addresses(b"Subject: none\r\n\r\n").is_empty());
    }

    #[test]
    fn own_address_in_any_case_and_with_a_trailing_dot_is_owned() {
        assert!(owned("alice@example.com", None));
        assert!(owned("ALICE@Example.COM.", None));
    }

    #[test]
    fn tagged_forms_are_owned() {
        assert!(owned("alice+lists@example.com", None));
        assert!(!owned("alicex+lists@example.com", None));
    }

    #[test]
    fn someone_else_is_not_owned() {
        assert!(!owned("bob@example.com", None));
        assert!(!owned("alice@example.net", None));
    }

    #[test]
    fn an_alias_to_exactly_this_account_is_owned() {
        assert!(owned("sales@example.com", Some(resolution(&[7], &[]))));
    }

    #[test]
    fn a_shared_or_forwarding_alias_is_not_owned() {
        assert!(!owned("team@example.com", Some(resolution(&[7, 8], &[]))));
        assert!(!owned("team@example.com", Some(resolution(&[7], &["x@other.net"]))));
        assert!(!owned("bobs@example.com", Some(resolution(&[8], &[]))));
    }
}
