//! RFC 5232 imap4flags: `setflag`, `addflag`, `removeflag`, the `hasflag` test, and the `:flags` argument
//! of `keep` and `fileinto`. Without a variable name the commands act on the internal variable, which the
//! implicit keep and flag-less `keep`/`fileinto` use (§3, §5).

use super::{Command, Test};
use crate::capability::Capability;
use crate::error::{CompileError, Position, RuntimeError};
use crate::matching::Matcher;
use crate::run::{Run, Scope};
use crate::syntax::{CommandNode, TestNode};
use crate::text::{Text, is_identifier};
use crate::validate::arguments::Args;
use crate::validate::match_options::{Allow, MatchOptions};
use crate::validate::{Validator, no_subtests, no_tests_or_block};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Set,
    Add,
    Remove,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlagCommand {
    operation: Operation,
    /// A variable (RFC 5232 §3: with the variables extension) instead of the internal one.
    variable: Option<String>,
    flags: Vec<Text>,
    position: Position,
}

/// Where `keep` and `fileinto` take their flags from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlagSource {
    /// No imap4flags: no flags.
    None,
    /// The internal variable, as it is when the action runs.
    Internal,
    Given(Vec<Text>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HasFlag {
    matcher: Matcher,
    variables: Option<Vec<String>>,
    flags: Vec<Text>,
    position: Position,
}

impl FlagSource {
    pub(crate) fn from(given: Option<Vec<Text>>, v: &Validator) -> FlagSource {
        match given {
            Some(flags) => FlagSource::Given(flags),
            None if v.has(Capability::Imap4Flags) => FlagSource::Internal,
            None => FlagSource::None,
        }
    }

    pub(crate) fn resolve(&self, run: &Run, scope: &Scope) -> Vec<String> {
        match self {
            FlagSource::None => Vec::new(),
            FlagSource::Internal => run.flags.clone(),
            FlagSource::Given(texts) => split_flags(&run.expand_all(scope, texts)),
        }
    }
}

/// RFC 5232 §3: a flag list is space-separated flags; the same flag twice (case-insensitively) is one.
pub(crate) fn split_flags(values: &[String]) -> Vec<String> {
    let mut flags: Vec<String> = Vec::new();
    for flag in values.iter().flat_map(|value| value.split_ascii_whitespace()) {
        if !flags.iter().any(|known| known.eq_ignore_ascii_case(flag)) {
            flags.push(flag.to_owned());
        }
    }
    flags
}

pub(crate) fn validate(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    v.need(Capability::Imap4Flags, node.position, &node.name)?;
    no_tests_or_block(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    if let Some((tag, at)) = args.tag() {
        return Err(args.unknown_tag(tag, at));
    }
    let (first, first_at) = args.string_list("the flags")?;
    let (variable, flags) = if args.has_more() {
        let (flags, flags_at) = args.string_list("the flags")?;
        (Some(variable_name(v, first, first_at)?), v.texts(flags, flags_at)?)
    } else {
        (None, v.texts(first, first_at)?)
    };
    args.done()?;
    let operation = match node.name.as_str() {
        "setflag" => Operation::Set,
        "addflag" => Operation::Add,
        _ => Operation::Remove,
    };
    Ok(Command::Flags(FlagCommand { operation, variable, flags, position: node.position }))
}

fn variable_name(v: &mut Validator, names: &[String], at: Position) -> Result<String, CompileError> {
    v.need(Capability::Variables, at, "a flag variable")?;
    let [name] = names else { return Err(CompileError::at(at, "one variable name expected")) };
    if !is_identifier(name) {
        return Err(CompileError::at(at, format!("{name:?} is not a variable name")));
    }
    v.declare_variable(name, at)?;
    Ok(name.to_ascii_lowercase())
}

pub(crate) fn validate_hasflag(v: &mut Validator, node: &TestNode) -> Result<Test, CompileError> {
    v.need(Capability::Imap4Flags, node.position, "hasflag")?;
    no_subtests(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let options = MatchOptions::read(v, &mut args, Allow::default())?;
    let (first, first_at) = args.string_list("the flags")?;
    let (variables, flags) = if args.has_more() {
        v.need(Capability::Variables, first_at, "hasflag with variables")?;
        let (flags, flags_at) = args.string_list("the flags")?;
        let names = first.iter().map(|name| name.to_ascii_lowercase()).collect();
        (Some(names), v.texts(flags, flags_at)?)
    } else {
        (None, v.texts(first, first_at)?)
    };
    args.done()?;
    Ok(Test::HasFlag(HasFlag { matcher: options.matcher("hasflag")?, variables, flags, position: node.position }))
}

impl FlagCommand {
    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<(), RuntimeError> {
        let given = split_flags(&run.expand_all(scope, &self.flags));
        let current = match &self.variable {
            None => run.flags.clone(),
            Some(name) => split_flags(&[run.variable(scope, name).to_owned()]),
        };
        let updated = match self.operation {
            Operation::Set => given,
            Operation::Add => split_flags(&[current.join(" "), given.join(" ")]),
            Operation::Remove => {
                current.into_iter().filter(|flag| !given.iter().any(|g| g.eq_ignore_ascii_case(flag))).collect()
            }
        };
        match &self.variable {
            None => run.flags = updated,
            Some(name) => run.set_variable(scope, name, updated.join(" "), self.position)?,
        }
        Ok(())
    }
}

impl HasFlag {
    /// RFC 5232 §4: the flags held (in the variables, or the internal one) are the values, the given flags
    /// the keys; `:count` counts the flags held.
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> Result<bool, RuntimeError> {
        let held = match &self.variables {
            None => run.flags.clone(),
            Some(names) => {
                split_flags(&names.iter().map(|name| run.variable(scope, name).to_owned()).collect::<Vec<_>>())
            }
        };
        let keys: Vec<Text> = split_flags(&run.expand_all(scope, &self.flags)).into_iter().map(Text::literal).collect();
        run.match_values(scope, self.matcher, &held, &keys, self.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_lists_split_on_spaces_and_deduplicate_ignoring_case() {
        let flags = split_flags(&["\\Seen  $Label1".into(), "\\seen".into(), "x".into()]);
        assert_eq!(flags, ["\\Seen", "$Label1", "x"]);
    }
}
