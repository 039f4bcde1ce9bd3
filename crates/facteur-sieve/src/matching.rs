//! Comparators (RFC 4790 §9, RFC 5228 §2.7.3) and match types (RFC 5228 §2.7.1, relational RFC 5231,
//! regex draft-ietf-sieve-regex), with the match variables `:matches` and `:regex` capture (RFC 5229 §3.2).

use std::cmp::Ordering;

/// RFC 5228 §2.7.3 comparators; `i;ascii-casemap` is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Comparator {
    Octet,
    #[default]
    AsciiCasemap,
    /// RFC 4790 §9.1: the number a string starts with; a string starting with no digit is positive
    /// infinity. Supports equality and ordering only.
    AsciiNumeric,
}

/// RFC 5231 §4: the relations of `:value` and `:count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum MatchType {
    #[default]
    Is,
    Contains,
    Matches,
    Regex,
    Value(Relation),
    Count(Relation),
}

/// A comparator and a match type, as validated together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Matcher {
    pub comparator: Comparator,
    pub match_type: MatchType,
}

impl Comparator {
    pub(crate) fn from_name(name: &str) -> Option<Comparator> {
        match name.to_ascii_lowercase().as_str() {
            "i;octet" => Some(Comparator::Octet),
            "i;ascii-casemap" => Some(Comparator::AsciiCasemap),
            "i;ascii-numeric" => Some(Comparator::AsciiNumeric),
            _ => None,
        }
    }

    /// RFC 4790 §9.1: i;ascii-numeric offers equality and ordering, not substring or wildcard matching.
    pub(crate) fn supports(self, match_type: MatchType) -> bool {
        self != Comparator::AsciiNumeric
            || matches!(match_type, MatchType::Is | MatchType::Value(_) | MatchType::Count(_))
    }

    pub(crate) fn equal(self, a: &str, b: &str) -> bool {
        match self {
            Comparator::Octet => a == b,
            Comparator::AsciiCasemap => a.eq_ignore_ascii_case(b),
            Comparator::AsciiNumeric => numeric_order(a, b) == Ordering::Equal,
        }
    }

    pub(crate) fn order(self, a: &str, b: &str) -> Ordering {
        match self {
            Comparator::Octet => a.as_bytes().cmp(b.as_bytes()),
            Comparator::AsciiCasemap => {
                a.bytes().map(|c| c.to_ascii_uppercase()).cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
            }
            Comparator::AsciiNumeric => numeric_order(a, b),
        }
    }

    fn contains(self, haystack: &str, needle: &str) -> bool {
        match self {
            Comparator::Octet => haystack.contains(needle),
            _ => haystack.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()),
        }
    }

    fn char_equal(self, a: char, b: char) -> bool {
        match self {
            Comparator::Octet => a == b,
            _ => a.eq_ignore_ascii_case(&b),
        }
    }
}

/// RFC 4790 §9.1.1: compare the leading digit strings as numbers, without any limit on their size.
fn numeric_order(a: &str, b: &str) -> Ordering {
    match (leading_number(a), leading_number(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
    }
}

/// The digits a string starts with, leading zeros removed (`"0"` for zero); `None` when it starts with none.
fn leading_number(value: &str) -> Option<&str> {
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let number = value[..digits].trim_start_matches('0');
    Some(if number.is_empty() { "0" } else { number })
}

impl Relation {
    pub(crate) fn from_name(name: &str) -> Option<Relation> {
        match name.to_ascii_lowercase().as_str() {
            "gt" => Some(Relation::Gt),
            "ge" => Some(Relation::Ge),
            "lt" => Some(Relation::Lt),
            "le" => Some(Relation::Le),
            "eq" => Some(Relation::Eq),
            "ne" => Some(Relation::Ne),
            _ => None,
        }
    }

    pub(crate) fn holds(self, order: Ordering) -> bool {
        match self {
            Relation::Gt => order == Ordering::Greater,
            Relation::Ge => order != Ordering::Less,
            Relation::Lt => order == Ordering::Less,
            Relation::Le => order != Ordering::Greater,
            Relation::Eq => order == Ordering::Equal,
            Relation::Ne => order != Ordering::Equal,
        }
    }
}

/// RFC 5228 §2.7.1 `:matches`: `*` any sequence, `?` one character, `\` makes the next character literal.
/// The first `*` takes as little as it can (RFC 5229 §3.2's examples; Pigeonhole does the same), which the
/// classic last-star backtracking gives. On a match, `captures` receives the whole value then the text of
/// each wildcard in order.
pub(crate) fn wildcard_match(
    comparator: Comparator,
    value: &str,
    pattern: &str,
    captures: Option<&mut Vec<String>>,
) -> bool {
    let pattern = compile_wildcard(pattern);
    let text: Vec<char> = value.chars().collect();
    // For each wildcard of the pattern, the range of `text` it took.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let (mut t, mut p) = (0, 0);
    // The last star: its pattern index, its number among wildcards, where its text starts and ends now.
    let mut star: Option<(usize, usize, usize)> = None;
    loop {
        if p < pattern.len() {
            match pattern[p] {
                Glob::Star => {
                    spans.push((t, t));
                    star = Some((p, spans.len() - 1, t));
                    p += 1;
                    continue;
                }
                Glob::One if t < text.len() => {
                    spans.push((t, t + 1));
                    t += 1;
                    p += 1;
                    continue;
                }
                Glob::Char(c) if t < text.len() && comparator.char_equal(c, text[t]) => {
                    t += 1;
                    p += 1;
                    continue;
                }
                _ => {}
            }
        } else if t == text.len() {
            break;
        }
        // Mismatch: let the last star take one more character, or fail.
        let Some((star_p, star_index, star_start)) = star else { return false };
        let Some(&(_, end)) = spans.get(star_index) else { return false };
        if end >= text.len() {
            return false;
        }
        spans.truncate(star_index + 1);
        spans[star_index] = (star_start, end + 1);
        t = end + 1;
        p = star_p + 1;
    }
    if let Some(captures) = captures {
        captures.clear();
        captures.push(value.to_owned());
        captures.extend(spans.iter().map(|&(start, end)| text[start..end].iter().collect::<String>()));
    }
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glob {
    Star,
    One,
    Char(char),
}

fn compile_wildcard(pattern: &str) -> Vec<Glob> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '*' => {
                // Consecutive stars match what one does; each still counts as a match variable, empty but for
                // the last, which the backtracking gives anyway.
                Glob::Star
            }
            '?' => Glob::One,
            '\\' => Glob::Char(chars.next().unwrap_or('\\')),
            other => Glob::Char(other),
        });
    }
    out
}

