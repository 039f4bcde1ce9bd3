//! The grammar of RFC 5228 §8: tokens, then a generic tree of commands, arguments, tests and blocks.

pub(crate) mod lexer;
pub(crate) mod parser;

pub(crate) use parser::{Argument, ArgumentValue, CommandNode, TestNode};
