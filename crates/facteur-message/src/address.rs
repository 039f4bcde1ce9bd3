//! RFC 5322 §3.4 address lists, parsed into the shape of IMAP ENVELOPE addresses.
//!
//! Values stay raw: encoded-words in display names are kept as sent, because IMAP
//! clients decode them (RFC 9051 §7.5.2). Only the syntax is removed: quotes around
//! a quoted string, comments, angle brackets. The parser never fails: whatever it
//! cannot make sense of is skipped up to the next `,` or `;`.

use serde::{Deserialize, Serialize};

use crate::lexer::{ADDRESS_SPECIALS, Token, TokenKind, tokenize};

/// One entry of an ENVELOPE address list (RFC 9051 §7.5.2, "addr-name, addr-adl,
/// addr-mailbox, addr-host"). Each field is `None` where IMAP sends NIL.
///
/// RFC 5322 groups are flattened the IMAP way: a start-of-group marker (`mailbox` =
/// group name, `host` = None), the members, then an end-of-group marker (everything
/// None). Note that an address without a domain (`To: undisclosed`) also has
/// `host` = None, as IMAP has no other way to say it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    /// Display name, or the comment of `user@host (Name)` when there is none.
    pub name: Option<String>,
    /// Obsolete source route (`@a,@b` of `<@a,@b:user@host>`, RFC 5322 §4.4).
    pub adl: Option<String>,
    /// Local part, or the group name in a start-of-group marker.
    pub mailbox: Option<String>,
    /// Domain.
    pub host: Option<String>,
}

impl Address {
    /// The marker that opens a group named `name`.
    pub fn group_start(name: String) -> Self {
        Address { mailbox: Some(name), ..Address::default() }
    }

    /// The marker that closes the current group.
    pub fn group_end() -> Self {
        Address::default()
    }

    /// `local@domain` when both are known.
    pub fn addr_spec(&self) -> Option<String> {
        Some(format!("{}@{}", self.mailbox.as_ref()?, self.host.as_ref()?))
    }
}

/// Parses a raw (folded or unfolded) `From`/`To`/`Cc`/... header value.
pub fn parse_address_list(value: &[u8]) -> Vec<Address> {
    let parser =
        AddressListParser { tokens: tokenize(value, ADDRESS_SPECIALS), pos: 0, out: Vec::new(), in_group: false };
    parser.run()
}

struct AddressListParser {
    tokens: Vec<Token>,
    pos: usize,
    out: Vec<Address>,
    in_group: bool,
}

