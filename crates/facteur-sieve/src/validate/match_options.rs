//! The tagged arguments tests share: `:comparator` (RFC 5228 §2.7.3), match types (§2.7.1, RFC 5231
//! `:value`/`:count`, regex `:regex`), address parts (§2.7.4, RFC 5233 `:user`/`:detail`) and RFC 5260 §6
//! `:index`/`:last`.

use super::Validator;
use super::arguments::Args;
use crate::capability::Capability;
use crate::error::{CompileError, Position};
use crate::matching::{Comparator, MatchType, Matcher, Relation};

/// RFC 5228 §2.7.4 and RFC 5233 §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum AddressPart {
    #[default]
    All,
    LocalPart,
    Domain,
    User,
    Detail,
}

/// RFC 5260 §6: which occurrence of a header field, counted from the top or (`last`) the bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Index {
    pub number: u64,
    pub last: bool,
}

/// What a test may take besides the common comparator and match type.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Allow {
    pub address_part: bool,
    pub index: bool,
}

#[derive(Debug, Default)]
pub(crate) struct MatchOptions {
    comparator: Option<(Comparator, Position)>,
    match_type: Option<(MatchType, Position)>,
    pub address_part: Option<AddressPart>,
    index: Option<u64>,
    last: Option<Position>,
}

impl MatchOptions {
    /// Reads every tag of a test that takes no tag of its own.
    pub(crate) fn read(v: &Validator, args: &mut Args, allow: Allow) -> Result<MatchOptions, CompileError> {
        let mut options = MatchOptions::default();
        while let Some((tag, at)) = args.tag() {
            if !options.take(v, args, tag, at, allow)? {
                return Err(args.unknown_tag(tag, at));
            }
        }
        Ok(options)
    }

    /// Takes `tag` (and its parameter) if it is one of these options; `Ok(false)` when it is not.
    pub(crate) fn take(
        &mut self,
        v: &Validator,
        args: &mut Args,
        tag: &str,
        at: Position,
        allow: Allow,
    ) -> Result<bool, CompileError> {
        match tag {
            "comparator" => {
                let (name, name_at) = args.string("the comparator name")?;
                let comparator = Comparator::from_name(name)
                    .ok_or_else(|| CompileError::at(name_at, format!("unknown comparator {name:?}")))?;
                if comparator == Comparator::AsciiNumeric {
                    v.need(Capability::ComparatorAsciiNumeric, name_at, "comparator i;ascii-numeric")?;
                }
                set_once(&mut self.comparator, comparator, at, args.name(), ":comparator")?;
            }
            "is" | "contains" | "matches" => {
                let kind = match tag {
                    "is" => MatchType::Is,
                    "contains" => MatchType::Contains,
                    _ => MatchType::Matches,
                };
                set_once(&mut self.match_type, kind, at, args.name(), "a match type")?;
            }
            "regex" => {
                v.need(Capability::Regex, at, ":regex")?;
                set_once(&mut self.match_type, MatchType::Regex, at, args.name(), "a match type")?;
            }
            "value" | "count" => {
                v.need(Capability::Relational, at, &format!(":{tag}"))?;
                let (name, name_at) = args.string("the relation")?;
                let relation = Relation::from_name(name).ok_or_else(|| {
                    CompileError::at(name_at, format!("unknown relation {name:?} (gt, ge, lt, le, eq, ne)"))
                })?;
                let kind = if tag == "value" { MatchType::Value(relation) } else { MatchType::Count(relation) };
                set_once(&mut self.match_type, kind, at, args.name(), "a match type")?;
            }
            "all" | "localpart" | "domain" | "user" | "detail" if allow.address_part => {
                let part = match tag {
                    "all" => AddressPart::All,
                    "localpart" => AddressPart::LocalPart,
                    "domain" => AddressPart::Domain,
                    "user" => AddressPart::User,
                    _ => AddressPart::Detail,
                };
                if matches!(part, AddressPart::User | AddressPart::Detail) {
                    v.need(Capability::Subaddress, at, &format!(":{tag}"))?;
                }
                if self.address_part.replace(part).is_some() {
                    return Err(CompileError::at(at, format!("{}: more than one address part", args.name())));
                }
            }
            "index" if allow.index => {
                v.need(Capability::Index, at, ":index")?;
                let number = args.number("the index")?;
                if number == 0 {
                    return Err(CompileError::at(at, ":index counts from 1"));
                }
                if self.index.replace(number).is_some() {
                    return Err(CompileError::at(at, format!("{}: :index given twice", args.name())));
                }
            }
            "last" if allow.index => {
                v.need(Capability::Index, at, ":last")?;
                self.last = Some(at);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The comparator and match type, checked together (RFC 4790 §9.1: i;ascii-numeric has no substring or
    /// wildcard matching).
    pub(crate) fn matcher(&self, name: &str) -> Result<Matcher, CompileError> {
        let comparator = self.comparator.map(|(c, _)| c).unwrap_or_default();
        let match_type = self.match_type.map(|(m, _)| m).unwrap_or_default();
        if !comparator.supports(match_type) {
            let at = self.match_type.map(|(_, at)| at).or(self.comparator.map(|(_, at)| at)).unwrap_or_default();
            return Err(CompileError::at(
                at,
                format!("{name}: comparator i;ascii-numeric supports only :is, :value and :count"),
            ));
        }
        Ok(Matcher { comparator, match_type })
    }

    /// `:index` with its `:last`; `:last` alone is an error (RFC 5260 §6).
    pub(crate) fn index(&self) -> Result<Option<Index>, CompileError> {
        match (self.index, self.last) {
            (Some(number), last) => Ok(Some(Index { number, last: last.is_some() })),
            (None, Some(at)) => Err(CompileError::at(at, ":last needs :index")),
            (None, None) => Ok(None),
        }
    }
}

fn set_once<T>(
    slot: &mut Option<(T, Position)>,
    value: T,
    at: Position,
    name: &str,
    what: &str,
) -> Result<(), CompileError> {
    if slot.is_some() {
        return Err(CompileError::at(at, format!("{name}: more than one {what}")));
    }
    *slot = Some((value, at));
    Ok(())
}
