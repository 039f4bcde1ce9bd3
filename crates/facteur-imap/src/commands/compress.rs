//! COMPRESS (RFC 4978 §3): DEFLATE is the one mechanism. The tagged OK goes uncompressed; everything after it,
//! both ways, is compressed (the session switches once the OK is sent).

use facteur_imap_proto::{ResponseCode, StatusResponse};

use crate::session::Session;

impl Session<'_> {
    pub(crate) fn compress(&mut self, mechanism: &str) -> StatusResponse {
        if !mechanism.eq_ignore_ascii_case("DEFLATE") {
            return StatusResponse::bad(None, format!("Unknown compression mechanism {mechanism}"));
        }
        if self.client.is_compressed() {
            return StatusResponse::no(None, "DEFLATE is already active").with_code(ResponseCode::CompressionActive);
        }
        self.compress_after_reply = true;
        StatusResponse::ok(None, "DEFLATE active")
    }
}
