//! What the fuzz target feeds hostile bytes to: a request body read as JMAP, its result references resolved
//! call after call (each call's arguments standing in for its response, as Core/echo does), and every Email
//! create object built into a message, which must then parse. Nothing here touches a store.

use crate::methods::email::build::{Blobs, build};
use crate::protocol::{Invocation, Request, resolve_references};

/// Panics only on a bug: anything hostile must come back as an error.
pub fn request(bytes: &[u8]) {
    let Ok(request) = serde_json::from_slice::<Request>(bytes) else { return };
    let mut earlier: Vec<Invocation> = Vec::new();
    for Invocation(name, mut arguments, call_id) in request.method_calls {
        if resolve_references(&mut arguments, &earlier).is_err() {
            continue;
        }
        if let Some(create) = arguments.get("create").and_then(|value| value.as_object()) {
            for object in create.values().filter_map(|value| value.as_object()) {
                if let Ok(message) = build(object, &Blobs::new(), "fuzz@example.test") {
                    assert!(
                        mail_parser::MessageParser::default().parse_headers(&message).is_some(),
                        "a built message must parse"
                    );
                }
            }
        }
        earlier.push(Invocation(name, arguments, call_id));
    }
}
