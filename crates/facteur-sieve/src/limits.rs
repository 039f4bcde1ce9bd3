//! Bounds on what a script may cost, at compile time and at run time. Every parser of untrusted input here has
//! one: scripts come from users (ManageSieve), messages from anyone.

/// Limits a script is compiled and run under. The defaults follow Pigeonhole's where it has one, so that a
/// script accepted by Dovecot is accepted here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest script source, in octets (Pigeonhole's `sieve_max_script_size` is 1 MiB).
    pub max_script_bytes: usize,
    /// Deepest nesting of blocks and tests (`if` inside `if`, `not` inside `allof`...): the parser is recursive.
    pub max_nesting: usize,
    /// Most variables a script may name (Pigeonhole: `sieve_variables_max_scope_size`, 255).
    pub max_variables: usize,
    /// Longest variable value in octets; longer values are cut (RFC 5229 §6 lets implementations limit them;
    /// Pigeonhole: `sieve_variables_max_variable_size`, 4 KiB).
    pub max_variable_bytes: usize,
    /// Largest compiled regular expression, in octets of the `regex` crate's program (draft-ietf-sieve-regex §5
    /// warns about costly expressions; the `regex` crate never backtracks, so time is linear once built).
    pub max_regex_bytes: usize,
    /// Deepest chain of `include`s (RFC 6609 §3.2; Pigeonhole: `sieve_include_max_nesting_depth`, 10).
    pub max_include_depth: usize,
    /// Most scripts `include` may load in one evaluation (Pigeonhole: `sieve_include_max_includes`, 255).
    pub max_includes: usize,
    /// Most `redirect` actions in one evaluation (Pigeonhole: `sieve_max_redirects`, 4; 0 forbids redirect).
    pub max_redirects: usize,
    /// Most actions in one evaluation (Pigeonhole: `sieve_max_actions`, 32).
    pub max_actions: usize,
    /// Shortest and longest vacation period in seconds; periods out of range are clamped (RFC 5230 §4.1,
    /// RFC 6131 §2; Pigeonhole's `sieve_vacation_min_period` is one day, with no maximum).
    pub vacation_min_period_secs: u64,
    pub vacation_max_period_secs: u64,
    /// Octets of a body part looked at by the `body` test (RFC 5173 §6 lets implementations limit it).
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_script_bytes: 1024 * 1024,
            max_nesting: 32,
            max_variables: 255,
            max_variable_bytes: 4096,
            max_regex_bytes: 256 * 1024,
            max_include_depth: 10,
            max_includes: 255,
            max_redirects: 4,
            max_actions: 32,
            vacation_min_period_secs: 86_400,
            vacation_max_period_secs: 365 * 86_400,
            max_body_bytes: 1024 * 1024,
        }
    }
}
