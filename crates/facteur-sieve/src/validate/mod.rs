//! From the generic tree to the typed one: `require` (RFC 5228 §3.2) declares every extension a script
//! uses, each command and test gets the arguments its RFC gives it, and everything else is refused here,
//! at compile time, with a line and column.

pub(crate) mod arguments;
pub(crate) mod match_options;

use std::collections::{BTreeSet, HashSet};

use crate::capability::Capability;
use crate::commands::{self, Command, Test};
use crate::error::{CompileError, Position};
use crate::limits::Limits;
use crate::syntax::{ArgumentValue, CommandNode, TestNode};
use crate::text::{Text, decode_encoded_characters};

pub(crate) struct Validator<'l> {
    pub limits: &'l Limits,
    pub required: BTreeSet<Capability>,
    /// Variables the script sets, to bound their number (Limits::max_variables).
    pub variables: HashSet<String>,
}

impl<'l> Validator<'l> {
    pub(crate) fn new(limits: &'l Limits) -> Self {
        Validator { limits, required: BTreeSet::new(), variables: HashSet::new() }
    }

    pub(crate) fn has(&self, capability: Capability) -> bool {
        self.required.contains(&capability)
    }

    /// RFC 5228 §3.2: using an extension the script did not require is an error.
    pub(crate) fn need(&self, capability: Capability, at: Position, what: &str) -> Result<(), CompileError> {
        if self.has(capability) {
            return Ok(());
        }
        Err(CompileError::at(at, format!("{what} needs require \"{}\"", capability.name())))
    }

    /// A string as the script will use it: encoded characters decoded, variable references found.
    pub(crate) fn text(&self, value: &str, at: Position) -> Result<Text, CompileError> {
        let value = if self.has(Capability::EncodedCharacter) {
            decode_encoded_characters(value, at)?
        } else {
            value.to_owned()
        };
        Ok(Text::parse(&value, self.has(Capability::Variables), self.has(Capability::Include)))
    }

    pub(crate) fn texts(&self, values: &[String], at: Position) -> Result<Vec<Text>, CompileError> {
        values.iter().map(|value| self.text(value, at)).collect()
    }

    /// Keys of a test: with `:regex`, each constant key must compile (draft-ietf-sieve-regex §3: an invalid
    /// expression is a compile-time error when it can be found then).
    pub(crate) fn keys(
        &self,
        matcher: crate::matching::Matcher,
        values: &[String],
        at: Position,
    ) -> Result<Vec<Text>, CompileError> {
        let keys = self.texts(values, at)?;
        if matcher.match_type == crate::matching::MatchType::Regex {
            let case_insensitive = matcher.comparator != crate::matching::Comparator::Octet;
            for key in keys.iter().filter_map(Text::constant) {
                crate::commands::regex::build(key, case_insensitive, self.limits.max_regex_bytes)
                    .map_err(|message| CompileError::at(at, message))?;
            }
        }
        Ok(keys)
    }

    /// The top level: `require` commands first, then the script.
    pub(crate) fn script(&mut self, nodes: &[CommandNode]) -> Result<Vec<Command>, CompileError> {
        let mut start = 0;
        while let Some(node) = nodes.get(start).filter(|node| node.name == "require") {
            self.require(node)?;
            start += 1;
        }
        self.block(&nodes[start..])
    }

    fn require(&mut self, node: &CommandNode) -> Result<(), CompileError> {
        let [argument] = node.arguments.as_slice() else {
            return Err(CompileError::at(node.position, "require takes one string list"));
        };
        let ArgumentValue::Strings { values, .. } = &argument.value else {
            return Err(CompileError::at(argument.position, "require takes one string list"));
        };
        if !node.tests.is_empty() || node.block.is_some() {
            return Err(CompileError::at(node.position, "require takes no test and no block"));
        }
        for name in values {
            let capability = Capability::from_name(name)
                .ok_or_else(|| CompileError::at(argument.position, format!("unknown extension {name:?}")))?;
            self.required.insert(capability);
            // RFC 6131 §2: vacation-seconds implies vacation.
            if capability == Capability::VacationSeconds {
                self.required.insert(Capability::Vacation);
            }
        }
        Ok(())
    }

    /// A block: `elsif` and `else` attach to the `if` before them.
    pub(crate) fn block(&mut self, nodes: &[CommandNode]) -> Result<Vec<Command>, CompileError> {
        let mut commands: Vec<Command> = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node.name.as_str() {
                "require" => {
                    return Err(CompileError::at(node.position, "require must come first, before any other command"));
                }
                "elsif" | "else" => {
                    let Some(Command::If(branches)) = commands.last_mut() else {
                        return Err(CompileError::at(node.position, format!("{} without a preceding if", node.name)));
                    };
                    commands::control::attach(self, branches, node)?;
                }
                _ => commands.push(commands::validate_command(self, node)?),
            }
        }
        Ok(commands)
    }

    pub(crate) fn test(&mut self, node: &TestNode) -> Result<Test, CompileError> {
        commands::validate_test(self, node)
    }

    /// Records a variable the script sets (RFC 5229 §6: implementations may limit their number).
    pub(crate) fn declare_variable(&mut self, name: &str, at: Position) -> Result<(), CompileError> {
        self.variables.insert(name.to_ascii_lowercase());
        if self.variables.len() > self.limits.max_variables {
            return Err(CompileError::at(at, format!("more than {} variables", self.limits.max_variables)));
        }
        Ok(())
    }
}

/// Commands that take no argument, test or block.
pub(crate) fn no_arguments(node: &CommandNode) -> Result<(), CompileError> {
    if let Some(argument) = node.arguments.first() {
        return Err(CompileError::at(argument.position, format!("{} takes no arguments", node.name)));
    }
    no_tests_or_block(node)
}

pub(crate) fn no_tests_or_block(node: &CommandNode) -> Result<(), CompileError> {
    if !node.tests.is_empty() {
        return Err(CompileError::at(node.position, format!("{} takes no test", node.name)));
    }
    if node.block.is_some() {
        return Err(CompileError::at(node.position, format!("{} takes no block: end it with ';'", node.name)));
    }
    Ok(())
}

pub(crate) fn no_subtests(node: &TestNode) -> Result<(), CompileError> {
    if node.tests.is_empty() {
        return Ok(());
    }
    Err(CompileError::at(node.position, format!("{} takes no test", node.name)))
}
