//! The `:regex` match type of draft-ietf-sieve-regex (as Pigeonhole implements it, POSIX extended
//! expressions) on the `regex` crate: never backtracking, so matching is linear in the subject, and built
//! under a size limit (draft §5 warns that expressions can be costly).

use regex::{Regex, RegexBuilder};

/// Compiles `pattern`; `i;ascii-casemap` (the default comparator) makes it case-insensitive.
pub(crate) fn build(pattern: &str, case_insensitive: bool, max_bytes: usize) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .size_limit(max_bytes)
        .dfa_size_limit(max_bytes)
        .nest_limit(64)
        .build()
        .map_err(|error| format!("invalid regular expression {pattern:?}: {}", one_line(&error.to_string())))
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// draft-ietf-sieve-regex §4 `:quoteregex`: a backslash before every character special to an extended
/// regular expression.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\^$.[]|()*+?{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_expressions_are_refused() {
        assert!(build("a{1000}{1000}", false, 256 * 1024).is_err());
        assert!(build("^[a-z]+@example\\.(com|org)$", true, 256 * 1024).is_ok());
        assert!(build("(", true, 1024).is_err());
    }

    #[test]
    fn quoting_makes_text_literal() {
        let quoted = quote("a.b*c");
        let regex = build(&quoted, false, 1 << 16).ok();
        assert!(regex.as_ref().is_some_and(|r| r.is_match("a.b*c")));
        assert!(!regex.is_some_and(|r| r.is_match("axbbc")));
    }
}
