//! Parsers for the structured MIME header fields (RFC 2045 §5, RFC 2183, RFC 3282):
//! `Content-Type`, `Content-Disposition`, `Content-Language`, `Content-Transfer-Encoding`.
//!
//! Parameters are kept as sent, in order: quoting is removed (the IMAP writer
//! quotes again) but RFC 2231 continuations and charsets are not merged or decoded,
//! because BODYSTRUCTURE reports parameters as they appear in the header.

use crate::body::{Disposition, Parameter};
use crate::lexer::{MIME_SPECIALS, Token, TokenKind, tokenize};

/// A parsed `Content-Type`: type, subtype, parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MediaType {
    pub kind: String,
    pub subtype: String,
    pub params: Vec<Parameter>,
}

/// `type "/" subtype *(";" parameter)`; `None` when type or subtype is missing,
/// in which case RFC 2045 §5.2 says to assume text/plain.
pub(crate) fn parse_media_type(value: &[u8]) -> Option<MediaType> {
    let tokens = mime_tokens(value);
    let (kind, rest) = tokens.split_first()?;
    let (slash, rest) = rest.split_first()?;
    let (subtype, rest) = rest.split_first()?;
    let is_token = |t: &Token| t.kind == TokenKind::Atom;
    if !is_token(kind) || !slash.is_special(b'/') || !is_token(subtype) {
        return None;
    }
    Some(MediaType { kind: text(&kind.text), subtype: text(&subtype.text), params: parse_params(rest) })
}

/// `disposition-type *(";" parameter)` (RFC 2183 §2).
pub(crate) fn parse_disposition(value: &[u8]) -> Option<Disposition> {
    let tokens = mime_tokens(value);
    let (kind, rest) = tokens.split_first()?;
    if kind.kind != TokenKind::Atom {
        return None;
    }
    Some(Disposition { kind: text(&kind.text), params: parse_params(rest) })
}

/// Comma-separated language tags (RFC 3282 §2).
pub(crate) fn parse_languages(value: &[u8]) -> Vec<String> {
    mime_tokens(value)
        .split(|t| t.is_special(b','))
        .map(|tag| tag.iter().flat_map(|t| t.text.iter().copied()).collect::<Vec<u8>>())
        .filter(|tag| !tag.is_empty())
        .map(|tag| text(&tag))
        .collect()
}

/// The mechanism of `Content-Transfer-Encoding` (RFC 2045 §6.1), comments dropped.
pub(crate) fn parse_transfer_encoding(value: &[u8]) -> Option<String> {
    mime_tokens(value).into_iter().find(|t| t.kind == TokenKind::Atom).map(|t| text(&t.text))
}

/// `;`-separated `name=value` pairs. A value that is not a token or a quoted
/// string (an unquoted boundary containing `=` is common) is taken verbatim up to
/// the next `;`. Pairs with no name or no `=` are dropped.
fn parse_params(tokens: &[Token]) -> Vec<Parameter> {
    tokens.split(|t| t.is_special(b';')).filter_map(parse_param).collect()
}

fn parse_param(tokens: &[Token]) -> Option<Parameter> {
    let (name, rest) = tokens.split_first()?;
    let (equals, value) = rest.split_first()?;
    if name.kind != TokenKind::Atom || !equals.is_special(b'=') {
        return None;
    }
    let value = match value {
        [single] => single.text.clone(),
        _ => verbatim(value),
    };
    Some(Parameter { name: text(&name.text), value: text(&value) })
}

/// Tokens glued back together, with one blank where the sender had blanks.
fn verbatim(tokens: &[Token]) -> Vec<u8> {
    let mut out = Vec::new();
    for token in tokens {
        if token.space_before && !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(&token.text);
    }
    out
}

fn mime_tokens(value: &[u8]) -> Vec<Token> {
    let mut tokens = tokenize(value, MIME_SPECIALS);
    tokens.retain(|t| t.kind != TokenKind::Comment);
    tokens
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, value: &str) -> Parameter {
        Parameter { name: name.into(), value: value.into() }
    }

    #[test]
    fn media_type_with_quoted_and_unquoted_params() {
        let media = parse_media_type(b"Multipart/Mixed; boundary=\"foo bar\"; X=1 (c)");
        assert_eq!(
            media,
            Some(MediaType {
                kind: "Multipart".into(),
                subtype: "Mixed".into(),
                params: vec![param("boundary", "foo bar"), param("X", "1")],
            })
        );
    }

    #[test]
    fn unquoted_boundary_with_equals_is_kept_whole() {
        let media = parse_media_type(b"multipart/alternative; boundary=----=_Part_1.2");
        let params = media.map(|m| m.params).unwrap_or_default();
        assert_eq!(params, vec![param("boundary", "----=_Part_1.2")]);
    }

    #[test]
    fn rfc2231_parameters_stay_as_sent() {
        let media = parse_media_type(b"application/x; name*0=\"a\"; name*1*=utf-8''%C3%A9");
        let params = media.map(|m| m.params).unwrap_or_default();
        assert_eq!(params, vec![param("name*0", "a"), param("name*1*", "utf-8''%C3%A9")]);
    }

    #[test]
    fn missing_subtype_is_invalid() {
        assert_eq!(parse_media_type(b"text"), None);
        assert_eq!(parse_media_type(b"text/"), None);
        assert_eq!(parse_media_type(b""), None);
    }

    #[test]
    fn disposition_and_languages() {
        let disposition = parse_disposition(b"attachment; filename=\"a b.pdf\"");
        assert_eq!(
            disposition,
            Some(Disposition { kind: "attachment".into(), params: vec![param("filename", "a b.pdf")] })
        );
        assert_eq!(parse_languages(b"en-US, (comment) fr"), vec!["en-US", "fr"]);
        assert_eq!(parse_transfer_encoding(b" (x) base64 "), Some("base64".into()));
    }
}
