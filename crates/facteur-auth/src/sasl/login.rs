//! The LOGIN mechanism (draft-murchison-sasl-login-00): the server asks
//! `Username:` then `Password:`, each answered with one base64 line.

use super::{SaslError, credentials, field};
use crate::Credentials;

/// base64("Username:"), the challenge every LOGIN client expects verbatim.
pub(super) const USERNAME_CHALLENGE: &str = "VXNlcm5hbWU6";
/// base64("Password:").
pub(super) const PASSWORD_CHALLENGE: &str = "UGFzc3dvcmQ6";

pub(super) fn username(decoded: Vec<u8>) -> Result<String, SaslError> {
    let authcid = field(decoded)?;
    if authcid.is_empty() {
        return Err(SaslError::EmptyAuthcid);
    }
    Ok(authcid)
}

pub(super) fn with_password(authcid: String, decoded: Vec<u8>) -> Result<Credentials, SaslError> {
    credentials(authcid, field(decoded)?)
}
