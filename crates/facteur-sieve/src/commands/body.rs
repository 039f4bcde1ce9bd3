//! RFC 5173 `body`: `:raw` (the undecoded body), `:content` (the parts of the given types, transfer
//! encoding and charset decoded; a multipart's prologue and epilogue) and `:text` (the text of the message:
//! text/plain as it is, text/html reduced to text, as Pigeonhole does).

use facteur_message::BodyPart;

use super::Test;
use crate::capability::Capability;
use crate::error::{CompileError, Position, RuntimeError};
use crate::matching::Matcher;
use crate::run::{Run, Scope};
use crate::syntax::TestNode;
use crate::text::Text;
use crate::validate::arguments::Args;
use crate::validate::match_options::{Allow, MatchOptions};
use crate::validate::{Validator, no_subtests};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyTest {
    matcher: Matcher,
    transform: Transform,
    keys: Vec<Text>,
    position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Transform {
    Raw,
    Content(Vec<Text>),
    Text,
}

pub(crate) fn validate(v: &mut Validator, node: &TestNode) -> Result<Test, CompileError> {
    v.need(Capability::Body, node.position, "body")?;
    no_subtests(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let mut options = MatchOptions::default();
    let mut transform = None;
    while let Some((tag, at)) = args.tag() {
        let chosen = match tag {
            "raw" => Transform::Raw,
            "text" => Transform::Text,
            "content" => {
                let (types, types_at) = args.string_list("the content types")?;
                Transform::Content(v.texts(types, types_at)?)
            }
            _ if options.take(v, &mut args, tag, at, Allow::default())? => continue,
            _ => return Err(args.unknown_tag(tag, at)),
        };
        if transform.replace(chosen).is_some() {
            return Err(CompileError::at(at, "body: one of :raw, :content and :text"));
        }
    }
    let (keys, keys_at) = args.string_list("the keys")?;
    args.done()?;
    let matcher = options.matcher("body")?;
    Ok(Test::Body(BodyTest {
        matcher,
        transform: transform.unwrap_or(Transform::Text),
        keys: v.keys(matcher, keys, keys_at)?,
        position: node.position,
    }))
}

impl BodyTest {
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> Result<bool, RuntimeError> {
        let message = run.message;
        let raw = message.raw();
        let max = run.limits.max_body_bytes;
        let values = match &self.transform {
            Transform::Raw => vec![lossy(cut(message.body(), max))],
            Transform::Text => {
                let mut values = Vec::new();
                collect(
                    raw,
                    &message.summary().body,
                    &mut |part| part.media_type.eq_ignore_ascii_case("text"),
                    max,
                    true,
                    &mut values,
                );
                values
            }
            Transform::Content(types) => {
                let types = run.expand_all(scope, types);
                let mut values = Vec::new();
                collect(
                    raw,
                    &message.summary().body,
                    &mut |part| types.iter().any(|t| type_matches(t, part)),
                    max,
                    false,
                    &mut values,
                );
                values
            }
        };
        run.steps(values.iter().map(|v| v.len() as u64 / 4096).sum())?;
        run.match_values(scope, self.matcher, &values, &self.keys, self.position)
    }
}

/// RFC 5173 §5.2: "" is every part, "text" every text/* part, "text/html" that type only.
fn type_matches(spec: &str, part: &BodyPart) -> bool {
    match spec.split_once('/') {
        _ if spec.is_empty() => true,
        Some((media_type, subtype)) => part.is(media_type, subtype),
        None => part.media_type.eq_ignore_ascii_case(spec),
    }
}

/// Walks the tree without recursion (its depth is the message's), adding the decoded content of each part
/// `wanted` accepts. Multiparts contribute their prologue and epilogue; encapsulated messages their parts.
fn collect(
    raw: &[u8],
    root: &BodyPart,
    wanted: &mut dyn FnMut(&BodyPart) -> bool,
    max: usize,
    html_as_text: bool,
    out: &mut Vec<String>,
) {
    let mut stack = vec![root];
    while let Some(part) = stack.pop() {
        if part.is_multipart() {
            if wanted(part) {
                out.extend(prologue_and_epilogue(raw, part));
            }
            stack.extend(part.children.iter().rev());
        } else if let Some(inner) = &part.message {
            if wanted(part) {
                out.push(lossy(cut(raw.get(part.body()).unwrap_or_default(), max)));
            }
            stack.push(&inner.body);
        } else if wanted(part) {
            out.push(if html_as_text {
                facteur_message::readable_text(raw, part, max)
            } else {
                facteur_message::part_text(raw, part, max)
            });
        }
    }
}

/// The text before the first boundary and after the last (RFC 2046 §5.1.1), when there is any.
fn prologue_and_epilogue(raw: &[u8], part: &BodyPart) -> Vec<String> {
    let (Some(first), Some(last)) = (part.children.first(), part.children.last()) else { return Vec::new() };
    let before = raw.get(part.body().start..first.mime_header().start).unwrap_or_default();
    let after = raw.get(last.body().end..part.body().end).unwrap_or_default();
    let prologue = before.windows(2).rposition(|w| w == b"--").map_or(before, |at| &before[..at]);
    // After the last part: the closing delimiter line, then the epilogue.
    let epilogue = after.iter().skip(2).position(|&b| b == b'\n').map_or(&after[after.len()..], |at| &after[at + 3..]);
    [prologue, epilogue].into_iter().map(|text| lossy(text).trim().to_owned()).filter(|text| !text.is_empty()).collect()
}

fn cut(bytes: &[u8], max: usize) -> &[u8] {
    &bytes[..bytes.len().min(max)]
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
