//! LISTSCRIPTS (RFC 5804 §2.7), GETSCRIPT (§2.9), SETACTIVE (§2.8), DELETESCRIPT (§2.10) and RENAMESCRIPT
//! (§2.11): the account's scripts as the store keeps them.

use facteur_store::{Entity, StoreError};
use tracing::info;

use crate::response::{Code, Response, write_string};
use crate::script_name;
use crate::session::{Handled, Session};
use crate::state::Owner;

impl Session<'_> {
    /// §2.7: one line per script, `"name"` and ` ACTIVE` for the active one.
    pub(crate) async fn list_scripts(&mut self, owner: &Owner) -> Handled {
        let scripts = match self.server.store.sieve_scripts(owner.account).await {
            Ok(scripts) => scripts,
            Err(error) => return Ok(Response::store_failure(&error, "listing Sieve scripts")),
        };
        let mut out = Vec::new();
        for script in scripts {
            write_string(&mut out, script.name.as_bytes());
            if script.active {
                out.extend_from_slice(b" ACTIVE");
            }
            out.extend_from_slice(b"\r\n");
        }
        self.write(&out).await?;
        Ok(Response::ok("Listscripts completed"))
    }

    /// §2.9: the script as a literal, then OK.
    pub(crate) async fn get_script(&mut self, owner: &Owner, name: &str) -> Handled {
        if let Err(bad) = script_name::check(name) {
            return Ok(self.refuse(Response::no(bad.to_string())));
        }
        let text = match self.server.store.sieve_script(owner.account, name).await {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(no_such_script()),
            Err(error) => return Ok(Response::store_failure(&error, "reading a Sieve script")),
        };
        // Always a literal, whatever the text: a script is seldom a valid quoted string (it has line breaks).
        let mut out = format!("{{{}}}\r\n", text.len()).into_bytes();
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(b"\r\n");
        self.write(&out).await?;
        Ok(Response::ok("Getscript completed"))
    }

    /// §2.8: `name` becomes the active script; the empty name leaves none active.
    pub(crate) async fn set_active(&mut self, owner: &Owner, name: &str) -> Handled {
        let target = if name.is_empty() {
            None
        } else {
            if let Err(bad) = script_name::check(name) {
                return Ok(self.refuse(Response::no(bad.to_string())));
            }
            Some(name)
        };
        match self.server.store.activate_sieve_script(owner.account, target).await {
            Ok(()) => {}
            Err(StoreError::NotFound(Entity::SieveScript, _)) => return Ok(no_such_script()),
            Err(error) => return Ok(Response::store_failure(&error, "activating a Sieve script")),
        }
        match target {
            Some(name) => info!(user = %owner.address, script = name, "Sieve script activated"),
            None => info!(user = %owner.address, "Sieve scripts deactivated"),
        }
        Ok(Response::ok("Setactive completed"))
    }

    /// §2.10: the active script stays (`NO (ACTIVE)`): delivery must never lose its filter by surprise.
    pub(crate) async fn delete_script(&mut self, owner: &Owner, name: &str) -> Handled {
        if let Err(bad) = script_name::check(name) {
            return Ok(self.refuse(Response::no(bad.to_string())));
        }
        match self.server.store.delete_sieve_script(owner.account, name).await {
            Ok(()) => {
                info!(user = %owner.address, script = name, "Sieve script deleted");
                Ok(Response::ok("Deletescript completed"))
            }
            Err(StoreError::NotFound(Entity::SieveScript, _)) => Ok(no_such_script()),
            Err(StoreError::SieveScriptActive(_)) => {
                Ok(Response::no("The script is active: activate another one (or none) first").with(Code::Active))
            }
            Err(error) => Ok(Response::store_failure(&error, "deleting a Sieve script")),
        }
    }

    /// §2.11: renamed, and still active if it was.
    pub(crate) async fn rename_script(&mut self, owner: &Owner, old: &str, new: &str) -> Handled {
        for name in [old, new] {
            if let Err(bad) = script_name::check(name) {
                return Ok(self.refuse(Response::no(bad.to_string())));
            }
        }
        match self.server.store.rename_sieve_script(owner.account, old, new).await {
            Ok(()) => {
                info!(user = %owner.address, script = old, new_name = new, "Sieve script renamed");
                Ok(Response::ok("Renamescript completed"))
            }
            Err(StoreError::NotFound(Entity::SieveScript, _)) => Ok(no_such_script()),
            Err(StoreError::AlreadyExists(Entity::SieveScript, _)) => {
                Ok(Response::no("A script by the new name already exists").with(Code::AlreadyExists))
            }
            Err(error) => Ok(Response::store_failure(&error, "renaming a Sieve script")),
        }
    }
}

/// §1.3 NONEXISTENT.
fn no_such_script() -> Response {
    Response::no("There is no script by that name").with(Code::NonExistent)
}
