//! PUTSCRIPT (RFC 5804 §2.6), CHECKSCRIPT (§2.12) and HAVESPACE (§2.5): what compiles a script with
//! `facteur-sieve` or weighs it against the account's limits.
//!
//! A script is compiled before it is stored, so delivery never meets one that does not compile, and the
//! client hears where the error is (`line 3, column 7: …`). Included scripts (RFC 6609) are not read at
//! upload: whether they exist is a question for the time the script runs (RFC 6609 §3.2), so a missing one
//! gets a warning (§1.3 WARNINGS), not a refusal; it may well be uploaded next.

use facteur_sieve::IncludeLocation;
use facteur_store::{SieveLimits, StoreError};
use tracing::info;

use crate::command::ScriptText;
use crate::response::{Code, Response};
use crate::script_name;
use crate::session::{Handled, Session};
use crate::state::Owner;

impl Session<'_> {
    /// §2.5 HAVESPACE: whether a script of `size` octets named `name` would fit, by the rule the store
    /// applies when it is put.
    pub(crate) async fn have_space(&mut self, owner: &Owner, name: &str, size: u64) -> Handled {
        if let Err(bad) = script_name::check(name) {
            return Ok(self.refuse(Response::no(bad.to_string())));
        }
        let scripts = match self.server.store.sieve_scripts(owner.account).await {
            Ok(scripts) => scripts,
            Err(error) => return Ok(Response::store_failure(&error, "listing Sieve scripts")),
        };
        // The script replaced by the same name does not count (§2.5).
        let others = scripts.iter().filter(|script| script.name != name).count();
        let limits = self.server.settings.limits;
        if limits.allows(others, size) {
            Ok(Response::ok("Putscript would succeed"))
        } else {
            Ok(over_quota(&limits, size))
        }
    }

    /// §2.6 PUTSCRIPT: compiled, then stored within the account's limits.
    pub(crate) async fn put_script(&mut self, owner: &Owner, name: &str, script: ScriptText) -> Handled {
        if let Err(bad) = script_name::check(name) {
            return Ok(self.refuse(Response::no(bad.to_string())));
        }
        let source = match self.checked_source(script) {
            Ok(source) => source,
            Err(refusal) => return Ok(refusal),
        };
        let compiled = match facteur_sieve::compile(&source, &self.server.settings.compile_limits) {
            Ok(compiled) => compiled,
            Err(error) => return Ok(Response::no(error.to_string())),
        };
        let limits = self.server.settings.limits;
        match self.server.store.put_sieve_script(owner.account, name, &source, limits).await {
            Ok(()) => {}
            Err(StoreError::SieveQuota { .. }) => return Ok(over_quota(&limits, source.len() as u64)),
            Err(error) => return Ok(Response::store_failure(&error, "storing a Sieve script")),
        }
        info!(user = %owner.address, script = name, bytes = source.len(), "Sieve script stored");
        Ok(self.with_include_warnings(owner, &compiled, Response::ok("Putscript completed")).await)
    }

    /// §2.12 CHECKSCRIPT: compiled, nothing stored.
    pub(crate) async fn check_script(&mut self, owner: &Owner, script: ScriptText) -> Handled {
        let source = match self.checked_source(script) {
            Ok(source) => source,
            Err(refusal) => return Ok(refusal),
        };
        match facteur_sieve::compile(&source, &self.server.settings.compile_limits) {
            Ok(compiled) => Ok(self.with_include_warnings(owner, &compiled, Response::ok("Script is valid")).await),
            Err(error) => Ok(Response::no(error.to_string())),
        }
    }

    /// The script's text, if it is within the size limit and UTF-8 (RFC 5228 §2.2: scripts are UTF-8).
    fn checked_source(&self, script: ScriptText) -> Result<String, Response> {
        let limits = self.server.settings.limits;
        let bytes = match script {
            ScriptText::TooLarge(size) => return Err(over_quota(&limits, size)),
            ScriptText::Bytes(bytes) if bytes.len() as u64 > limits.max_script_bytes => {
                return Err(over_quota(&limits, bytes.len() as u64));
            }
            ScriptText::Bytes(bytes) => bytes,
        };
        String::from_utf8(bytes).map_err(|error| {
            Response::no(format!("the script is not valid UTF-8 (at octet {})", error.utf8_error().valid_up_to()))
        })
    }

    /// `response` with a WARNINGS code (§1.3) naming the included scripts that do not exist (yet).
    async fn with_include_warnings(
        &self,
        owner: &Owner,
        compiled: &facteur_sieve::Script,
        response: Response,
    ) -> Response {
        let includes = compiled.includes();
        if includes.iter().all(|(_, _, optional)| *optional) {
            return response;
        }
        let existing = match self.server.store.sieve_scripts(owner.account).await {
            Ok(scripts) => scripts,
            // The upload itself succeeded: a warning we cannot compute is no reason to say otherwise.
            Err(_) => return response,
        };
        let mut warnings = Vec::new();
        for (location, name, optional) in includes {
            match location {
                _ if optional => {}
                IncludeLocation::Personal if existing.iter().any(|script| script.name == name) => {}
                IncludeLocation::Personal => warnings.push(format!(
                    "included script {name:?} does not exist yet: delivery keeps the message until it does"
                )),
                IncludeLocation::Global => warnings
                    .push(format!("included global script {name:?} does not exist: this server has no global scripts")),
            }
        }
        if warnings.is_empty() {
            return response;
        }
        warnings.dedup();
        Response::ok(warnings.join("; ")).with(Code::Warnings)
    }
}

/// §1.3: `QUOTA/MAXSIZE` when the script is too large, `QUOTA/MAXSCRIPTS` when there are too many; the rule
/// itself is `SieveLimits::allows`.
fn over_quota(limits: &SieveLimits, size: u64) -> Response {
    if size > limits.max_script_bytes {
        let text = format!("A script may hold at most {} octets; this one has {size}", limits.max_script_bytes);
        Response::no(text).with(Code::QuotaMaxSize)
    } else {
        Response::no(format!("An account may keep at most {} scripts", limits.max_scripts)).with(Code::QuotaMaxScripts)
    }
}
