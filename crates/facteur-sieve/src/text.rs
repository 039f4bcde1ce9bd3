//! Strings as compiled: literal text, or a template holding variable references (RFC 5229 §3) expanded at
//! run time; and the encoded-character extension (RFC 5228 §2.4.2.4), decoded at compile time.

use crate::error::{CompileError, Position};

/// A string argument. Without the variables extension it is always a single literal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Text {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Literal(String),
    /// A variable of the script's own scope (names are case-insensitive, RFC 5229 §3: stored lowercase).
    Variable(String),
    /// `${global.name}` (RFC 6609 §3.5).
    Global(String),
    /// `${N}`: a match variable; numbers above 9 are never set and expand to nothing.
    Group(usize),
}

impl Text {
    pub(crate) fn literal(value: impl Into<String>) -> Text {
        Text { parts: vec![Part::Literal(value.into())] }
    }

    /// Parses variable references out of `value` when `variables` is in use; otherwise all of it is literal.
    pub(crate) fn parse(value: &str, variables: bool, include: bool) -> Text {
        if !variables || !value.contains("${") {
            return Text::literal(value);
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = value;
        while let Some(at) = rest.find("${") {
            literal.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            match reference(after, include) {
                Some((part, used)) => {
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(part);
                    rest = &after[used..];
                }
                None => {
                    // Not a reference: the `$` is text, and scanning resumes at the `{` (`${${a}}` keeps `${`).
                    literal.push('$');
                    rest = &rest[at + 1..];
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() || parts.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Text { parts }
    }

    /// The value when it holds no reference.
    pub(crate) fn constant(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Literal(value)] => Some(value),
            _ => None,
        }
    }

    pub(crate) fn parts(&self) -> &[Part] {
        &self.parts
    }
}

/// After `${`: an identifier (with an optional `global.` namespace) or digits, then `}`. Returns the part
/// and how many bytes it used, the `}` included.
fn reference(after: &str, include: bool) -> Option<(Part, usize)> {
    let end = after.find('}')?;
    let name = &after[..end];
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        // `${0001}` is `${1}`; a number too large for usize is certainly above 9.
        let number = name.trim_start_matches('0').parse::<usize>().unwrap_or(if name.bytes().all(|b| b == b'0') {
            0
        } else {
            usize::MAX
        });
        return Some((Part::Group(number), end + 1));
    }
    if is_identifier(name) {
        return Some((Part::Variable(name.to_ascii_lowercase()), end + 1));
    }
    let (namespace, variable) = name.split_once('.')?;
    if include && namespace.eq_ignore_ascii_case("global") && is_identifier(variable) {
        return Some((Part::Global(variable.to_ascii_lowercase()), end + 1));
    }
    None
}

/// RFC 5228 §8.1 `identifier`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// RFC 5228 §2.4.2.4: `${hex:41 42}` and `${unicode:263A}` become the characters they name. A sequence that
/// is not well formed stays as written; a code point that is no Unicode scalar value is an error.
pub(crate) fn decode_encoded_characters(value: &str, position: Position) -> Result<String, CompileError> {
    if !value.contains("${") {
        return Ok(value.to_owned());
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match encoded(after, position)? {
            Some((decoded, used)) => {
                out.push_str(&decoded);
                rest = &after[used..];
            }
            None => {
                out.push('$');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn encoded(after: &str, position: Position) -> Result<Option<(String, usize)>, CompileError> {
    let Some(end) = after.find('}') else { return Ok(None) };
    let inner = &after[..end];
    let Some((kind, body)) = inner.split_once(':') else { return Ok(None) };
    let items: Vec<&str> = body.split([' ', '\t', '\r', '\n']).filter(|s| !s.is_empty()).collect();
    if items.is_empty() || !items.iter().all(|item| item.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Ok(None);
    }
    let decoded = if kind.eq_ignore_ascii_case("hex") {
        let mut octets = Vec::new();
        for item in &items {
            if item.len() > 2 {
                return Ok(None);
            }
            let Ok(octet) = u8::from_str_radix(item, 16) else { return Ok(None) };
            octets.push(octet);
        }
        match String::from_utf8(octets) {
            Ok(text) => text,
            Err(_) => return Ok(None),
        }
    } else if kind.eq_ignore_ascii_case("unicode") {
        let mut text = String::new();
        for item in &items {
            let scalar = u32::from_str_radix(item.trim_start_matches('0'), 16)
                .ok()
                .or((item.trim_start_matches('0').is_empty()).then_some(0));
            match scalar.and_then(char::from_u32) {
                Some(c) => text.push(c),
                None => {
                    return Err(CompileError::at(
                        position,
                        format!("invalid unicode character {item:?} in encoded string"),
                    ));
                }
            }
        }
        text
    } else {
        return Ok(None);
    };
    Ok(Some((decoded, end + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_parts_and_the_rest_stays_text() {
        let text = Text::parse("a${b}c${1}${x.y}${", true, false);
        assert_eq!(
            text.parts(),
            [
                Part::Literal("a".into()),
                Part::Variable("b".into()),
                Part::Literal("c".into()),
                Part::Group(1),
                Part::Literal("${x.y}${".into())
            ]
        );
        assert_eq!(Text::parse("${${a}}", true, false).parts()[1], Part::Variable("a".into()));
        assert_eq!(Text::parse("${a}", false, false).constant(), Some("${a}"));
        assert_eq!(Text::parse("${global.Who}", true, true).parts(), [Part::Global("who".into())]);
        assert_eq!(Text::parse("${000}", true, false).parts(), [Part::Group(0)]);
    }

    #[test]
    fn encoded_characters_decode() {
        let at = Position::default();
        assert_eq!(decode_encoded_characters("${hex: 24 24}${unicode:263a}", at).ok().as_deref(), Some("$$☺"));
        assert_eq!(decode_encoded_characters("${hex:zz}", at).ok().as_deref(), Some("${hex:zz}"));
        assert_eq!(decode_encoded_characters("${HEX:C3A9}x", at).ok().as_deref(), Some("${HEX:C3A9}x"));
        assert_eq!(decode_encoded_characters("${hex:C3 A9}x", at).ok().as_deref(), Some("éx"));
        assert!(decode_encoded_characters("${unicode:D800}", at).is_err());
    }
}
