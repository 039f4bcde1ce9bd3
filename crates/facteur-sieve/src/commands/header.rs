//! RFC 5228 §5.1 `address`, §5.4 `envelope`, §5.5 `exists`, §5.7 `header`; `:index`/`:last` of RFC 5260
//! §6; `:user`/`:detail` of RFC 5233.

use super::Test;
use crate::capability::Capability;
use crate::error::{CompileError, Position, RuntimeError};
use crate::matching::Matcher;
use crate::message::{decoded_value, unfolded_value};
use crate::run::{Run, Scope};
use crate::syntax::TestNode;
use crate::text::Text;
use crate::validate::arguments::Args;
use crate::validate::match_options::{AddressPart, Allow, Index, MatchOptions};
use crate::validate::{Validator, no_subtests};

/// RFC 5233 §2: the separator between user and detail (as Pigeonhole's default `recipient_delimiter`).
const SUBADDRESS_SEPARATOR: char = '+';

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exists {
    names: Vec<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeaderTest {
    matcher: Matcher,
    index: Option<Index>,
    names: Vec<Text>,
    keys: Vec<Text>,
    position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddressTest {
    matcher: Matcher,
    part: AddressPart,
    index: Option<Index>,
    names: Vec<Text>,
    keys: Vec<Text>,
    position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvelopeTest {
    matcher: Matcher,
    part: AddressPart,
    fields: Vec<Text>,
    keys: Vec<Text>,
    position: Position,
}

pub(crate) fn validate(v: &mut Validator, node: &TestNode) -> Result<Test, CompileError> {
    no_subtests(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    if node.name == "exists" {
        if let Some((tag, at)) = args.tag() {
            return Err(args.unknown_tag(tag, at));
        }
        let (names, at) = args.string_list("the header names")?;
        args.done()?;
        return Ok(Test::Exists(Exists { names: v.texts(names, at)? }));
    }
    if node.name == "envelope" {
        v.need(Capability::Envelope, node.position, "envelope")?;
    }
    let allow = Allow { address_part: node.name != "header", index: node.name != "envelope" };
    let options = MatchOptions::read(v, &mut args, allow)?;
    let (names, names_at) = args.string_list("the header names")?;
    let (keys, keys_at) = args.string_list("the keys")?;
    args.done()?;
    let matcher = options.matcher(&node.name)?;
    let (names, keys, position) = (v.texts(names, names_at)?, v.keys(matcher, keys, keys_at)?, node.position);
    let part = options.address_part.unwrap_or_default();
    Ok(match node.name.as_str() {
        "header" => Test::Header(HeaderTest { matcher, index: options.index()?, names, keys, position }),
        "address" => {
            check_address_headers(&names, names_at)?;
            Test::Address(AddressTest { matcher, part, index: options.index()?, names, keys, position })
        }
        _ => {
            check_envelope_parts(&names, names_at)?;
            Test::Envelope(EnvelopeTest { matcher, part, fields: names, keys, position })
        }
    })
}

/// RFC 5228 §5.1: the address test works on header fields that hold addresses.
/// Pigeonhole refuses others too, `X-` fields included.
const ADDRESS_HEADERS: [&str; 19] = [
    "from",
    "to",
    "cc",
    "bcc",
    "sender",
    "reply-to",
    "resent-from",
    "resent-to",
    "resent-cc",
    "resent-bcc",
    "resent-sender",
    "resent-reply-to",
    "return-path",
    "delivered-to",
    "envelope-to",
    "errors-to",
    "disposition-notification-to",
    "mail-followup-to",
    "mail-reply-to",
];

fn check_address_headers(names: &[Text], at: Position) -> Result<(), CompileError> {
    for name in names.iter().filter_map(Text::constant) {
        let lower = name.to_ascii_lowercase();
        if !ADDRESS_HEADERS.contains(&lower.as_str()) {
            return Err(CompileError::at(at, format!("address: header {name:?} does not hold addresses")));
        }
    }
    Ok(())
}

/// RFC 5228 §5.4: "from" and "to"; "auth" is the authenticated submitter (RFC 4954 §5), as Pigeonhole has it.
fn check_envelope_parts(names: &[Text], at: Position) -> Result<(), CompileError> {
    for name in names.iter().filter_map(Text::constant) {
        if !matches!(name.to_ascii_lowercase().as_str(), "from" | "to" | "auth") {
            return Err(CompileError::at(at, format!("envelope: unknown envelope part {name:?} (from, to, auth)")));
        }
    }
    Ok(())
}

/// RFC 5260 §6: keep only the chosen occurrence.
pub(crate) fn pick<T>(mut values: Vec<T>, index: Option<Index>) -> Vec<T> {
    let Some(index) = index else { return values };
    let Ok(number) = usize::try_from(index.number) else { return Vec::new() };
    let position = if index.last { values.len().checked_sub(number) } else { Some(number - 1) };
    match position.filter(|&p| p < values.len()) {
        Some(p) => vec![values.swap_remove(p)],
        None => Vec::new(),
    }
}

impl Exists {
    /// True when every named field is present (RFC 5228 §5.5).
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> bool {
        run.expand_all(scope, &self.names).iter().all(|name| !run.header_values(name).is_empty())
    }
}

impl HeaderTest {
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> Result<bool, RuntimeError> {
        let names = run.expand_all(scope, &self.names);
        let mut values = Vec::new();
        for name in &names {
            let raw: Vec<String> = run.header_values(name).into_iter().map(decoded_value).collect();
            values.extend(pick(raw, self.index));
        }
        run.match_values(scope, self.matcher, &values, &self.keys, self.position)
    }
}

impl AddressTest {
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> Result<bool, RuntimeError> {
        let names = run.expand_all(scope, &self.names);
        let mut values = Vec::new();
        for name in &names {
            let fields: Vec<String> = run.header_values(name).into_iter().map(unfolded_value).collect();
            for field in pick(fields, self.index) {
                let addresses = addresses_in(&field);
                if addresses.is_empty() && !field.is_empty() {
                    // Not an address list (`undisclosed-recipients:;` included, as Pigeonhole reads it): `:all`
                    // still sees the text, the other parts see nothing.
                    values.extend((self.part == AddressPart::All).then_some(field));
                    continue;
                }
                values.extend(addresses.iter().filter_map(|address| self.part.of(address)));
            }
        }
        run.match_values(scope, self.matcher, &values, &self.keys, self.position)
    }
}

/// The addresses of a header field. Entries without a domain are left out: in the ENVELOPE shape
/// `facteur-message` gives, they cannot be told apart from group markers.
fn addresses_in(field: &str) -> Vec<String> {
    facteur_message::parse_address_list(field.as_bytes())
        .iter()
        .filter_map(facteur_message::Address::addr_spec)
        .collect()
}

impl EnvelopeTest {
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> Result<bool, RuntimeError> {
        let fields = run.expand_all(scope, &self.fields);
        let mut values = Vec::new();
        for field in &fields {
            let value = match field.to_ascii_lowercase().as_str() {
                "from" => Some(run.envelope.from.clone()),
                "to" => Some(run.envelope.to.clone()),
                "auth" => run.envelope.auth.clone(),
                _ => None,
            };
            // RFC 5228 §5.4: the null reverse path is the empty string, whatever the address part.
            if let Some(value) = value {
                if value.is_empty() {
                    values.push(String::new());
                } else {
                    values.extend(self.part.of(&value));
                }
            }
        }
        run.match_values(scope, self.matcher, &values, &self.keys, self.position)
    }
}

impl AddressPart {
    /// The part of `local@domain` compared; `None` when the address has no such part (RFC 5233 §4: an
    /// address without a separator has no detail).
    pub(crate) fn of(self, address: &str) -> Option<String> {
        let (local, domain) = match address.rsplit_once('@') {
            Some((local, domain)) => (local, Some(domain)),
            None => (address, None),
        };
        match self {
            AddressPart::All => Some(address.to_owned()),
            AddressPart::LocalPart => Some(local.to_owned()),
            AddressPart::Domain => domain.map(str::to_owned),
            AddressPart::User => {
                Some(local.split_once(SUBADDRESS_SEPARATOR).map_or(local, |(user, _)| user).to_owned())
            }
            AddressPart::Detail => local.split_once(SUBADDRESS_SEPARATOR).map(|(_, detail)| detail.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_parts() {
        assert_eq!(AddressPart::User.of("ken+sieve@example.org").as_deref(), Some("ken"));
        assert_eq!(AddressPart::Detail.of("ken+sieve+x@example.org").as_deref(), Some("sieve+x"));
        assert_eq!(AddressPart::Detail.of("ken@example.org"), None);
        assert_eq!(AddressPart::Detail.of("ken+@example.org").as_deref(), Some(""));
        assert_eq!(AddressPart::Domain.of("ken@Example.org").as_deref(), Some("Example.org"));
    }

    #[test]
    fn address_lists_lose_names_and_groups() {
        assert_eq!(
            addresses_in("\"A, B\" <a@x.y>, team: c@x.y, d@x.y;, e@x.y (E)"),
            ["a@x.y", "c@x.y", "d@x.y", "e@x.y"]
        );
    }

    #[test]
    fn index_picks_an_occurrence() {
        let values = vec![1, 2, 3];
        assert_eq!(pick(values.clone(), Some(Index { number: 1, last: false })), [1]);
        assert_eq!(pick(values.clone(), Some(Index { number: 1, last: true })), [3]);
        assert_eq!(pick(values.clone(), Some(Index { number: 4, last: false })), Vec::<i32>::new());
        assert_eq!(pick(values, None), [1, 2, 3]);
    }
}
