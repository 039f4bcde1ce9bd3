//! RFC 4616 PLAIN: one message, `[authzid] NUL authcid NUL passwd`.

use super::{SaslError, credentials, field};
use crate::Credentials;

/// Decodes the (already base64-decoded) PLAIN message.
pub(super) fn decode(message: &[u8]) -> Result<Credentials, SaslError> {
    let mut fields = message.split(|&byte| byte == 0);
    let (Some(authzid), Some(authcid), Some(password), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        // Fewer than two NULs is not PLAIN; more means a NUL inside a field.
        return Err(if message.iter().filter(|&&b| b == 0).count() > 2 {
            SaslError::NulInField
        } else {
            SaslError::MalformedPlain
        });
    };
    let authzid = field(authzid.to_vec())?;
    let authcid = field(authcid.to_vec())?;
    let password = field(password.to_vec())?;
    // RFC 4616 §2: an empty authzid means "derive it from authcid". Acting as
    // someone else (proxy authorisation) needs an admin policy we lack, so the
    // only non-empty authzid we accept is the authcid itself.
    if !authzid.is_empty() && authzid != authcid {
        return Err(SaslError::ProxyAuthorizationUnsupported);
    }
    credentials(authcid, password)
}
