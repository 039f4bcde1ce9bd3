//! Commands valid in any state (RFC 9051 §6.1), ID (RFC 2971), ENABLE (RFC 5161), NAMESPACE (RFC 2342).

use facteur_imap_proto::{Data, NamespaceDescription, StatusResponse};

use crate::session::Session;
use crate::state::State;

impl Session<'_> {
    pub(crate) fn capability(&mut self) -> StatusResponse {
        let capabilities = self.capabilities();
        self.client.data(Data::Capability(capabilities));
        StatusResponse::ok(None, "CAPABILITY completed")
    }

    pub(crate) fn logout(&mut self) -> StatusResponse {
        self.client.status(StatusResponse::bye("Logging out"));
        self.state = State::Logout;
        StatusResponse::ok(None, "LOGOUT completed")
    }

    /// RFC 2971: we say who we are; what the client says is only logged.
    pub(crate) fn id(&mut self) -> StatusResponse {
        let fields = vec![
            ("name".to_owned(), Some("Facteur".to_owned())),
            ("version".to_owned(), Some(env!("CARGO_PKG_VERSION").to_owned())),
        ];
        self.client.data(Data::Id(Some(fields)));
        StatusResponse::ok(None, "ID completed")
    }

    /// RFC 5161 §3.1: names we do not know are ignored; `* ENABLED` lists what this command turned on.
    pub(crate) fn enable(&mut self, names: &[String]) -> StatusResponse {
        let mut turned_on = Vec::new();
        for name in names {
            let enabled = &mut self.client.enabled;
            let flag = match name.to_ascii_uppercase().as_str() {
                "IMAP4REV2" => &mut enabled.rev2,
                "CONDSTORE" => &mut enabled.condstore,
                "QRESYNC" => {
                    // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
                    enabled.condstore = true;
                    &mut enabled.qresync
                }
                "UTF8=ACCEPT" => &mut enabled.utf8,
                _ => continue,
            };
            if !*flag {
                *flag = true;
                turned_on.push(name.clone());
            }
        }
        if self.client.enabled.rev2 || self.client.enabled.utf8 {
            self.client.use_utf8_names();
        }
        self.client.data(Data::Enabled(turned_on));
        StatusResponse::ok(None, "ENABLE completed")
    }

    /// One personal namespace, the whole tree, `/` as delimiter; no shared folders.
    pub(crate) fn namespace(&mut self) -> StatusResponse {
        let personal = vec![NamespaceDescription { prefix: String::new(), delimiter: Some('/') }];
        self.client.data(Data::Namespace { personal, other: Vec::new(), shared: Vec::new() });
        StatusResponse::ok(None, "NAMESPACE completed")
    }
}
