//! RFC 5229 variables: the `set` command with its modifiers (§4) and the `string` test (§5).

use super::{Command, Test};
use crate::capability::Capability;
use crate::error::{CompileError, Position, RuntimeError};
use crate::matching::{Matcher, quote_wildcard};
use crate::run::{Run, Scope};
use crate::syntax::{CommandNode, TestNode};
use crate::text::{Text, is_identifier};
use crate::validate::arguments::Args;
use crate::validate::match_options::{Allow, MatchOptions};
use crate::validate::{Validator, no_subtests, no_tests_or_block};

/// RFC 5229 §4.1 modifiers, with `:quoteregex` of the regex draft (§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Modifier {
    Lower,
    Upper,
    LowerFirst,
    UpperFirst,
    QuoteWildcard,
    QuoteRegex,
    Length,
}

impl Modifier {
    /// §4.1: higher precedence applies first; two modifiers of the same precedence are an error.
    fn precedence(self) -> u8 {
        match self {
            Modifier::Lower | Modifier::Upper => 40,
            Modifier::LowerFirst | Modifier::UpperFirst => 30,
            Modifier::QuoteWildcard => 20,
            Modifier::QuoteRegex => 15,
            Modifier::Length => 10,
        }
    }

    fn apply(self, value: String) -> String {
        match self {
            // ASCII letters only, as Pigeonhole does (RFC 5229 §4.1.1 leaves the rest to the implementation):
            // a script's result must not depend on which server runs it.
            Modifier::Lower => value.to_ascii_lowercase(),
            Modifier::Upper => value.to_ascii_uppercase(),
            Modifier::LowerFirst => first_char(&value, char::to_ascii_lowercase),
            Modifier::UpperFirst => first_char(&value, char::to_ascii_uppercase),
            Modifier::QuoteWildcard => quote_wildcard(&value),
            Modifier::QuoteRegex => super::regex::quote(&value),
            // §4.1.5: the length in characters.
            Modifier::Length => value.chars().count().to_string(),
        }
    }
}

fn first_char(value: &str, change: fn(&char) -> char) -> String {
    let mut chars = value.chars();
    match chars.next() {
        Some(first) => std::iter::once(change(&first)).chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Set {
    name: String,
    value: Text,
    modifiers: Vec<Modifier>,
    position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StringTest {
    matcher: Matcher,
    sources: Vec<Text>,
    keys: Vec<Text>,
    position: Position,
}

pub(crate) fn validate_set(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    v.need(Capability::Variables, node.position, "set")?;
    no_tests_or_block(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let mut modifiers: Vec<Modifier> = Vec::new();
    while let Some((tag, at)) = args.tag() {
        let modifier = match tag {
            "lower" => Modifier::Lower,
            "upper" => Modifier::Upper,
            "lowerfirst" => Modifier::LowerFirst,
            "upperfirst" => Modifier::UpperFirst,
            "quotewildcard" => Modifier::QuoteWildcard,
            "quoteregex" => {
                v.need(Capability::Regex, at, ":quoteregex")?;
                Modifier::QuoteRegex
            }
            "length" => Modifier::Length,
            _ => return Err(args.unknown_tag(tag, at)),
        };
        if modifiers.iter().any(|m| m.precedence() == modifier.precedence()) {
            return Err(CompileError::at(at, format!("set: :{tag} cannot go with another modifier of its precedence")));
        }
        modifiers.push(modifier);
    }
    modifiers.sort_by_key(|m| std::cmp::Reverse(m.precedence()));
    let (name, name_at) = args.string("the variable name")?;
    if !is_identifier(name) {
        return Err(CompileError::at(name_at, format!("set: {name:?} is not a variable name")));
    }
    v.declare_variable(name, name_at)?;
    let (value, value_at) = args.string("the value")?;
    let value = v.text(value, value_at)?;
    args.done()?;
    Ok(Command::Set(Set { name: name.to_ascii_lowercase(), value, modifiers, position: node.position }))
}

pub(crate) fn validate_string(v: &mut Validator, node: &TestNode) -> Result<Test, CompileError> {
    v.need(Capability::Variables, node.position, "string")?;
    no_subtests(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let options = MatchOptions::read(v, &mut args, Allow::default())?;
    let (sources, sources_at) = args.string_list("the source strings")?;
    let (keys, keys_at) = args.string_list("the keys")?;
    args.done()?;
    let matcher = options.matcher("string")?;
    Ok(Test::String(StringTest {
        matcher,
        sources: v.texts(sources, sources_at)?,
        keys: v.keys(matcher, keys, keys_at)?,
        position: node.position,
    }))
}

impl Set {
    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<(), RuntimeError> {
        let value = self.modifiers.iter().fold(run.expand(scope, &self.value), |value, m| m.apply(value));
        run.set_variable(scope, &self.name, value, self.position)
    }
}

impl StringTest {
    /// RFC 5229 §5: with `:count`, empty strings are not counted.
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> Result<bool, RuntimeError> {
        let mut sources = run.expand_all(scope, &self.sources);
        if matches!(self.matcher.match_type, crate::matching::MatchType::Count(_)) {
            sources.retain(|s| !s.is_empty());
        }
        run.match_values(scope, self.matcher, &sources, &self.keys, self.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_transform() {
        assert_eq!(Modifier::UpperFirst.apply("élan".into()), "élan", "ASCII letters only");
        assert_eq!(Modifier::Upper.apply("crème".into()), "CRèME");
        assert_eq!(Modifier::LowerFirst.apply("ABC".into()), "aBC");
        assert_eq!(Modifier::Length.apply("café".into()), "4");
        assert_eq!(Modifier::QuoteWildcard.apply("a*b?c\\".into()), "a\\*b\\?c\\\\");
    }
}
