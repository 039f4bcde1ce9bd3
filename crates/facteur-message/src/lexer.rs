//! A forgiving tokenizer for structured header values (RFC 5322 §3.2, RFC 2045 §5.1).
//!
//! Both address lists and MIME fields (`Content-Type`, `Content-Disposition`) are
//! sequences of atoms, quoted strings, comments and special characters; they differ
//! only in which characters are special, so the caller passes that set. Input is an
//! unfolded value. Unterminated quotes, comments and literals end at the end of the
//! value instead of failing: the parsers above make a best effort from whatever
//! tokens come out. Bytes ≥ 0x80 are atom text (RFC 6532 allows UTF-8 there).

/// The specials of RFC 5322 §3.2.3, for address lists.
pub(crate) const ADDRESS_SPECIALS: &[u8] = b"()<>[]:;@\\,.\"";

/// The tspecials of RFC 2045 §5.1, for MIME header fields.
pub(crate) const MIME_SPECIALS: &[u8] = b"()<>@,;:\\\"/[]?=";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Atom,
    /// A quoted string; the text is its content with quoting removed.
    Quoted,
    /// A comment; the text is its content without the outer parentheses.
    Comment,
    /// `[...]` in an address domain, text kept with its brackets.
    DomainLiteral,
    Special(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub text: Vec<u8>,
    /// Whether blanks separated this token from the previous one: display names
    /// keep single spaces between words but none around dots.
    pub space_before: bool,
}

impl Token {
    pub fn is_special(&self, byte: u8) -> bool {
        self.kind == TokenKind::Special(byte)
    }

    pub fn is_word(&self) -> bool {
        matches!(self.kind, TokenKind::Atom | TokenKind::Quoted)
    }
}

/// Splits `value` into tokens, `specials` naming the single-character tokens.
/// Domain literals are recognised only when `[` is special and the set is the
/// address one.
pub(crate) fn tokenize(value: &[u8], specials: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    let mut space_before = false;
    while pos < value.len() {
        let byte = value[pos];
        let (kind, text, next) = match byte {
            _ if is_blank(byte) => {
                space_before = true;
                pos += 1;
                continue;
            }
            b'"' => {
                let (text, next) = quoted(value, pos + 1);
                (TokenKind::Quoted, text, next)
            }
            b'(' => {
                let (text, next) = comment(value, pos + 1);
                (TokenKind::Comment, text, next)
            }
            b'[' if specials == ADDRESS_SPECIALS => {
                let next = value[pos..].iter().position(|&b| b == b']').map_or(value.len(), |p| pos + p + 1);
                (TokenKind::DomainLiteral, value[pos..next].to_vec(), next)
            }
            _ if specials.contains(&byte) => (TokenKind::Special(byte), vec![byte], pos + 1),
            _ => {
                let next = atom_end(value, pos, specials);
                (TokenKind::Atom, value[pos..next].to_vec(), next)
            }
        };
        tokens.push(Token { kind, text, space_before });
        space_before = false;
        pos = next;
    }
    tokens
}

/// Where an atom starting at `start` ends: at a blank, a special, a quote or a comment, exactly the bytes
/// `tokenize` gives another meaning, so that every atom is at least one byte long and the loop moves on.
fn atom_end(value: &[u8], start: usize, specials: &[u8]) -> usize {
    value[start..]
        .iter()
        .position(|&b| is_blank(b) || specials.contains(&b) || b == b'"' || b == b'(')
        .map_or(value.len(), |p| start + p)
}

/// Blanks between tokens: WSP and the line breaks of folding (RFC 5322 §3.2.2). Other control characters
/// (a form feed, say) are not blanks but atom text, kept as sent.
fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Content of a quoted string starting after its opening quote, with
/// backslash-escapes resolved (RFC 5322 §3.2.4), and the position after it.
fn quoted(value: &[u8], mut pos: usize) -> (Vec<u8>, usize) {
    let mut text = Vec::new();
    while pos < value.len() {
        match value[pos] {
            b'"' => return (text, pos + 1),
            b'\\' if pos + 1 < value.len() => {
                text.push(value[pos + 1]);
                pos += 2;
            }
            byte => {
                text.push(byte);
                pos += 1;
            }
        }
    }
    (text, pos)
}

/// Content of a (possibly nested) comment starting after its opening parenthesis,
/// and the position after it (RFC 5322 §3.2.2). Nesting is counted, not recursed.
fn comment(value: &[u8], mut pos: usize) -> (Vec<u8>, usize) {
    let mut text = Vec::new();
    let mut depth = 1usize;
    while pos < value.len() {
        let byte = value[pos];
        match byte {
            b'\\' if pos + 1 < value.len() => {
                text.push(value[pos + 1]);
                pos += 2;
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (text, pos + 1);
                }
            }
            _ => {}
        }
        text.push(byte);
        pos += 1;
    }
    (text, pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(value: &[u8], specials: &[u8]) -> Vec<TokenKind> {
        tokenize(value, specials).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn quoted_strings_lose_quotes_and_escapes() {
        let tokens = tokenize(br#""a \"b\" c" x"#, ADDRESS_SPECIALS);
        assert_eq!(tokens[0].text, br#"a "b" c"#);
        assert_eq!(tokens[0].kind, TokenKind::Quoted);
        assert!(tokens[1].space_before);
    }

    #[test]
    fn nested_comments_are_one_token() {
        let tokens = tokenize(b"a (b (c) d) e", ADDRESS_SPECIALS);
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens[1].text, b"b (c) d");
    }

    #[test]
    fn unterminated_constructs_end_at_end_of_value() {
        assert_eq!(kinds(b"\"open (x", ADDRESS_SPECIALS), vec![TokenKind::Quoted]);
        assert_eq!(kinds(b"(open \"x", ADDRESS_SPECIALS), vec![TokenKind::Comment]);
        assert_eq!(
            kinds(b"a@[1.2.3", ADDRESS_SPECIALS),
            vec![TokenKind::Atom, TokenKind::Special(b'@'), TokenKind::DomainLiteral]
        );
    }

    /// Found by the `message_ingest` fuzz target: a form feed ended atoms but was not skipped as a blank, so
    /// the tokenizer made empty atoms at the same position forever, until memory ran out.
    #[test]
    fn a_form_feed_is_atom_text() {
        let tokens = tokenize(b"a\x0cb \x0c", ADDRESS_SPECIALS);
        let texts: Vec<&[u8]> = tokens.iter().map(|t| t.text.as_slice()).collect();
        assert_eq!(texts, vec![&b"a\x0cb"[..], b"\x0c"]);
        assert_eq!(
            kinds(b"text/\x0c", MIME_SPECIALS),
            vec![TokenKind::Atom, TokenKind::Special(b'/'), TokenKind::Atom]
        );
    }

    #[test]
    fn mime_specials_split_on_slash_and_equals() {
        assert_eq!(
            kinds(b"text/plain;a=b", MIME_SPECIALS),
            vec![
                TokenKind::Atom,
                TokenKind::Special(b'/'),
                TokenKind::Atom,
                TokenKind::Special(b';'),
                TokenKind::Atom,
                TokenKind::Special(b'='),
                TokenKind::Atom
            ]
        );
    }
}
