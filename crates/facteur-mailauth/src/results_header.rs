//! The `Authentication-Results` header (RFC 8601): writing ours, and removing forged ones.

use crate::outcome::AuthResult;
use crate::spf::SpfIdentity;
use crate::verdict::Verdict;
use std::borrow::Cow;

/// Lines are folded before this many columns (RFC 5322 §2.1.1 recommends 78).
const FOLD_AT: usize = 78;
/// A continuation line starts with a tab, counted as eight columns.
const CONTINUATION_INDENT: usize = 8;

impl Verdict {
    /// The complete header field to prepend to the message, CRLF-terminated:
    ///
    /// ```text
    /// Authentication-Results: mx.example.test;
    ///         spf=pass smtp.mailfrom=alice@example.org;
    ///         dkim=pass header.d=example.org header.s=f20261123;
    ///         dmarc=pass header.from=example.org;
    ///         arc=none
    /// ```
    ///
    /// Each method's result starts a continuation line (RFC 8601 §2.2 allows folding anywhere CFWS is),
    /// and a long result folds again between its properties. Values taken from the message (domains,
    /// addresses) are written as quoted strings when they contain anything but address characters, so
    /// a hostile signature cannot inject header syntax.
    pub fn authentication_results(&self) -> String {
        let mut header = format!("Authentication-Results: {};", pvalue(&self.authserv_id));
        let mut resinfos = vec![self.spf_resinfo()];
        resinfos.extend(self.dkim_resinfos());
        resinfos.push(self.dmarc_resinfo());
        resinfos.push(vec![format!("arc={}", self.arc.result)]);
        let last = resinfos.len() - 1;
        for (index, parts) in resinfos.into_iter().enumerate() {
            let terminator = if index == last { "" } else { ";" };
            append_folded(&mut header, &parts, terminator);
        }
        header.push_str("\r\n");
        header
    }

    fn spf_resinfo(&self) -> Vec<String> {
        let property = match self.spf.identity {
            SpfIdentity::MailFrom => "smtp.mailfrom",
            SpfIdentity::Helo => "smtp.helo",
        };
        let mut parts = vec![format!("spf={}", self.spf.result)];
        if !self.spf.checked.is_empty() {
            parts.push(format!("{property}={}", pvalue(&self.spf.checked)));
        }
        parts
    }

    fn dkim_resinfos(&self) -> Vec<Vec<String>> {
        if self.dkim.is_empty() {
            return vec![vec![format!("dkim={}", AuthResult::None)]];
        }
        self.dkim
            .iter()
            .map(|check| {
                let mut parts = vec![format!("dkim={}", check.result)];
                if let Some(reason) = &check.reason {
                    parts.push(format!("reason={}", quoted(reason)));
                }
                if !check.domain.is_empty() {
                    parts.push(format!("header.d={}", pvalue(&check.domain)));
                    parts.push(format!("header.s={}", pvalue(&check.selector)));
                }
                if check.algorithm.is_weak() {
                    // RFC 8301 §3.1: rsa-sha1 is not to be trusted; say which algorithm passed.
                    parts.push(format!("header.a={}", check.algorithm.as_str()));
                }
                parts
            })
            .collect()
    }

    fn dmarc_resinfo(&self) -> Vec<String> {
        let mut parts = vec![format!("dmarc={}", self.dmarc.result)];
        if !self.dmarc.header_from.is_empty() {
            parts.push(format!("header.from={}", pvalue(&self.dmarc.header_from)));
        }
        parts
    }
}

/// Appends one resinfo on a new continuation line, folding between its parts when a line would grow
/// past [`FOLD_AT`].
fn append_folded(header: &mut String, parts: &[String], terminator: &str) {
    header.push_str("\r\n\t");
    let mut column = CONTINUATION_INDENT;
    for (index, part) in parts.iter().enumerate() {
        let width = part.chars().count() + if index + 1 == parts.len() { terminator.len() } else { 0 };
        if index > 0 {
            if column + 1 + width > FOLD_AT {
                header.push_str("\r\n\t");
                column = CONTINUATION_INDENT;
            } else {
                header.push(' ');
                column += 1;
            }
        }
        header.push_str(part);
        column += width;
    }
    header.push_str(terminator);
}

