//! RFC 5228 §3.1 `if`/`elsif`/`else` and §3.3 `stop` (`require`, §3.2, is the validator's).

use super::{Command, Test, evaluate, execute_block};
use crate::error::{CompileError, RuntimeError};
use crate::run::{Flow, Run, Scope};
use crate::syntax::CommandNode;
use crate::validate::{Validator, no_arguments};

/// An `if` with its `elsif` branches and its `else`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct If {
    branches: Vec<(Test, Vec<Command>)>,
    otherwise: Option<Vec<Command>>,
}

pub(crate) fn validate_if(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    let branch = conditional(v, node)?;
    Ok(Command::If(If { branches: vec![branch], otherwise: None }))
}

pub(crate) fn validate_stop(node: &CommandNode) -> Result<Command, CompileError> {
    no_arguments(node)?;
    Ok(Command::Stop)
}

/// Adds an `elsif` or `else` to the `if` before it.
pub(crate) fn attach(v: &mut Validator, branches: &mut If, node: &CommandNode) -> Result<(), CompileError> {
    if branches.otherwise.is_some() {
        return Err(CompileError::at(node.position, format!("{} after else", node.name)));
    }
    if node.name == "else" {
        if !node.arguments.is_empty() || !node.tests.is_empty() {
            return Err(CompileError::at(node.position, "else takes no test"));
        }
        let block = node.block.as_deref().ok_or_else(|| CompileError::at(node.position, "else needs a block"))?;
        branches.otherwise = Some(v.block(block)?);
        return Ok(());
    }
    let branch = conditional(v, node)?;
    branches.branches.push(branch);
    Ok(())
}

/// The test and block of `if` or `elsif`.
fn conditional(v: &mut Validator, node: &CommandNode) -> Result<(Test, Vec<Command>), CompileError> {
    if let Some(argument) = node.arguments.first() {
        return Err(CompileError::at(argument.position, format!("{} takes a test, not arguments", node.name)));
    }
    let [test] = node.tests.as_slice() else {
        return Err(CompileError::at(node.position, format!("{} needs exactly one test", node.name)));
    };
    let block =
        node.block.as_deref().ok_or_else(|| CompileError::at(node.position, format!("{} needs a block", node.name)))?;
    let test = v.test(test)?;
    Ok((test, v.block(block)?))
}

impl If {
    /// Every block of the `if`, its `elsif`s and its `else`.
    pub(crate) fn blocks(&self) -> impl Iterator<Item = &[Command]> {
        self.branches.iter().map(|(_, block)| block.as_slice()).chain(self.otherwise.as_deref())
    }

    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<Flow, RuntimeError> {
        for (test, block) in &self.branches {
            if evaluate(run, scope, test)? {
                return execute_block(run, scope, block);
            }
        }
        match &self.otherwise {
            Some(block) => execute_block(run, scope, block),
            None => Ok(Flow::Continue),
        }
    }
}
