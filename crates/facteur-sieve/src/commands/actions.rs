//! RFC 5228 §4 actions: `keep`, `discard`, `redirect`, `fileinto`; with `:copy` (RFC 3894), `:create`
//! (RFC 5490 §3.2) and `:flags` (RFC 5232 §5).

use super::Command;
use super::flags::FlagSource;
use crate::capability::Capability;
use crate::error::{CompileError, Position, RuntimeError};
use crate::outcome::{self, Action};
use crate::run::{Run, Scope};
use crate::syntax::CommandNode;
use crate::text::Text;
use crate::validate::arguments::Args;
use crate::validate::{Validator, no_tests_or_block};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keep {
    flags: FlagSource,
    position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Discard {
    position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    address: Text,
    copy: bool,
    position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileInto {
    mailbox: Text,
    flags: FlagSource,
    create: bool,
    copy: bool,
    position: Position,
}

/// The tags the delivering actions share.
#[derive(Default)]
struct Tags {
    flags: Option<Vec<Text>>,
    copy: bool,
    create: bool,
}

pub(crate) fn validate(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    no_tests_or_block(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let tags = tags(v, &mut args)?;
    let position = node.position;
    let command = match node.name.as_str() {
        "keep" => {
            refuse(tags.copy, "keep", ":copy", position)?;
            refuse(tags.create, "keep", ":create", position)?;
            Command::Keep(Keep { flags: FlagSource::from(tags.flags, v), position })
        }
        "discard" => {
            refuse(tags.copy || tags.create || tags.flags.is_some(), "discard", "tags", position)?;
            Command::Discard(Discard { position })
        }
        "redirect" => {
            refuse(tags.create || tags.flags.is_some(), "redirect", ":create and :flags", position)?;
            let (value, at) = args.string("the address")?;
            let address = v.text(value, at)?;
            if let Some(constant) = address.constant() {
                redirect_address(constant).map_err(|message| CompileError::at(at, message))?;
            }
            Command::Redirect(Redirect { address, copy: tags.copy, position })
        }
        _ => {
            v.need(Capability::FileInto, position, "fileinto")?;
            let (value, at) = args.string("the mailbox")?;
            let mailbox = v.text(value, at)?;
            if mailbox.constant().is_some_and(str::is_empty) {
                return Err(CompileError::at(at, "fileinto: the mailbox name is empty"));
            }
            Command::FileInto(FileInto {
                mailbox,
                flags: FlagSource::from(tags.flags, v),
                create: tags.create,
                copy: tags.copy,
                position,
            })
        }
    };
    args.done()?;
    Ok(command)
}

fn tags(v: &Validator, args: &mut Args) -> Result<Tags, CompileError> {
    let mut tags = Tags::default();
    while let Some((tag, at)) = args.tag() {
        match tag {
            "copy" => {
                v.need(Capability::Copy, at, ":copy")?;
                tags.copy = true;
            }
            "create" => {
                v.need(Capability::Mailbox, at, ":create")?;
                tags.create = true;
            }
            "flags" => {
                v.need(Capability::Imap4Flags, at, ":flags")?;
                let (values, list_at) = args.string_list("the flags")?;
                tags.flags = Some(v.texts(values, list_at)?);
            }
            _ => return Err(args.unknown_tag(tag, at)),
        }
    }
    Ok(tags)
}

fn refuse(present: bool, command: &str, what: &str, at: Position) -> Result<(), CompileError> {
    if present {
        return Err(CompileError::at(at, format!("{command} takes no {what}")));
    }
    Ok(())
}

/// RFC 5228 §4.2: the address must be a valid one; `Name <addr>` is taken for its address.
fn redirect_address(value: &str) -> Result<String, String> {
    let address = bare_address(value);
    facteur_primitives::Address::parse(address)
        .map_err(|error| format!("redirect: {value:?} is not a valid address: {error}"))?;
    Ok(address.to_owned())
}

/// `Name <a@b>` → `a@b`; anything else trimmed. Scripts write addresses either way (redirect, vacation).
pub(crate) fn bare_address(value: &str) -> &str {
    let trimmed = value.trim();
    match (trimmed.rfind('<'), trimmed.ends_with('>')) {
        (Some(open), true) => &trimmed[open + 1..trimmed.len() - 1],
        _ => trimmed,
    }
}

impl Keep {
    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<(), RuntimeError> {
        let flags = self.flags.resolve(run, scope);
        run.add_action(Action::Keep(outcome::Keep { flags }), self.position)
    }
}

impl Discard {
    pub(crate) fn execute(&self, run: &mut Run) -> Result<(), RuntimeError> {
        run.add_action(Action::Discard, self.position)
    }
}

impl Redirect {
    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<(), RuntimeError> {
        let value = run.expand(scope, &self.address);
        let address = redirect_address(&value).map_err(|message| RuntimeError::at(self.position, message))?;
        run.add_action(Action::Redirect { address, copy: self.copy }, self.position)
    }
}

impl FileInto {
    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<(), RuntimeError> {
        let mailbox = run.expand(scope, &self.mailbox);
        if mailbox.is_empty() || mailbox.chars().any(char::is_control) {
            return Err(RuntimeError::at(self.position, format!("fileinto: invalid mailbox name {mailbox:?}")));
        }
        let flags = self.flags.resolve(run, scope);
        let action = Action::FileInto { mailbox, flags, create: self.create, copy: self.copy };
        run.add_action(action, self.position)
    }
}
