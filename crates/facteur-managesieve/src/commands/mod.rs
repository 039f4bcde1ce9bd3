//! Command handlers, one file per family, and the dispatch of each state (RFC 5804 §2).

use crate::command::Command;
use crate::response::Response;
use crate::session::{Handled, Session};
use crate::state::Owner;

/// AUTHENTICATE (SASL through `facteur-auth`) and UNAUTHENTICATE.
mod authenticate;
/// CAPABILITY, the capability listing of the greeting, and STARTTLS.
mod capability;
/// LISTSCRIPTS, GETSCRIPT, SETACTIVE, DELETESCRIPT, RENAMESCRIPT.
mod scripts;
/// PUTSCRIPT, CHECKSCRIPT, HAVESPACE: what compiles a script or weighs it against the account's limits.
mod upload;

impl Session<'_> {
    /// Before AUTHENTICATE: only what leads to it (CAPABILITY, NOOP and LOGOUT are handled in every state).
    pub(crate) async fn non_authenticated_command(&mut self, command: Command) -> Handled {
        match command {
            Command::Authenticate { mechanism, initial_response } => {
                self.authenticate(&mechanism, initial_response).await
            }
            Command::StartTls => self.starttls().await,
            Command::HaveSpace { .. }
            | Command::PutScript { .. }
            | Command::ListScripts
            | Command::SetActive { .. }
            | Command::GetScript { .. }
            | Command::DeleteScript { .. }
            | Command::RenameScript { .. }
            | Command::CheckScript { .. }
            | Command::Unauthenticate => Ok(self.refuse(Response::no("Authenticate first"))),
            Command::Capability | Command::Noop { .. } | Command::Logout => {
                Ok(self.refuse(Response::no("Unexpected command")))
            }
        }
    }

    /// Logged in as `owner`.
    pub(crate) async fn authenticated_command(&mut self, owner: &Owner, command: Command) -> Handled {
        match command {
            Command::HaveSpace { name, size } => self.have_space(owner, &name, size).await,
            Command::PutScript { name, script } => self.put_script(owner, &name, script).await,
            Command::CheckScript { script } => self.check_script(owner, script).await,
            Command::ListScripts => self.list_scripts(owner).await,
            Command::GetScript { name } => self.get_script(owner, &name).await,
            Command::SetActive { name } => self.set_active(owner, &name).await,
            Command::DeleteScript { name } => self.delete_script(owner, &name).await,
            Command::RenameScript { old, new } => self.rename_script(owner, &old, &new).await,
            Command::Unauthenticate => Ok(self.unauthenticate(owner)),
            // RFC 5804 §2.1: "the client MUST NOT issue AUTHENTICATE again"; §2.2: no STARTTLS once
            // authenticated.
            Command::Authenticate { .. } => Ok(self.refuse(Response::no("Already authenticated"))),
            Command::StartTls => Ok(self.refuse(Response::no("STARTTLS is not allowed after AUTHENTICATE"))),
            Command::Capability | Command::Noop { .. } | Command::Logout => {
                Ok(self.refuse(Response::no("Unexpected command")))
            }
        }
    }
}
