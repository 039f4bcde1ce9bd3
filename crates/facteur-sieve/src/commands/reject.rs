//! RFC 5429 `reject` (§2.2, a report to the sender) and `ereject` (§2.1, refusal in the SMTP dialogue).
//! Their conflicts with other actions are settled in `outcome.rs`.

use super::Command;
use crate::capability::Capability;
use crate::error::{CompileError, Position, RuntimeError};
use crate::outcome::Action;
use crate::run::{Run, Scope};
use crate::syntax::CommandNode;
use crate::text::Text;
use crate::validate::arguments::Args;
use crate::validate::{Validator, no_tests_or_block};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reject {
    reason: Text,
    extended: bool,
    position: Position,
}

pub(crate) fn validate(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    let extended = node.name == "ereject";
    v.need(if extended { Capability::EReject } else { Capability::Reject }, node.position, &node.name)?;
    no_tests_or_block(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    if let Some((tag, at)) = args.tag() {
        return Err(args.unknown_tag(tag, at));
    }
    let (reason, at) = args.string("the reason")?;
    args.done()?;
    Ok(Command::Reject(Reject { reason: v.text(reason, at)?, extended, position: node.position }))
}

impl Reject {
    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<(), RuntimeError> {
        let reason = run.expand(scope, &self.reason);
        run.add_action(Action::Reject { reason, extended: self.extended }, self.position)
    }
}
