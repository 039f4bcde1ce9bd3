//! The typed tree and what each node does: one file per command or test family, each holding its
//! validation (arguments, tags, required extension) and its evaluation. This file only dispatches.

pub(crate) mod actions;
pub(crate) mod body;
pub(crate) mod control;
pub(crate) mod date;
pub(crate) mod duplicate;
pub(crate) mod editheader;
pub(crate) mod flags;
pub(crate) mod header;
pub(crate) mod include;
pub(crate) mod logic;
pub(crate) mod mailbox;
pub(crate) mod regex;
pub(crate) mod reject;
pub(crate) mod vacation;
pub(crate) mod variables;

use crate::error::{CompileError, RuntimeError};
use crate::run::{Flow, Run, Scope};
use crate::syntax::{CommandNode, TestNode};
use crate::validate::Validator;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    If(control::If),
    Stop,
    Keep(actions::Keep),
    Discard(actions::Discard),
    Redirect(actions::Redirect),
    FileInto(actions::FileInto),
    Reject(reject::Reject),
    Set(variables::Set),
    Flags(flags::FlagCommand),
    Vacation(Box<vacation::Vacation>),
    AddHeader(editheader::AddHeader),
    DeleteHeader(editheader::DeleteHeader),
    Include(include::Include),
    Return,
    Global(include::Global),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Test {
    Constant(bool),
    Not(Box<Test>),
    AllOf(Vec<Test>),
    AnyOf(Vec<Test>),
    Size(logic::Size),
    Exists(header::Exists),
    Header(header::HeaderTest),
    Address(header::AddressTest),
    Envelope(header::EnvelopeTest),
    Body(body::BodyTest),
    Date(date::DateTest),
    MailboxExists(mailbox::MailboxExists),
    Duplicate(duplicate::Duplicate),
    String(variables::StringTest),
    HasFlag(flags::HasFlag),
}

pub(crate) fn validate_command(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    match node.name.as_str() {
        "if" => control::validate_if(v, node),
        "stop" => control::validate_stop(node),
        "keep" | "discard" | "redirect" | "fileinto" => actions::validate(v, node),
        "reject" | "ereject" => reject::validate(v, node),
        "set" => variables::validate_set(v, node),
        "setflag" | "addflag" | "removeflag" => flags::validate(v, node),
        "vacation" => vacation::validate(v, node),
        "addheader" | "deleteheader" => editheader::validate(v, node),
        "include" | "return" | "global" => include::validate(v, node),
        other => Err(CompileError::at(node.position, format!("unknown command {other:?}"))),
    }
}

pub(crate) fn validate_test(v: &mut Validator, node: &TestNode) -> Result<Test, CompileError> {
    match node.name.as_str() {
        "true" | "false" | "not" | "allof" | "anyof" | "size" => logic::validate(v, node),
        "exists" | "header" | "address" | "envelope" => header::validate(v, node),
        "body" => body::validate(v, node),
        "date" | "currentdate" => date::validate(v, node),
        "mailboxexists" => mailbox::validate(v, node),
        "duplicate" => duplicate::validate(v, node),
        "string" => variables::validate_string(v, node),
        "hasflag" => flags::validate_hasflag(v, node),
        other => Err(CompileError::at(node.position, format!("unknown test {other:?}"))),
    }
}

/// Calls `f` on every command, blocks included, without recursion (nesting is bounded, but a walk need not
/// rely on it).
pub(crate) fn visit<'a>(commands: &'a [Command], f: &mut dyn FnMut(&'a Command)) {
    // A stack of positions in open blocks, so that commands come in the order they are written.
    let mut stack: Vec<std::slice::Iter<'a, Command>> = vec![commands.iter()];
    while let Some(position) = stack.last_mut() {
        let Some(command) = position.next() else {
            stack.pop();
            continue;
        };
        f(command);
        if let Command::If(branches) = command {
            let blocks: Vec<&'a [Command]> = branches.blocks().collect();
            stack.extend(blocks.into_iter().rev().map(<[Command]>::iter));
        }
    }
}

/// Runs commands in order until one stops the block.
pub(crate) fn execute_block(run: &mut Run, scope: &mut Scope, commands: &[Command]) -> Result<Flow, RuntimeError> {
    for command in commands {
        let flow = execute(run, scope, command)?;
        if flow != Flow::Continue {
            return Ok(flow);
        }
    }
    Ok(Flow::Continue)
}

fn execute(run: &mut Run, scope: &mut Scope, command: &Command) -> Result<Flow, RuntimeError> {
    run.steps(1)?;
    match command {
        Command::If(branches) => return branches.execute(run, scope),
        Command::Stop => return Ok(Flow::Stop),
        Command::Return => return Ok(Flow::Return),
        Command::Keep(keep) => keep.execute(run, scope)?,
        Command::Discard(discard) => discard.execute(run)?,
        Command::Redirect(redirect) => redirect.execute(run, scope)?,
        Command::FileInto(fileinto) => fileinto.execute(run, scope)?,
        Command::Reject(reject) => reject.execute(run, scope)?,
        Command::Set(set) => set.execute(run, scope)?,
        Command::Flags(flags) => flags.execute(run, scope)?,
        Command::Vacation(vacation) => vacation.execute(run, scope)?,
        Command::AddHeader(add) => add.execute(run, scope)?,
        Command::DeleteHeader(delete) => delete.execute(run, scope)?,
        Command::Include(include) => return include.execute(run, scope),
        Command::Global(global) => global.execute(scope),
    }
    Ok(Flow::Continue)
}

pub(crate) fn evaluate(run: &mut Run, scope: &mut Scope, test: &Test) -> Result<bool, RuntimeError> {
    run.steps(1)?;
    match test {
        Test::Constant(value) => Ok(*value),
        Test::Not(inner) => Ok(!evaluate(run, scope, inner)?),
        // RFC 5228 §5.2, §5.3: evaluation stops at the first test that decides.
        Test::AllOf(tests) => {
            for test in tests {
                if !evaluate(run, scope, test)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Test::AnyOf(tests) => {
            for test in tests {
                if evaluate(run, scope, test)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Test::Size(size) => Ok(size.evaluate(run)),
        Test::Exists(exists) => Ok(exists.evaluate(run, scope)),
        Test::Header(header) => header.evaluate(run, scope),
        Test::Address(address) => address.evaluate(run, scope),
        Test::Envelope(envelope) => envelope.evaluate(run, scope),
        Test::Body(body) => body.evaluate(run, scope),
        Test::Date(date) => date.evaluate(run, scope),
        Test::MailboxExists(mailbox) => Ok(mailbox.evaluate(run, scope)),
        Test::Duplicate(duplicate) => Ok(duplicate.evaluate(run, scope)),
        Test::String(string) => string.evaluate(run, scope),
        Test::HasFlag(hasflag) => hasflag.evaluate(run, scope),
    }
}
