//! A cursor over one command's or test's arguments: tagged arguments first (RFC 5228 §2.6.2), then the
//! positional ones, each checked for its type.

use crate::error::{CompileError, Position};
use crate::syntax::{Argument, ArgumentValue};

pub(crate) struct Args<'a> {
    name: &'a str,
    position: Position,
    items: &'a [Argument],
    next: usize,
}

impl<'a> Args<'a> {
    pub(crate) fn new(name: &'a str, position: Position, items: &'a [Argument]) -> Self {
        Args { name, position, items, next: 0 }
    }

    pub(crate) fn name(&self) -> &'a str {
        self.name
    }

    /// The next argument if it is a tag, consumed.
    pub(crate) fn tag(&mut self) -> Option<(&'a str, Position)> {
        let item = self.items.get(self.next)?;
        let ArgumentValue::Tag(tag) = &item.value else { return None };
        self.next += 1;
        Some((tag.as_str(), item.position))
    }

    pub(crate) fn unknown_tag(&self, tag: &str, position: Position) -> CompileError {
        CompileError::at(position, format!("{}: unknown tag :{tag}", self.name))
    }

    fn take(&mut self, what: &str) -> Result<&'a Argument, CompileError> {
        let item = self
            .items
            .get(self.next)
            .ok_or_else(|| CompileError::at(self.end_position(), format!("{}: missing {what}", self.name)))?;
        self.next += 1;
        Ok(item)
    }

    fn end_position(&self) -> Position {
        self.items.last().map_or(self.position, |item| item.position)
    }

    /// A single string (a one-element list in brackets is refused, as RFC 5228 §8.2 types it).
    pub(crate) fn string(&mut self, what: &str) -> Result<(&'a str, Position), CompileError> {
        let item = self.take(what)?;
        match &item.value {
            ArgumentValue::Strings { values, list: false } if values.len() == 1 => {
                Ok((values[0].as_str(), item.position))
            }
            _ => Err(CompileError::at(item.position, format!("{}: expected a string for {what}", self.name))),
        }
    }

    /// A string list, or a single string standing for a list of one.
    pub(crate) fn string_list(&mut self, what: &str) -> Result<(&'a [String], Position), CompileError> {
        let item = self.take(what)?;
        match &item.value {
            ArgumentValue::Strings { values, .. } => Ok((values.as_slice(), item.position)),
            _ => Err(CompileError::at(item.position, format!("{}: expected a string list for {what}", self.name))),
        }
    }

    pub(crate) fn number(&mut self, what: &str) -> Result<u64, CompileError> {
        let item = self.take(what)?;
        match item.value {
            ArgumentValue::Number(n) => Ok(n),
            _ => Err(CompileError::at(item.position, format!("{}: expected a number for {what}", self.name))),
        }
    }

    /// Whether a positional argument is left (for optional trailing ones).
    pub(crate) fn has_more(&self) -> bool {
        self.next < self.items.len()
    }

    /// Every argument must have been used.
    pub(crate) fn done(&self) -> Result<(), CompileError> {
        match self.items.get(self.next) {
            None => Ok(()),
            Some(Argument { value: ArgumentValue::Tag(tag), position }) => Err(CompileError::at(
                *position,
                format!("{}: unexpected tag :{tag} (tags come before other arguments)", self.name),
            )),
            Some(item) => Err(CompileError::at(item.position, format!("{}: too many arguments", self.name))),
        }
    }
}
