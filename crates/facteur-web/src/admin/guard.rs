//! Who may use the admin page: a live webmail session (the same cookie) of an account marked admin, read from
//! the store on every request, so that removing the mark takes effect at once. A change also needs the
//! session's CSRF token, and a JSON body.

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use facteur_jmap::WebSession;

use super::AdminState;
use crate::cookie;
use crate::error::WebError;

/// The administrator making the request.
pub struct Administrator {
    pub session: WebSession,
}

impl Administrator {
    /// Who, for the log.
    pub fn name(&self) -> &str {
        &self.session.username
    }
}

impl FromRequestParts<AdminState> for Administrator {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AdminState) -> Result<Self, WebError> {
        let (_, session) = cookie::session(&state.jmap, &parts.headers).await?;
        if !is_admin(state, &session).await? {
            return Err(WebError::NotAdmin);
        }
        if parts.method != Method::GET {
            cookie::require_csrf(&session, &parts.headers)?;
        }
        Ok(Administrator { session })
    }
}

/// Whether the session's account is (still) marked admin.
pub async fn is_admin(state: &AdminState, session: &WebSession) -> Result<bool, WebError> {
    let account = state.settings.store.account(session.account).await.map_err(|_| WebError::Unavailable)?;
    Ok(account.is_some_and(|account| account.admin))
}
