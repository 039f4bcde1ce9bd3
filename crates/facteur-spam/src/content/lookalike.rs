//! A From that imitates our own domain: the phishing that says "IT department" from `examp1e.com`,
//! `example.com.security-check.net` or `"admin@example.com" <x@elsewhere.net>`. A From that *is* our domain
//! is DMARC's question, not this one's.

use facteur_message::MessageSummary;

use super::score;
use crate::Reason;

pub(super) fn check(summary: &MessageSummary, local_domains: &[String]) -> Option<Reason> {
    let from = summary.envelope.from.first()?;
    let domain = from.host.as_deref()?.trim_end_matches('.').to_ascii_lowercase();
    if local_domains.iter().any(|ours| is_same_or_below(&domain, ours)) {
        return None;
    }
    if let Some(ours) = local_domains.iter().find(|ours| imitates(&domain, ours)) {
        return Some(reason(format!("From: domain {domain} imitates {ours}")));
    }
    let name = from.name.as_deref().unwrap_or_default().to_ascii_lowercase();
    let named = local_domains.iter().find(|ours| name.contains(&format!("@{ours}")))?;
    Some(reason(format!("From: name shows an address at {named}, the mail is from {domain}")))
}

fn reason(detail: String) -> Reason {
    Reason::new("FROM_LOOKALIKE", score::FROM_LOOKALIKE, detail)
}

fn is_same_or_below(domain: &str, ours: &str) -> bool {
    domain == ours || domain.strip_suffix(ours).is_some_and(|rest| rest.ends_with('.'))
}

/// Whether `domain` (not ours) looks like `ours` to a reader: our name with one letter changed, swapped, added
/// or dropped, or written with look-alike characters; or our whole name inside theirs
/// (`example.com.evil.net`, `example-com.net`).
fn imitates(domain: &str, ours: &str) -> bool {
    let (domain_skeleton, ours_skeleton) = (skeleton(domain), skeleton(ours));
    if domain_skeleton == ours_skeleton {
        return true;
    }
    // Short names are one letter away from many honest ones (`ibm.com`, `ibn.com`).
    if ours.len() >= 6 && edit_distance(&domain_skeleton, &ours_skeleton) <= 1 {
        return true;
    }
    let flattened = |name: &str| name.replace(['.', '-'], "");
    let contains_ours = domain.split('.').count() > ours.split('.').count() && domain.contains(ours);
    contains_ours || (ours.contains('.') && flattened(domain).starts_with(&flattened(ours)))
}

/// The name as a reader sees it: characters that look alike made one (RFC 3490's homographs reach further;
/// these are the ones seen in ASCII names).
fn skeleton(name: &str) -> String {
    name.replace("rn", "m")
        .replace("vv", "w")
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' | '|' => 'l',
            '5' => 's',
            other => other,
        })
        .collect()
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(from: &str) -> Option<String> {
        let raw = format!("From: {from}\r\n\r\n");
        check(&facteur_message::ingest(raw.as_bytes()), &["example.com".to_owned()]).map(|reason| reason.detail)
    }

    #[test]
    fn imitations_of_our_domain_are_named() {
        for from in [
            "IT <it@examp1e.com>",
            "it@exarnple.com",
            "it@exmaple.com",
            "it@example.co",
            "it@example.com.security-check.net",
            "it@example-com.net",
            "\"admin@example.com\" <x@elsewhere.net>",
        ] {
            assert!(verdict(from).is_some(), "{from} imitates example.com");
        }
    }

    #[test]
    fn our_own_and_unrelated_domains_are_left_alone() {
        for from in ["boss@example.com", "boss@mail.example.com", "friend@example.org.uk", "news@other.net"] {
            assert_eq!(verdict(from), None, "{from}");
        }
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("example", "exmaple"), 1);
        assert_eq!(edit_distance("example", "examples"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }
}
