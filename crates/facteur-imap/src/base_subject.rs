//! The base subject of RFC 5256 §2.1, which SORT SUBJECT compares and THREAD groups by: the subject without
//! the `Re:`, `Fwd:`, `[list]` and `(fwd)` that replies and forwards pile up.

/// The base subject of a (decoded) subject, and whether it was a reply or forward (§2.1 step 2-6 removals,
/// which THREAD=ORDEREDSUBJECT and REFERENCES use).
pub fn base_subject(subject: &str) -> (String, bool) {
    // Step 1: runs of whitespace (tabs and folding included) become one space.
    let mut text = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut reply = false;
    loop {
        // Step 2: trailing "(fwd)" and whitespace.
        loop {
            let trimmed = text.trim_end();
            let without = strip_suffix_ignore_case(trimmed, "(fwd)");
            reply |= without.is_some();
            let next = without.unwrap_or(trimmed).to_owned();
            if next == text {
                break;
            }
            text = next;
        }
        // Steps 3-5: leaders ("Re:", "Fwd:", "[blob] Re:") and a leading blob, until nothing changes.
        loop {
            let before = text.clone();
            if let Some(rest) = strip_leader(&text) {
                text = rest.to_owned();
                reply = true;
            }
            if let Some(rest) = strip_blob(&text)
                && !rest.is_empty()
            {
                text = rest.to_owned();
            }
            if text == before {
                break;
            }
        }
        // Step 6: "[fwd: ... ]" around the whole subject.
        match text.strip_suffix(']').and_then(|inner| strip_prefix_ignore_case(inner, "[fwd:")) {
            Some(inner) => {
                text = inner.trim().to_owned();
                reply = true;
            }
            None => break,
        }
    }
    (text, reply)
}

/// `subj-leader = (*subj-blob subj-refwd) / WSP`, `subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"`.
fn strip_leader(text: &str) -> Option<&str> {
    let mut rest = text.trim_start();
    while let Some(after) = strip_blob(rest) {
        rest = after;
    }
    let after_word = strip_prefix_ignore_case(rest, "re")
        .or_else(|| strip_prefix_ignore_case(rest, "fwd"))
        .or_else(|| strip_prefix_ignore_case(rest, "fw"))?;
    let mut after_word = after_word.trim_start();
    if let Some(after_blob) = strip_blob(after_word) {
        after_word = after_blob;
    }
    Some(after_word.strip_prefix(':')?.trim_start())
}

/// `subj-blob = "[" *BLOBCHAR "]" *WSP`, BLOBCHAR being anything but `[` and `]`.
fn strip_blob(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('[')?;
    let end = inner.find(['[', ']'])?;
    inner[end..].strip_prefix(']').map(str::trim_start)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let at = text.len().checked_sub(suffix.len())?;
    let tail = text.get(at..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(subject: &str) -> &'static str {
        Box::leak(base_subject(subject).0.into_boxed_str())
    }

    #[test]
    fn replies_and_forwards_lose_their_markers() {
        assert_eq!(base_subject("Re: hello"), ("hello".to_owned(), true));
        assert_eq!(base("RE: Fwd: re:hello"), "hello");
        assert_eq!(base("Fw: hello (fwd) (FWD)"), "hello");
        assert_eq!(base("[fwd: Re: hello]"), "hello");
        assert_eq!(base("Re [2]: hello"), "hello");
        assert_eq!(base_subject("hello   \t world"), ("hello world".to_owned(), false));
    }

    #[test]
    fn list_tags_go_unless_nothing_would_be_left() {
        assert_eq!(base("[list] Re: hello"), "hello");
        assert_eq!(base("[list] hello"), "hello");
        assert_eq!(base("[only a blob]"), "[only a blob]");
        assert_eq!(base("Re: [list]"), "[list]");
        assert_eq!(base(""), "");
        assert_eq!(base("Re:"), "");
        assert_eq!(base("[unclosed Re: x"), "[unclosed Re: x");
    }
}
