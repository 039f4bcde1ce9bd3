//! RFC 5490 §3.1 `mailboxexists` (`fileinto :create`, §3.2, is in `actions.rs`).

use super::Test;
use crate::capability::Capability;
use crate::error::CompileError;
use crate::run::{Run, Scope};
use crate::syntax::TestNode;
use crate::text::Text;
use crate::validate::arguments::Args;
use crate::validate::{Validator, no_subtests};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MailboxExists {
    names: Vec<Text>,
}

pub(crate) fn validate(v: &mut Validator, node: &TestNode) -> Result<Test, CompileError> {
    v.need(Capability::Mailbox, node.position, "mailboxexists")?;
    no_subtests(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    if let Some((tag, at)) = args.tag() {
        return Err(args.unknown_tag(tag, at));
    }
    let (names, at) = args.string_list("the mailbox names")?;
    args.done()?;
    Ok(Test::MailboxExists(MailboxExists { names: v.texts(names, at)? }))
}

impl MailboxExists {
    /// True when every named mailbox exists (RFC 5490 §3.1).
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> bool {
        let names = run.expand_all(scope, &self.names);
        names.iter().all(|name| run.env.mailbox_exists(name))
    }
}