/// An RFC 8601 `pvalue`: bare when it is made of address characters, else a quoted string.
fn pvalue(value: &str) -> Cow<'_, str> {
    let is_atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.@".contains(c);
    if !value.is_empty() && value.chars().all(is_atext) { Cow::Borrowed(value) } else { Cow::Owned(quoted(value)) }
}

/// A quoted string (RFC 5322 §3.2.4) with control characters dropped and `"`/`\` escaped.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars().filter(|c| !c.is_control()).take(200) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Removes every `Authentication-Results` field whose authserv-id is ours (compared without case),
/// continuation lines included. RFC 8601 §5: a field claiming our identity that we did not write is
/// forged, and downstream filters would trust it. Fields of other authserv-ids are kept.
pub fn strip_forged_results<'m>(message: &'m [u8], authserv_id: &str) -> Cow<'m, [u8]> {
    let stripped = facteur_message::without_fields(message, |field| {
        field.name_is("Authentication-Results")
            && authserv_id_of(field.value).is_some_and(|id| id.eq_ignore_ascii_case(authserv_id.as_bytes()))
    });
    if let Cow::Owned(kept) = &stripped {
        tracing::info!(
            removed_bytes = message.len() - kept.len(),
            "removed Authentication-Results claiming our authserv-id"
        );
    }
    stripped
}

/// The authserv-id at the start of an `Authentication-Results` value (RFC 8601 §2.2): skip folding
/// whitespace and comments, then take a token or a quoted string.
fn authserv_id_of(value: &[u8]) -> Option<Vec<u8>> {
    let mut rest = skip_cfws(value);
    if let Some(inner) = rest.strip_prefix(b"\"") {
        let end = inner.iter().position(|&b| b == b'"')?;
        return Some(inner[..end].iter().filter(|&&b| b != b'\\').copied().collect());
    }
    let end = rest.iter().position(|&b| b == b';' || b == b'(' || b.is_ascii_whitespace()).unwrap_or(rest.len());
    rest = &rest[..end];
    (!rest.is_empty()).then(|| rest.to_vec())
}

/// Skips whitespace, line breaks and (possibly nested) comments.
fn skip_cfws(mut value: &[u8]) -> &[u8] {
    loop {
        match value.first() {
            Some(b) if b.is_ascii_whitespace() => value = &value[1..],
            Some(b'(') => {
                let mut depth = 0usize;
                let mut end = value.len();
                for (index, &b) in value.iter().enumerate() {
                    match b {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = index + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                value = &value[end..];
            }
            _ => return value,
        }
    }
}

/// Text safe inside an SMTP reply: no control characters, so no line can be injected.
pub(crate) fn visible(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authserv_id_is_found_behind_comments_and_folding() {
        assert_eq!(authserv_id_of(b" mx.example.test; spf=pass").as_deref(), Some(&b"mx.example.test"[..]));
        assert_eq!(
            authserv_id_of(b"\r\n (hi (nested)) MX.Example.Test 1; none").as_deref(),
            Some(&b"MX.Example.Test"[..])
        );
        assert_eq!(authserv_id_of(b" \"mx.example.test\"; none").as_deref(), Some(&b"mx.example.test"[..]));
        assert_eq!(authserv_id_of(b"   "), None);
        assert_eq!(authserv_id_of(b" (unterminated"), None);
    }

    #[test]
    fn hostile_values_are_quoted_not_injected() {
        assert_eq!(pvalue("example.org"), "example.org");
        assert_eq!(pvalue("evil.test\r\nX-Spam: no"), "\"evil.testX-Spam: no\"");
        assert_eq!(pvalue("a\"b"), "\"a\\\"b\"");
    }
}
