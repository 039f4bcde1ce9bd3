//! Sieve scripts (RFC 5228) as ManageSieve (RFC 5804 §1.7) sees them: each account has named scripts, at most
//! one of them active, and delivery runs the active one. The store keeps them as text and enforces the
//! account's limits in the same transaction that writes, so two clients uploading at once cannot exceed them.
//! What a script means is `facteur-sieve`'s; what a name may be is the ManageSieve server's.

/// A script as listed (LISTSCRIPTS), without its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SieveScriptInfo {
    pub name: String,
    /// Its size in bytes (UTF-8), as HAVESPACE counts it.
    pub size: u64,
    pub active: bool,
}

/// How much an account may keep (`[sieve]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SieveLimits {
    /// Scripts per account.
    pub max_scripts: usize,
    /// Bytes of one script.
    pub max_script_bytes: u64,
}

impl SieveLimits {
    /// Whether `size` more bytes in a script fit, the account already having `scripts` scripts (the one
    /// replaced not counted).
    pub fn allows(&self, scripts: usize, size: u64) -> bool {
        scripts < self.max_scripts && size <= self.max_script_bytes
    }
}
