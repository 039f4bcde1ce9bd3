//! [`compile`] and [`Script::evaluate`]: the two calls the rest of the server makes.

use std::collections::BTreeSet;

use crate::capability::Capability;
use crate::commands::{Command, editheader, execute_block};
use crate::envelope::Envelope;
use crate::environment::{Environment, IncludeLocation};
use crate::error::{CompileError, Position, RuntimeError};
use crate::limits::Limits;
use crate::message::Message;
use crate::outcome::Outcome;
use crate::run::{Run, Scope};
use crate::syntax::{lexer, parser};
use crate::validate::Validator;

/// A compiled script: validated once, evaluated for each message. Cheap to keep and share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    commands: Vec<Command>,
    capabilities: BTreeSet<Capability>,
    limits: Limits,
}

/// Compiles `source`: lexes and parses RFC 5228 §8, then checks every command and test against the
/// extensions the script requires. The error names the line and column of the first problem.
pub fn compile(source: &str, limits: &Limits) -> Result<Script, CompileError> {
    let (commands, capabilities) = compile_parts(source, limits)?;
    Ok(Script { commands, capabilities, limits: limits.clone() })
}

fn compile_parts(source: &str, limits: &Limits) -> Result<(Vec<Command>, BTreeSet<Capability>), CompileError> {
    if source.len() > limits.max_script_bytes {
        return Err(CompileError::at(
            Position { line: 1, column: 1 },
            format!("the script is larger than {} octets", limits.max_script_bytes),
        ));
    }
    let tokens = lexer::tokenize(source)?;
    let tree = parser::parse(tokens, limits.max_nesting)?;
    let mut validator = Validator::new(limits);
    let commands = validator.script(&tree)?;
    Ok((commands, validator.required))
}

/// An included script's commands (RFC 6609: it is compiled on its own, with its own `require`).
pub(crate) fn compile_commands(source: &str, limits: &Limits) -> Result<Vec<Command>, CompileError> {
    compile_parts(source, limits).map(|(commands, _)| commands)
}

impl Script {
    /// The extensions the script requires.
    pub fn capabilities(&self) -> impl Iterator<Item = Capability> + '_ {
        self.capabilities.iter().copied()
    }

    /// The scripts this one includes (RFC 6609), wherever they are in it: as (location, name, `:optional`).
    /// Compiling reads no other script; ManageSieve can check with this that they exist when one is stored.
    pub fn includes(&self) -> Vec<(IncludeLocation, String, bool)> {
        let mut found = Vec::new();
        crate::commands::visit(&self.commands, &mut |command| {
            if let Command::Include(include) = command {
                let (location, name, optional) = include.target();
                found.push((location, name.to_owned(), optional));
            }
        });
        found
    }

    /// Runs the script for one delivery of `message`. On `Err`, nothing the script did counts: the caller
    /// keeps the message (RFC 5228 §2.10.6) and may tell the owner why.
    pub fn evaluate(
        &self,
        env: &mut impl Environment,
        message: &Message<'_>,
        envelope: &Envelope,
    ) -> Result<Outcome, RuntimeError> {
        let mut run = Run::new(env, message, envelope, &self.limits);
        let mut scope = Scope::default();
        execute_block(&mut run, &mut scope, &self.commands)?;
        let edited_header = run.headers_edited.then(|| editheader::header_block(&run.headers));
        let Run { actions, flags, tracking, vacation_skipped, .. } = run;
        let (actions, implicit_keep) = actions.into_outcome(flags);
        Ok(Outcome { actions, implicit_keep, tracking, edited_header, vacation_skipped })
    }
}
