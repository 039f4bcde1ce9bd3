//! Each account's own Bayesian classifier (Graham's idea, with Robinson's smoothing and Fisher's combining, as
//! SpamBayes and SpamAssassin do it). It starts knowing nothing and learns from what its user calls spam
//! (moving a message into Junk) and not spam (moving it out, mail from people the user writes to). It gives
//! an opinion only once it has seen [`MIN_TRAINED`] messages of each kind: before that it says nothing,
//! rather than guess from a handful.
//!
//! Tokens are hashed to 64 bits (FNV-1a) before they reach the store: the store never keeps words of anyone's
//! mail, and a hash is a fixed-size key. The tokenizer and the hash are part of the stored data's meaning:
//! changing either makes every account's training mean something else ([`TOKENIZER_VERSION`]).

use std::collections::BTreeSet;

use facteur_message::{MessageSummary, part_text, readable_text};

use crate::Reason;

/// Bumped whenever [`tokens`] or its hash changes, so that stored training can be told apart.
pub const TOKENIZER_VERSION: u32 = 2;
/// Messages of each class an account must have trained before its classifier speaks.
pub const MIN_TRAINED: u64 = 10;
/// The most telling tokens of a message are combined; the rest are noise (SpamBayes uses 150).
const MAX_CLUES: usize = 150;
/// A token whose probability is this close to one half says nothing.
const MIN_STRENGTH: f64 = 0.1;
/// Robinson's prior: an unseen token is neutral (x) with the weight of one message (s).
const PRIOR: f64 = 0.5;
const PRIOR_WEIGHT: f64 = 1.0;
/// Bytes of each text part read: the words that matter are near the top.
const TEXT_LIMIT: usize = 64 * 1024;
/// Distinct tokens per message, whatever its size.
pub const MAX_TOKENS: usize = 1000;

/// What an account's classifier knows about a message's tokens: how many messages of each class it has
/// trained, and for each token of the message it has seen, in how many of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Knowledge {
    pub spam_messages: u64,
    pub ham_messages: u64,
    /// `(token, spam count, ham count)` for the tokens asked about that the account has seen.
    pub tokens: Vec<(i64, u64, u64)>,
}

impl Knowledge {
    /// Whether there is enough training to give an opinion ([`MIN_TRAINED`]).
    pub fn is_trained(&self) -> bool {
        self.spam_messages >= MIN_TRAINED && self.ham_messages >= MIN_TRAINED
    }
}

/// The distinct hashed tokens of a message: words of its subject and of its text parts as a reader sees them
/// (HTML reduced to text; lower case, 3 to 24 letters or digits, accents kept), an HTML part's markup apart
/// (`markup:bgcolor`), the From domain, and the domains it links to.
pub fn tokens(raw: &[u8], summary: &MessageSummary) -> Vec<i64> {
    let mut found = BTreeSet::new();
    let mut add = |token: String| {
        if found.len() < MAX_TOKENS {
            found.insert(hash(&token));
        }
    };
    if let Some(subject) = &summary.sort.subject {
        words(subject).for_each(|word| add(format!("subject:{word}")));
    }
    if let Some(from) = summary.envelope.from.first().and_then(|from| from.host.as_deref()) {
        add(format!("from:{}", from.to_ascii_lowercase()));
    }
    for domain in crate::content::link_domains(raw, summary) {
        add(format!("url:{domain}"));
    }
    for part in crate::content::text_parts(&summary.body) {
        // Words are what the reader sees; an HTML part's markup (tags, attributes, colours) is evidence too, of
        // the sending program, so it counts apart, never as words. Measured with bench/spam_accuracy.sh: markup
        // read as words pushed Lorem-ipsum HTML ham to p = 0.94; no markup at all cut recall from 0.91 to 0.55.
        let visible: BTreeSet<String> = words(&readable_text(raw, part, TEXT_LIMIT)).collect();
        if part.is("text", "html") {
            for word in words(&part_text(raw, part, TEXT_LIMIT)).filter(|word| !visible.contains(word)) {
                add(format!("markup:{word}"));
            }
        }
        visible.into_iter().for_each(&mut add);
    }
    found.into_iter().collect()
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| (3..=24).contains(&word.chars().count()))
        .map(str::to_lowercase)
}

