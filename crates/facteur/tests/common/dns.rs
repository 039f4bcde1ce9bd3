//! The in-process test DNS server (`facteur_mailauth::testdns`) with the runtime that drives it, for test
//! functions that are not async themselves.

use facteur_mailauth::testdns::TestDns;

/// A running test DNS server; `server` takes the records. Fields drop in order: the server, then its runtime.
pub struct Dns {
    pub server: TestDns,
    _runtime: tokio::runtime::Runtime,
}

impl Dns {
    pub fn start() -> Dns {
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        let server = runtime.block_on(TestDns::start()).expect("the test DNS server");
        Dns { server, _runtime: runtime }
    }
}