impl AddressListParser {
    fn run(mut self) -> Vec<Address> {
        while self.pos < self.tokens.len() {
            self.item();
        }
        if self.in_group {
            // An unterminated group still closes: IMAP clients count markers.
            self.out.push(Address::group_end());
        }
        self.out
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    /// One mailbox, group opening, or group closing, with its separator.
    fn item(&mut self) {
        let mut words = Vec::new();
        let mut comment = None;
        while let Some(token) = self.next() {
            match token.kind {
                TokenKind::Comment => comment = Some(token.text),
                TokenKind::Special(b':') if !self.in_group => {
                    self.out.push(Address::group_start(phrase(&words)));
                    self.in_group = true;
                    return;
                }
                TokenKind::Special(b'<') => {
                    let name = non_empty(phrase(&words)).or(comment.map(lossy));
                    self.angle_addr(name);
                    self.finish_item();
                    return;
                }
                TokenKind::Special(b'@') => {
                    let (host, trailing_comment) = self.domain();
                    let name = trailing_comment.or(comment).map(lossy);
                    self.push_mailbox(name, None, local_part(&words), host);
                    self.finish_item();
                    return;
                }
                TokenKind::Special(b',') => break,
                TokenKind::Special(b';') => {
                    self.push_bare(&words);
                    self.close_group();
                    return;
                }
                TokenKind::Special(b'.') | TokenKind::Atom | TokenKind::Quoted => words.push(token),
                _ => {}
            }
        }
        self.push_bare(&words);
    }

    /// `<[route:]local@domain>`, the opening bracket already consumed.
    fn angle_addr(&mut self, name: Option<String>) {
        let adl = self.route();
        let mut words = Vec::new();
        let mut host = None;
        while let Some(token) = self.peek() {
            if token.is_special(b'>') || token.is_special(b',') || token.is_special(b';') {
                break;
            }
            let token = self.next();
            match token {
                Some(t) if t.is_special(b'@') => {
                    host = self.domain().0;
                    break;
                }
                Some(t) if t.is_word() || t.is_special(b'.') => words.push(t),
                _ => {}
            }
        }
        if self.peek().is_some_and(|t| t.is_special(b'>')) {
            self.pos += 1;
        }
        self.push_mailbox(name, adl, local_part(&words), host);
    }

    /// Obsolete source route `@a,@b:` (RFC 5322 §4.4), if present.
    fn route(&mut self) -> Option<String> {
        if !self.peek().is_some_and(|t| t.is_special(b'@')) {
            return None;
        }
        let start = self.pos;
        // Stopping at the next `<` too keeps repeated `<@,` linear: each scan
        // then covers a different stretch of the list.
        let colon = self.tokens[start..]
            .iter()
            .position(|t| t.is_special(b':') || t.is_special(b'>') || t.is_special(b'<'))
            .map(|p| start + p)?;
        if !self.tokens[colon].is_special(b':') {
            return None;
        }
        let route: Vec<u8> = self.tokens[start..colon]
            .iter()
            .filter(|t| t.kind != TokenKind::Comment)
            .flat_map(|t| t.text.iter().copied())
            .collect();
        self.pos = colon + 1;
        Some(lossy(route))
    }

    /// Domain after `@`: atoms, dots and literals up to a separator or a blank
    /// between words. Returns the domain and a comment found inside or after it.
    fn domain(&mut self) -> (Option<String>, Option<Vec<u8>>) {
        let mut domain = Vec::new();
        let mut comment = None;
        while let Some(token) = self.peek() {
            let ends_domain = matches!(token.kind, TokenKind::Special(b) if b != b'.')
                || (token.is_word() && token.space_before && !domain.is_empty());
            if ends_domain {
                break;
            }
            if token.kind == TokenKind::Comment {
                comment = Some(token.text.clone());
            } else {
                domain.extend_from_slice(&token.text);
            }
            self.pos += 1;
        }
        (non_empty(lossy(domain)), comment)
    }

    /// Skips what is left of a mailbox up to its separator, honouring `;`.
    fn finish_item(&mut self) {
        while let Some(token) = self.next() {
            if token.is_special(b',') {
                return;
            }
            if token.is_special(b';') {
                self.close_group();
                return;
            }
        }
    }

    fn close_group(&mut self) {
        if self.in_group {
            self.out.push(Address::group_end());
            self.in_group = false;
        }
    }

    /// Words with no `@` and no brackets: a local part without a domain.
    fn push_bare(&mut self, words: &[Token]) {
        if let Some(mailbox) = local_part(words) {
            self.push_mailbox(None, None, Some(mailbox), None);
        }
    }

    /// Adds a mailbox, unless it names nobody: `<>` (a null return path), a lone `@`. An entry with neither
    /// mailbox nor host would read as an end-of-group marker (RFC 9051 §7.5.2), whatever its name.
    fn push_mailbox(
        &mut self,
        name: Option<String>,
        adl: Option<String>,
        mailbox: Option<String>,
        host: Option<String>,
    ) {
        if mailbox.is_none() && host.is_none() {
            return;
        }
        self.out.push(Address { name: name.and_then(non_empty), adl, mailbox, host });
    }
}

/// A display name: words separated by single spaces where the sender put blanks.
fn phrase(words: &[Token]) -> String {
    let mut text = Vec::new();
    for word in words {
        if word.space_before && !text.is_empty() {
            text.push(b' ');
        }
        text.extend_from_slice(&word.text);
    }
    lossy(text)
}

/// A local part: its words and dots joined without blanks.
fn local_part(words: &[Token]) -> Option<String> {
    let text: Vec<u8> = words.iter().flat_map(|w| w.text.iter().copied()).collect();
    non_empty(lossy(text))
}

fn lossy(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn non_empty(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(name: Option<&str>, adl: Option<&str>, mailbox: Option<&str>, host: Option<&str>) -> Address {
        Address {
            name: name.map(str::to_owned),
            adl: adl.map(str::to_owned),
            mailbox: mailbox.map(str::to_owned),
            host: host.map(str::to_owned),
        }
    }

    #[test]
    fn display_name_and_angle_address() {
        assert_eq!(
            parse_address_list(b"From Real <fromuser@fromdomain.org>"),
            vec![addr(Some("From Real"), None, Some("fromuser"), Some("fromdomain.org"))]
        );
    }

    #[test]
    fn trailing_comment_becomes_the_name() {
        assert_eq!(
            parse_address_list(b"user@domain (Real Name)"),
            vec![addr(Some("Real Name"), None, Some("user"), Some("domain"))]
        );
    }

    #[test]
    fn groups_become_imap_markers() {
        let list = parse_address_list(b"group: g1@d1.org, g2@d2.org;, group2: g3@d3.org;");
        assert_eq!(
            list,
            vec![
                Address::group_start("group".into()),
                addr(None, None, Some("g1"), Some("d1.org")),
                addr(None, None, Some("g2"), Some("d2.org")),
                Address::group_end(),
                Address::group_start("group2".into()),
                addr(None, None, Some("g3"), Some("d3.org")),
                Address::group_end(),
            ]
        );
    }

    #[test]
    fn empty_groups_still_open_and_close() {
        assert_eq!(
            parse_address_list(b"group:;, group2: (foo) ;"),
            vec![
                Address::group_start("group".into()),
                Address::group_end(),
                Address::group_start("group2".into()),
                Address::group_end(),
            ]
        );
    }

    #[test]
    fn unterminated_group_is_closed() {
        let list = parse_address_list(b"undisclosed-recipients:");
        assert_eq!(list, vec![Address::group_start("undisclosed-recipients".into()), Address::group_end()]);
    }

    #[test]
    fn source_route_goes_to_adl() {
        assert_eq!(
            parse_address_list(b"<@route:user@domain>"),
            vec![addr(None, Some("@route"), Some("user"), Some("domain"))]
        );
        assert_eq!(parse_address_list(b"x <@a,@b:u@d>")[0].adl.as_deref(), Some("@a,@b"));
    }

    #[test]
    fn quoted_names_lose_their_quotes_and_keep_commas() {
        assert_eq!(
            parse_address_list(br#""Doe, John" <john@example.com>, b@c"#),
            vec![
                addr(Some("Doe, John"), None, Some("john"), Some("example.com")),
                addr(None, None, Some("b"), Some("c")),
            ]
        );
    }

    #[test]
    fn encoded_words_stay_raw() {
        let list = parse_address_list(b"=?utf-8?q?J=C3=B6rg?= <j@x.de>");
        assert_eq!(list[0].name.as_deref(), Some("=?utf-8?q?J=C3=B6rg?="));
    }

    #[test]
    fn missing_domain_leaves_host_empty() {
        assert_eq!(parse_address_list(b"localonly"), vec![addr(None, None, Some("localonly"), None)]);
        assert_eq!(parse_address_list(b"Name <localonly>"), vec![addr(Some("Name"), None, Some("localonly"), None)]);
    }

    #[test]
    fn dotted_local_parts_and_phrases() {
        assert_eq!(
            parse_address_list(b"John Q. Public <john.q . public@example.com>"),
            vec![addr(Some("John Q. Public"), None, Some("john.q.public"), Some("example.com"))]
        );
    }

    #[test]
    fn null_path_and_garbage_produce_no_markers() {
        assert_eq!(parse_address_list(b"<>"), vec![]);
        assert_eq!(parse_address_list(b", ,;> >"), vec![]);
        assert_eq!(parse_address_list(b""), vec![]);
    }

    /// Found by the `message_ingest` fuzz target: `From: @` gave an all-NIL entry, an end-of-group marker
    /// with no group, which IMAP clients counting markers would misread.
    #[test]
    fn a_lone_at_sign_names_nobody_and_closes_no_group() {
        assert_eq!(parse_address_list(b"@"), vec![]);
        assert_eq!(parse_address_list(b"(comment) @, a@b"), vec![addr(None, None, Some("a"), Some("b"))]);
        assert_eq!(
            parse_address_list(b"g: @, a@b;"),
            vec![Address::group_start("g".into()), addr(None, None, Some("a"), Some("b")), Address::group_end()]
        );
    }

    #[test]
    fn eight_bit_names_are_kept() {
        let list = parse_address_list("Jörg <j@x.de>".as_bytes());
        assert_eq!(list[0].name.as_deref(), Some("Jörg"));
    }
}