/// FNV-1a, 64 bits: stable across versions and platforms (the stored keys depend on it), and fast.
fn hash(token: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in token.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// The probability that a message is spam, from 0 (surely not) to 1 (surely), or `None` before the
/// classifier has trained enough.
pub fn spam_probability(knowledge: &Knowledge) -> Option<f64> {
    if !knowledge.is_trained() {
        return None;
    }
    let (spam_total, ham_total) = (knowledge.spam_messages as f64, knowledge.ham_messages as f64);
    let mut clues: Vec<f64> = knowledge
        .tokens
        .iter()
        .map(|&(_, spam, ham)| {
            let spam_ratio = (spam as f64 / spam_total).min(1.0);
            let ham_ratio = (ham as f64 / ham_total).min(1.0);
            let seen = (spam + ham) as f64;
            let raw = spam_ratio / (spam_ratio + ham_ratio);
            (PRIOR_WEIGHT * PRIOR + seen * raw) / (PRIOR_WEIGHT + seen)
        })
        .filter(|probability| (probability - 0.5).abs() >= MIN_STRENGTH)
        .collect();
    if clues.is_empty() {
        return Some(0.5);
    }
    clues.sort_by(|a, b| (b - 0.5).abs().total_cmp(&(a - 0.5).abs()));
    clues.truncate(MAX_CLUES);
    Some(fisher_combined(&clues))
}

/// Robinson's combining of the clues with Fisher's chi-square test: H says how surely the clues are not all
/// spammy, S how surely not all hammy; (1 + H − S) / 2 is the indicator.
fn fisher_combined(clues: &[f64]) -> f64 {
    let spam_log: f64 = clues.iter().map(|p| (1.0 - p).max(1e-200).ln()).sum();
    let ham_log: f64 = clues.iter().map(|p| p.max(1e-200).ln()).sum();
    let freedom = 2 * clues.len();
    let spamminess = 1.0 - chi2_survival(-2.0 * spam_log, freedom);
    let hamminess = 1.0 - chi2_survival(-2.0 * ham_log, freedom);
    ((1.0 + spamminess - hamminess) / 2.0).clamp(0.0, 1.0)
}

/// P(χ² ≥ value) for an even number of degrees of freedom: a finite series (no special functions needed).
fn chi2_survival(value: f64, freedom: usize) -> f64 {
    let half = value / 2.0;
    let mut term = (-half).exp();
    let mut sum = term;
    for i in 1..freedom / 2 {
        term *= half / i as f64;
        sum += term;
    }
    sum.min(1.0)
}

/// The classifier's opinion as a reason: a score that alone junks only when it is very sure, and a negative
/// one when it is sure the message is wanted.
pub fn reason(probability: f64) -> Option<Reason> {
    let (rule, score) = match probability {
        p if p >= 0.99 => ("BAYES_99", 5.0),
        p if p >= 0.95 => ("BAYES_95", 3.5),
        p if p >= 0.80 => ("BAYES_80", 2.0),
        p if p <= 0.01 => ("BAYES_00", -3.0),
        p if p <= 0.05 => ("BAYES_05", -1.5),
        _ => return None,
    };
    Some(Reason::new(rule, score, format!("spam probability {probability:.3}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knowledge(tokens: Vec<(i64, u64, u64)>) -> Knowledge {
        Knowledge { spam_messages: 20, ham_messages: 20, tokens }
    }

    #[test]
    fn it_says_nothing_until_trained() {
        let mut untrained = knowledge(vec![(1, 20, 0)]);
        untrained.ham_messages = MIN_TRAINED - 1;
        assert_eq!(spam_probability(&untrained), None);
    }

    #[test]
    fn tokens_seen_only_in_spam_make_spam() {
        let probability = spam_probability(&knowledge(vec![(1, 20, 0), (2, 18, 1), (3, 15, 0)])).unwrap_or(0.0);
        assert!(probability > 0.99, "{probability}");
        let probability = spam_probability(&knowledge(vec![(1, 0, 20), (2, 1, 18)])).unwrap_or(1.0);
        assert!(probability < 0.01, "{probability}");
    }

    #[test]
    fn common_words_and_unknown_tokens_are_neutral() {
        let probability = spam_probability(&knowledge(vec![(1, 20, 20), (2, 10, 10)])).unwrap_or(0.0);
        assert!((probability - 0.5).abs() < 1e-9, "{probability}");
    }

    #[test]
    fn the_tokens_of_a_message() {
        let raw = "From: Shop <deals@shop.example>\r\nSubject: Cheap watches\r\nContent-Type: text/plain; \
                   charset=utf-8\r\n\r\nBuy cheap watches at https://shop.example/x now, très bon marché!\r\n";
        let raw = raw.as_bytes();
        let summary = facteur_message::ingest(raw);
        let tokens = tokens(raw, &summary);
        for token in ["subject:cheap", "from:shop.example", "url:shop.example", "watches", "très", "marché"] {
            assert!(tokens.contains(&hash(token)), "{token}");
        }
        // Too short to mean anything.
        assert!(!tokens.contains(&hash("at")));
    }

    #[test]
    fn html_markup_counts_apart_from_words() {
        let raw =
            b"Content-Type: text/html\r\n\r\n<html><body bgcolor=\"#ffffff\"><p>Lorem ipsum</p></body></html>\r\n";
        let tokens = tokens(raw, &facteur_message::ingest(raw));
        assert!(tokens.contains(&hash("lorem")) && tokens.contains(&hash("ipsum")));
        for markup in ["html", "body", "bgcolor", "ffffff"] {
            assert!(!tokens.contains(&hash(markup)), "{markup} is not a word");
            assert!(tokens.contains(&hash(&format!("markup:{markup}"))), "{markup} is markup");
        }
    }

    #[test]
    fn the_hash_is_fnv1a() {
        // The published FNV-1a 64 test vector for "a".
        assert_eq!(hash("a") as u64, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn chi_square_tail() {
        assert!((chi2_survival(0.0, 4) - 1.0).abs() < 1e-12);
        // P(χ²₂ ≥ 2) = e^-1.
        assert!((chi2_survival(2.0, 2) - (-1.0f64).exp()).abs() < 1e-12);
    }
}
