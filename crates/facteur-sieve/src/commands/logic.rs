//! RFC 5228 §5.2 `allof`, §5.3 `anyof`, §5.8 `not`, §5.10 `true`, §5.6 `false`, and §5.9 `size`.

use super::Test;
use crate::error::CompileError;
use crate::run::Run;
use crate::syntax::TestNode;
use crate::validate::arguments::Args;
use crate::validate::{Validator, no_subtests};

/// `size :over N` / `size :under N`: strictly more or fewer octets (RFC 5228 §5.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Size {
    over: bool,
    limit: u64,
}

pub(crate) fn validate(v: &mut Validator, node: &TestNode) -> Result<Test, CompileError> {
    match node.name.as_str() {
        "true" | "false" => {
            no_subtests(node)?;
            Args::new(&node.name, node.position, &node.arguments).done()?;
            Ok(Test::Constant(node.name == "true"))
        }
        "not" => {
            Args::new(&node.name, node.position, &node.arguments).done()?;
            match node.tests.as_slice() {
                [inner] if !node.test_list => Ok(Test::Not(Box::new(v.test(inner)?))),
                _ => Err(CompileError::at(node.position, "not takes exactly one test")),
            }
        }
        "allof" | "anyof" => {
            Args::new(&node.name, node.position, &node.arguments).done()?;
            if !node.test_list {
                return Err(CompileError::at(node.position, format!("{} takes a test list in parentheses", node.name)));
            }
            let tests = node.tests.iter().map(|test| v.test(test)).collect::<Result<Vec<_>, _>>()?;
            Ok(if node.name == "allof" { Test::AllOf(tests) } else { Test::AnyOf(tests) })
        }
        _ => validate_size(node),
    }
}

fn validate_size(node: &TestNode) -> Result<Test, CompileError> {
    no_subtests(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let mut over = None;
    while let Some((tag, at)) = args.tag() {
        let value = match tag {
            "over" => true,
            "under" => false,
            _ => return Err(args.unknown_tag(tag, at)),
        };
        if over.replace(value).is_some() {
            return Err(CompileError::at(at, "size takes one of :over and :under"));
        }
    }
    let over = over.ok_or_else(|| CompileError::at(node.position, "size needs :over or :under"))?;
    let limit = args.number("the size limit")?;
    args.done()?;
    Ok(Test::Size(Size { over, limit }))
}

impl Size {
    pub(crate) fn evaluate(&self, run: &Run) -> bool {
        let size = run.message.size();
        if self.over { size > self.limit } else { size < self.limit }
    }
}
