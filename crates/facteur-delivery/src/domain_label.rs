//! The `domain` label of the per-domain delivery counter: a destination domain is a value the outside world
//! chooses (any sender may make us write to any domain), so the labels are bounded. The first
//! [`LABELLED_DOMAINS`] domains this process delivers to get their own series, the rest share `other`: a
//! server's main destinations come early and stay, and the number of series never grows past the bound.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};

/// Domains with a series of their own.
pub const LABELLED_DOMAINS: usize = 50;

/// The label value for the destination `domain` (lower-cased), or `other`.
pub fn domain_label(domain: &str) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let domain = domain.to_ascii_lowercase();
    let mut seen = SEEN.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
    if seen.contains(&domain) {
        return domain;
    }
    if seen.len() < LABELLED_DOMAINS {
        seen.insert(domain.clone());
        return domain;
    }
    "other".to_owned()
}
