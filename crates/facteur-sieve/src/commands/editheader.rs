//! RFC 5293 `addheader` and `deleteheader`. Changes apply to the run's copy of the header, so later tests
//! see them (§3), and come out as the edited header block in the outcome.

use super::Command;
use super::header::pick;
use crate::capability::Capability;
use crate::error::{CompileError, Position, RuntimeError};
use crate::matching::Matcher;
use crate::message::decoded_value;
use crate::run::{Run, Scope};
use crate::syntax::CommandNode;
use crate::text::Text;
use crate::validate::arguments::Args;
use crate::validate::match_options::{Allow, Index, MatchOptions};
use crate::validate::{Validator, no_tests_or_block};

/// RFC 5293 §7: trace and loop-prevention fields are never deleted (Pigeonhole denies these two).
const PROTECTED: [&str; 2] = ["received", "auto-submitted"];

/// A field value longer than this is refused: it would need folding over many lines (RFC 5322 §2.1.1).
const MAX_VALUE_BYTES: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddHeader {
    last: bool,
    name: Text,
    value: Text,
    position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeleteHeader {
    matcher: Matcher,
    index: Option<Index>,
    name: Text,
    patterns: Option<Vec<Text>>,
    position: Position,
}

pub(crate) fn validate(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    v.need(Capability::EditHeader, node.position, &node.name)?;
    no_tests_or_block(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let position = node.position;
    if node.name == "addheader" {
        let mut last = false;
        while let Some((tag, at)) = args.tag() {
            match tag {
                "last" => last = true,
                _ => return Err(args.unknown_tag(tag, at)),
            }
        }
        let name = field_name(v, &mut args)?;
        let (value, at) = args.string("the value")?;
        args.done()?;
        return Ok(Command::AddHeader(AddHeader { last, name, value: v.text(value, at)?, position }));
    }
    let mut options = MatchOptions::default();
    while let Some((tag, at)) = args.tag() {
        // `:index` here needs only editheader (RFC 5293 §5), not the index extension.
        let taken = if tag == "index" || tag == "last" {
            take_index(&mut options, v, &mut args, tag, at)?
        } else {
            options.take(v, &mut args, tag, at, Allow::default())?
        };
        if !taken {
            return Err(args.unknown_tag(tag, at));
        }
    }
    let name = field_name(v, &mut args)?;
    let patterns = if args.has_more() {
        let (values, at) = args.string_list("the value patterns")?;
        Some(v.texts(values, at)?)
    } else {
        None
    };
    args.done()?;
    Ok(Command::DeleteHeader(DeleteHeader {
        matcher: options.matcher("deleteheader")?,
        index: options.index()?,
        name,
        patterns,
        position,
    }))
}

fn take_index(
    options: &mut MatchOptions,
    v: &mut Validator,
    args: &mut Args,
    tag: &str,
    at: Position,
) -> Result<bool, CompileError> {
    let had_index = v.required.insert(Capability::Index);
    let taken = options.take(v, args, tag, at, Allow { address_part: false, index: true });
    if had_index {
        v.required.remove(&Capability::Index);
    }
    taken
}

fn field_name(v: &Validator, args: &mut Args) -> Result<Text, CompileError> {
    let (name, at) = args.string("the field name")?;
    let name = v.text(name, at)?;
    if let Some(constant) = name.constant()
        && !is_field_name(constant)
    {
        return Err(CompileError::at(at, format!("{constant:?} is not a header field name")));
    }
    Ok(name)
}

/// RFC 5322 §3.6.8 `field-name = 1*ftext`, printable ASCII but the colon.
fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

impl AddHeader {
    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<(), RuntimeError> {
        let name = run.expand(scope, &self.name);
        let value = run.expand(scope, &self.value);
        if !is_field_name(&name) {
            return Err(RuntimeError::at(self.position, format!("addheader: {name:?} is not a header field name")));
        }
        if value.len() > MAX_VALUE_BYTES || value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(RuntimeError::at(
                self.position,
                "addheader: the value is too long or holds control characters",
            ));
        }
        let field = (name, format!(" {value}\r\n"));
        if self.last {
            run.headers.push(field);
        } else {
            run.headers.insert(0, field);
        }
        run.headers_edited = true;
        Ok(())
    }
}

impl DeleteHeader {
    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<(), RuntimeError> {
        let name = run.expand(scope, &self.name);
        if PROTECTED.iter().any(|p| name.eq_ignore_ascii_case(p)) {
            return Ok(());
        }
        let positions: Vec<usize> = run
            .headers
            .iter()
            .enumerate()
            .filter(|(_, (field, _))| field.eq_ignore_ascii_case(&name))
            .map(|(at, _)| at)
            .collect();
        let mut doomed = Vec::new();
        for at in pick(positions, self.index) {
            let matched = match &self.patterns {
                None => true,
                Some(patterns) => {
                    let value = decoded_value(&run.headers[at].1);
                    // Matching here leaves the match variables alone (RFC 5293 §5 gives it none to set).
                    let groups = std::mem::take(&mut scope.groups);
                    let matched = run.match_values(scope, self.matcher, &[value], patterns, self.position);
                    scope.groups = groups;
                    matched?
                }
            };
            if matched {
                doomed.push(at);
            }
        }
        for at in doomed.into_iter().rev() {
            run.headers.remove(at);
            run.headers_edited = true;
        }
        Ok(())
    }
}

/// The header block as edited, its final empty line included.
pub(crate) fn header_block(headers: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(value.as_bytes());
        if !value.ends_with('\n') {
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}
