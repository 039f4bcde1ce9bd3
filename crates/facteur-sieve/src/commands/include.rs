//! RFC 6609 `include`, `return` and `global`. Included scripts come from the caller
//! ([`crate::Environment::include`]), are compiled here, run with their own variables but the shared
//! globals, and may not include themselves, directly or not (§3.2), nor nest deeper than the limit.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::{Command, execute_block};
use crate::capability::Capability;
use crate::environment::IncludeLocation;
use crate::error::{CompileError, Position, RuntimeError};
use crate::run::{Flow, Run, Scope};
use crate::syntax::CommandNode;
use crate::text::is_identifier;
use crate::validate::arguments::Args;
use crate::validate::{Validator, no_arguments, no_tests_or_block};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Include {
    location: IncludeLocation,
    once: bool,
    optional: bool,
    name: String,
    position: Position,
}

/// `global` (RFC 6609 §3.5): names that refer to the variables every script of the run shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Global {
    names: Vec<String>,
}

/// What this run has included so far.
#[derive(Debug, Default)]
pub(crate) struct IncludeState {
    stack: Vec<(IncludeLocation, String)>,
    once: HashSet<(IncludeLocation, String)>,
    loaded: usize,
    compiled: HashMap<(IncludeLocation, String), Rc<Vec<Command>>>,
}

pub(crate) fn validate(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    v.need(Capability::Include, node.position, &node.name)?;
    match node.name.as_str() {
        "return" => {
            no_arguments(node)?;
            Ok(Command::Return)
        }
        "global" => validate_global(v, node),
        _ => validate_include(node),
    }
}

fn validate_include(node: &CommandNode) -> Result<Command, CompileError> {
    no_tests_or_block(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let (mut location, mut once, mut optional) = (None, false, false);
    while let Some((tag, at)) = args.tag() {
        match tag {
            "personal" | "global" => {
                let chosen = if tag == "global" { IncludeLocation::Global } else { IncludeLocation::Personal };
                if location.replace(chosen).is_some() {
                    return Err(CompileError::at(at, "include: one of :personal and :global"));
                }
            }
            "once" => once = true,
            "optional" => optional = true,
            _ => return Err(args.unknown_tag(tag, at)),
        }
    }
    let (name, at) = args.string("the script name")?;
    args.done()?;
    // §3.2: the name is a constant (variables are not expanded in it) and names a script, not a path.
    if name.is_empty() || name.contains('/') || name.chars().any(char::is_control) {
        return Err(CompileError::at(at, format!("include: {name:?} is not a script name")));
    }
    let location = location.unwrap_or(IncludeLocation::Personal);
    Ok(Command::Include(Include { location, once, optional, name: name.to_owned(), position: node.position }))
}

fn validate_global(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    v.need(Capability::Variables, node.position, "global")?;
    no_tests_or_block(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let (names, at) = args.string_list("the variable names")?;
    args.done()?;
    for name in names {
        if !is_identifier(name) {
            return Err(CompileError::at(at, format!("global: {name:?} is not a variable name")));
        }
        v.declare_variable(name, at)?;
    }
    Ok(Command::Global(Global { names: names.iter().map(|n| n.to_ascii_lowercase()).collect() }))
}

impl Include {
    /// Where the script lives, its name, and whether it may be missing.
    pub(crate) fn target(&self) -> (IncludeLocation, &str, bool) {
        (self.location, &self.name, self.optional)
    }
}

impl Global {
    pub(crate) fn execute(&self, scope: &mut Scope) {
        scope.globals.extend(self.names.iter().cloned());
    }
}

impl Include {
    pub(crate) fn execute(&self, run: &mut Run, _scope: &mut Scope) -> Result<Flow, RuntimeError> {
        let key = (self.location, self.name.clone());
        if self.once && run.includes.once.contains(&key) {
            return Ok(Flow::Continue);
        }
        if run.includes.stack.contains(&key) {
            return Err(self.error("the script includes itself"));
        }
        if run.includes.stack.len() >= run.limits.max_include_depth {
            return Err(self.error(&format!("includes nest deeper than {}", run.limits.max_include_depth)));
        }
        let Some(commands) = self.load(run)? else { return Ok(Flow::Continue) };
        run.includes.stack.push(key.clone());
        run.includes.once.insert(key);
        let mut inner = Scope::default();
        let flow = execute_block(run, &mut inner, &commands);
        run.includes.stack.pop();
        // `return` ends only the included script; `stop` ends everything (§3.3).
        Ok(if flow? == Flow::Stop { Flow::Stop } else { Flow::Continue })
    }

    /// The compiled script, from this run's cache or the caller; `None` when it is missing and `:optional`.
    fn load(&self, run: &mut Run) -> Result<Option<Rc<Vec<Command>>>, RuntimeError> {
        let key = (self.location, self.name.clone());
        if let Some(commands) = run.includes.compiled.get(&key) {
            return Ok(Some(Rc::clone(commands)));
        }
        if run.includes.loaded >= run.limits.max_includes {
            return Err(self.error(&format!("more than {} included scripts", run.limits.max_includes)));
        }
        let Some(source) = run.env.include(self.location, &self.name) else {
            return if self.optional { Ok(None) } else { Err(self.error("no such script")) };
        };
        run.includes.loaded += 1;
        let commands = crate::script::compile_commands(&source, run.limits)
            .map_err(|error| self.error(&format!("does not compile: {error}")))?;
        let commands = Rc::new(commands);
        run.includes.compiled.insert(key, Rc::clone(&commands));
        Ok(Some(commands))
    }

    fn error(&self, message: &str) -> RuntimeError {
        RuntimeError::Include { position: self.position, name: self.name.clone(), message: message.to_owned() }
    }
}