/// RFC 5228 §2.7.1 `:contains` and `:is`, and RFC 5231 `:value`, for one value and one key.
pub(crate) fn simple_match(matcher: Matcher, value: &str, key: &str) -> bool {
    match matcher.match_type {
        MatchType::Is => matcher.comparator.equal(value, key),
        MatchType::Contains => matcher.comparator.contains(value, key),
        MatchType::Value(relation) => relation.holds(matcher.comparator.order(value, key)),
        MatchType::Matches => wildcard_match(matcher.comparator, value, key, None),
        // Counting and regular expressions need more than one value and key: see `run::matching`.
        MatchType::Count(_) | MatchType::Regex => false,
    }
}

/// RFC 5229 §4.1 `:quotewildcard`: a backslash before each `*`, `?` and `\`.
pub(crate) fn quote_wildcard(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captures(pattern: &str, value: &str) -> Option<Vec<String>> {
        let mut groups = Vec::new();
        wildcard_match(Comparator::AsciiCasemap, value, pattern, Some(&mut groups)).then_some(groups)
    }

    #[test]
    fn the_first_star_takes_as_little_as_it_can() {
        assert_eq!(captures("*.*", "a.b.c"), Some(vec!["a.b.c".into(), "a".into(), "b.c".into()]));
        assert_eq!(
            captures("*.*@*.?", "a.b.c@x.y.z"),
            Some(["a.b.c@x.y.z", "a", "b.c", "x.y", "z"].map(String::from).to_vec())
        );
        assert_eq!(captures("*", ""), Some(vec![String::new(), String::new()]));
        assert_eq!(captures("?", ""), None);
    }

    #[test]
    fn escapes_and_case() {
        assert!(wildcard_match(Comparator::AsciiCasemap, "A*B", "a\\*b", None));
        assert!(!wildcard_match(Comparator::AsciiCasemap, "AxB", "a\\*b", None));
        assert!(!wildcard_match(Comparator::Octet, "ABC", "a*", None));
        assert!(wildcard_match(Comparator::AsciiCasemap, "café", "CAF?", None), "? is one character");
    }

    #[test]
    fn many_stars_stay_fast() {
        let value = "a".repeat(4000);
        let pattern = format!("{}b", "*a".repeat(30));
        assert!(!wildcard_match(Comparator::Octet, &value, &pattern, None));
    }

    #[test]
    fn ascii_numeric_orders_numbers_and_puts_words_last() {
        let c = Comparator::AsciiNumeric;
        assert_eq!(c.order("10", "9"), Ordering::Greater);
        assert_eq!(c.order("007", "7"), Ordering::Equal);
        assert_eq!(c.order("abc", "99999999999999999999999"), Ordering::Greater);
        assert_eq!(c.order("x", "y"), Ordering::Equal);
        assert_eq!(c.order("12abc", "12"), Ordering::Equal);
    }

    #[test]
    fn relations() {
        let matcher = Matcher { comparator: Comparator::AsciiNumeric, match_type: MatchType::Value(Relation::Ge) };
        assert!(simple_match(matcher, "5", "5"));
        assert!(!simple_match(matcher, "4", "5"));
    }
}
