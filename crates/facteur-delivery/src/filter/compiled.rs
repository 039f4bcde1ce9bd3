//! Compiled scripts kept between deliveries, so that an account's script is compiled when it changes rather
//! than for every message.
//!
//! Each delivery still reads the account's active script (one indexed read), and the text it finds decides:
//! the same text (by SHA-256) reuses the compiled script, another text is compiled and replaces it. That read
//! is what notices a change, whoever made it (ManageSieve, JMAP, `facteur store migrate`, another node on
//! the same database), so no writer has to remember to tell this cache anything, and a stale script can
//! never run.
//!
//! Memory is bounded twice: at most `max_entries` accounts, and at most `max_bytes` of script text (a
//! compiled script is a tree some times the size of its text, so the text's size is its weight). When
//! either bound would be passed, entries are dropped in the hash map's order, which is arbitrary: a cache
//! miss only costs one compile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use facteur_sieve::{CompileError, Limits, Script};
use facteur_store::AccountId;
use ring::digest::{Digest, SHA256, digest};

/// Accounts whose compiled script is kept, by default.
pub(crate) const MAX_ENTRIES: usize = 10_000;
/// Octets of script text whose compiled scripts are kept, by default (the `[sieve] max_script_bytes`
/// default is 64 KiB; most scripts are a few hundred octets).
pub(crate) const MAX_BYTES: usize = 32 * 1024 * 1024;

/// Each account's last compiled active script.
#[derive(Debug)]
pub(crate) struct CompiledScripts {
    max_entries: usize,
    max_bytes: usize,
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    scripts: HashMap<AccountId, Compiled>,
    /// The sum of the kept scripts' text sizes.
    bytes: usize,
}

#[derive(Debug)]
struct Compiled {
    text: Digest,
    bytes: usize,
    script: Arc<Script>,
}

impl Default for CompiledScripts {
    fn default() -> Self {
        CompiledScripts::new(MAX_ENTRIES, MAX_BYTES)
    }
}

impl CompiledScripts {
    pub(crate) fn new(max_entries: usize, max_bytes: usize) -> CompiledScripts {
        CompiledScripts { max_entries, max_bytes, kept: Mutex::default() }
    }

    /// `account`'s active script, whose text is `source`, compiled under `limits`: the kept one if the text
    /// is the same, else compiled now (off the lock: two deliveries may compile at once, and the later one
    /// is kept). A script that does not compile is not kept; its error comes back each time.
    pub(crate) fn script(
        &self,
        account: AccountId,
        source: &str,
        limits: &Limits,
    ) -> Result<Arc<Script>, CompileError> {
        let text = digest(&SHA256, source.as_bytes());
        if let Some(script) = self.kept(account, &text) {
            return Ok(script);
        }
        let script = Arc::new(facteur_sieve::compile(source, limits)?);
        self.keep(account, Compiled { text, bytes: source.len(), script: Arc::clone(&script) });
        Ok(script)
    }

    fn kept(&self, account: AccountId, text: &Digest) -> Option<Arc<Script>> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let compiled = kept.scripts.get(&account)?;
        (compiled.text.as_ref() == text.as_ref()).then(|| Arc::clone(&compiled.script))
    }

    fn keep(&self, account: AccountId, compiled: Compiled) {
        if compiled.bytes > self.max_bytes {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.forget(account);
        while !kept.scripts.is_empty()
            && (kept.scripts.len() >= self.max_entries || kept.bytes + compiled.bytes > self.max_bytes)
        {
            let Some(&any) = kept.scripts.keys().next() else { break };
            kept.forget(any);
        }
        kept.bytes += compiled.bytes;
        kept.scripts.insert(account, compiled);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner).scripts.len()
    }
}

impl Kept {
    fn forget(&mut self, account: AccountId) {
        if let Some(old) = self.scripts.remove(&account) {
            self.bytes -= old.bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEEP: &str = "keep;";
    const DISCARD: &str = "discard;";

    #[test]
    fn an_unchanged_script_is_not_compiled_again() {
        let cache = CompiledScripts::default();
        let first = cache.script(AccountId(1), KEEP, &Limits::default()).unwrap();
        let second = cache.script(AccountId(1), KEEP, &Limits::default()).unwrap();
        assert!(Arc::ptr_eq(&first, &second), "the kept compiled script is reused");
    }

    #[test]
    fn a_changed_script_is_compiled_again_and_replaces_the_old_one() {
        let cache = CompiledScripts::default();
        let old = cache.script(AccountId(1), KEEP, &Limits::default()).unwrap();
        let new = cache.script(AccountId(1), DISCARD, &Limits::default()).unwrap();
        assert!(!Arc::ptr_eq(&old, &new));
        assert_eq!(*new, facteur_sieve::compile(DISCARD, &Limits::default()).unwrap());
        assert_eq!(cache.len(), 1, "one entry per account");
        let again = cache.script(AccountId(1), DISCARD, &Limits::default()).unwrap();
        assert!(Arc::ptr_eq(&new, &again));
    }

    #[test]
    fn accounts_with_the_same_text_have_their_own_entries() {
        let cache = CompiledScripts::default();
        let alice = cache.script(AccountId(1), KEEP, &Limits::default()).unwrap();
        let bob = cache.script(AccountId(2), DISCARD, &Limits::default()).unwrap();
        assert!(Arc::ptr_eq(&alice, &cache.script(AccountId(1), KEEP, &Limits::default()).unwrap()));
        assert!(Arc::ptr_eq(&bob, &cache.script(AccountId(2), DISCARD, &Limits::default()).unwrap()));
    }

    #[test]
    fn a_script_that_does_not_compile_is_not_kept() {
        let cache = CompiledScripts::default();
        let error = cache.script(AccountId(1), "fileinto \"x\";", &Limits::default()).unwrap_err();
        assert!(error.message.contains("fileinto"), "{error:?}");
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn entries_are_bounded_in_number_and_in_bytes() {
        let cache = CompiledScripts::new(2, 1024);
        for account in 1..=5 {
            cache.script(AccountId(account), KEEP, &Limits::default()).unwrap();
            assert!(cache.len() <= 2);
        }
        let by_size = CompiledScripts::new(100, 12);
        for account in 1..=5 {
            by_size.script(AccountId(account), DISCARD, &Limits::default()).unwrap();
            assert!(by_size_bytes(&by_size) <= 12);
        }
        assert_eq!(by_size.len(), 1, "8 octets each, 12 at most: one entry");
        let big = "keep;".repeat(10);
        by_size.script(AccountId(9), &big, &Limits::default()).unwrap();
        assert_eq!(by_size.len(), 1, "a script larger than the whole budget is compiled but not kept");
    }

    fn by_size_bytes(cache: &CompiledScripts) -> usize {
        cache.kept.lock().unwrap_or_else(PoisonError::into_inner).bytes
    }
}
