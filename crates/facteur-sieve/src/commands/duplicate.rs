//! RFC 7352 `duplicate`: whether a message with the same id (its `Message-ID:` by default) was delivered
//! before. The caller keeps the ids (`Outcome::tracking`) and answers [`crate::Environment::is_tracked`].

use super::Test;
use crate::capability::Capability;
use crate::environment::{TrackingKey, TrackingKind};
use crate::error::CompileError;
use crate::message::unfolded_value;
use crate::outcome::Tracking;
use crate::run::{Run, Scope};
use crate::syntax::TestNode;
use crate::text::Text;
use crate::validate::arguments::Args;
use crate::validate::{Validator, no_subtests};

/// RFC 7352 §3.3 leaves the default period to the implementation; Pigeonhole's is 14 days.
const DEFAULT_PERIOD_SECS: u64 = 14 * 86_400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    handle: Option<Text>,
    source: Source,
    period_secs: u64,
    last: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Header(Text),
    UniqueId(Text),
}

pub(crate) fn validate(v: &mut Validator, node: &TestNode) -> Result<Test, CompileError> {
    v.need(Capability::Duplicate, node.position, "duplicate")?;
    no_subtests(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let mut test = Duplicate {
        handle: None,
        source: Source::Header(Text::literal("message-id")),
        period_secs: DEFAULT_PERIOD_SECS,
        last: false,
    };
    let mut source_given = false;
    while let Some((tag, at)) = args.tag() {
        match tag {
            "handle" => {
                let (value, value_at) = args.string("the handle")?;
                test.handle = Some(v.text(value, value_at)?);
            }
            "header" | "uniqueid" => {
                if source_given {
                    return Err(CompileError::at(at, "duplicate: one of :header and :uniqueid"));
                }
                source_given = true;
                let (value, value_at) = args.string("the id source")?;
                let text = v.text(value, value_at)?;
                test.source = if tag == "header" { Source::Header(text) } else { Source::UniqueId(text) };
            }
            "seconds" => test.period_secs = args.number("the period")?,
            "last" => test.last = true,
            _ => return Err(args.unknown_tag(tag, at)),
        }
    }
    args.done()?;
    Ok(Test::Duplicate(test))
}

impl Duplicate {
    /// RFC 7352 §3: true when the id was tracked; a new id is recorded, and with `:last` a known one is
    /// refreshed. A message without the id is never a duplicate.
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> bool {
        let id = match &self.source {
            Source::UniqueId(text) => Some(run.expand(scope, text)),
            Source::Header(name) => {
                let name = run.expand(scope, name);
                run.header_values(&name).first().map(|value| unfolded_value(value))
            }
        };
        let Some(id) = id.filter(|id| !id.is_empty()) else { return false };
        let handle = self.handle.as_ref().map(|h| run.expand(scope, h)).unwrap_or_default();
        let key = TrackingKey { kind: TrackingKind::Duplicate, handle, value: id };
        let seen = run.is_tracked(&key);
        if (!seen || self.last) && !run.tracking.iter().any(|t| t.key == key) {
            run.tracking.push(Tracking { key, period_secs: self.period_secs });
        }
        seen
    }
}
