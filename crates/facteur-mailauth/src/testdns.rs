//! An in-process authoritative DNS server for tests (feature `test-dns`): start it on a loopback port,
//! put records in, point [`AuthSettings::nameservers`](crate::AuthSettings) (or `[dns] nameservers`) at
//! [`TestDns::addr`], and every SPF, DKIM, DMARC or MX lookup is answered from memory over UDP and TCP.
//!
//! Names with no records answer NXDOMAIN; names marked with [`TestDns::fail`] answer SERVFAIL, which is
//! how tests produce a DNS temporary error. Answers for names marked with [`TestDns::authentic`] carry the AD
//! bit, as a validating resolver sets it for DNSSEC-secure data (RFC 4035 §3.2.3): how tests stand in for
//! DNSSEC (DANE trusts the resolver's AD bit).

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::caa::KeyValue;
use hickory_server::proto::rr::rdata::{A, AAAA, CAA, CNAME, MX, PTR, SRV, TLSA, TXT};
use hickory_server::proto::rr::{Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, UdpSocket};

/// Time-to-live of every answer: short, so a test that changes a record is not fooled for long.
const TTL: u32 = 5;

/// A running test DNS server. Stops when dropped.
pub struct TestDns {
    address: SocketAddr,
    zone: Arc<RwLock<Zone>>,
    _server: Server<Handler>,
}

#[derive(Default)]
struct Zone {
    records: HashMap<(String, RecordType), Vec<Record>>,
    failing: HashSet<String>,
    authentic: HashSet<String>,
}

struct Handler {
    zone: Arc<RwLock<Zone>>,
}

impl TestDns {
    /// Binds UDP and TCP on the same free port of 127.0.0.1 and starts answering.
    pub async fn start() -> std::io::Result<Self> {
        let (udp, tcp) = bind_same_port().await?;
        let address = udp.local_addr()?;
        let zone = Arc::new(RwLock::new(Zone::default()));
        let mut server = Server::new(Handler { zone: Arc::clone(&zone) });
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 16);
        Ok(Self { address, zone, _server: server })
    }

    /// Where the server listens (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.address
    }

    /// Adds a TXT record, split into 255-byte character-strings as a real zone would hold it.
    pub fn add_txt(&self, name: &str, value: &str) {
        let strings: Vec<&[u8]> = value.as_bytes().chunks(255).collect();
        self.add(name, RData::TXT(TXT::from_bytes(strings)));
    }

    /// Adds an A record.
    pub fn add_a(&self, name: &str, address: Ipv4Addr) {
        self.add(name, RData::A(A(address)));
    }

    /// Adds an AAAA record.
    pub fn add_aaaa(&self, name: &str, address: Ipv6Addr) {
        self.add(name, RData::AAAA(AAAA(address)));
    }

    /// Adds an MX record.
    pub fn add_mx(&self, name: &str, preference: u16, exchange: &str) {
        let exchange = Name::from_ascii(fqdn(exchange)).unwrap_or_else(|_| Name::root());
        self.add(name, RData::MX(MX::new(preference, exchange)));
    }

    /// Adds an SRV record (`target` `.` for "not offered").
    pub fn add_srv(&self, name: &str, priority: u16, weight: u16, port: u16, target: &str) {
        let target =
            if target == "." { Name::root() } else { Name::from_ascii(fqdn(target)).unwrap_or_else(|_| Name::root()) };
        self.add(name, RData::SRV(SRV::new(priority, weight, port, target)));
    }

    /// Adds a CNAME record.
    pub fn add_cname(&self, name: &str, target: &str) {
        let target = Name::from_ascii(fqdn(target)).unwrap_or_else(|_| Name::root());
        self.add(name, RData::CNAME(CNAME(target)));
    }

    /// Adds the PTR record of `address` (its `in-addr.arpa` or `ip6.arpa` name).
    pub fn add_ptr(&self, address: std::net::IpAddr, target: &str) {
        let target = Name::from_ascii(fqdn(target)).unwrap_or_else(|_| Name::root());
        self.add(&Name::from(address).to_ascii(), RData::PTR(PTR(target)));
    }

    /// Adds a TLSA record.
    pub fn add_tlsa(&self, name: &str, usage: u8, selector: u8, matching: u8, data: Vec<u8>) {
        self.add(name, RData::TLSA(TLSA::new(usage.into(), selector.into(), matching.into(), data)));
    }

    /// Adds a CAA `issue` record (RFC 8659) naming `issuer`, with `parameters` (RFC 8657: `accounturi`,
    /// `validationmethods`).
    pub fn add_caa_issue(&self, name: &str, issuer: &str, parameters: &[(&str, &str)]) {
        let issuer = Name::from_ascii(issuer).ok();
        let parameters = parameters.iter().map(|(key, value)| KeyValue::new(*key, *value)).collect();
        self.add(name, RData::CAA(CAA::new_issue(false, issuer, parameters)));
    }

    /// Makes every answer for `name` carry the AD bit ("DNSSEC-validated" by the resolver we stand for).
    pub fn authentic(&self, name: &str) {
        self.write().authentic.insert(fqdn(name));
    }

    /// Makes every query for `name` answer SERVFAIL.
    pub fn fail(&self, name: &str) {
        self.write().failing.insert(fqdn(name));
    }

    fn add(&self, name: &str, data: RData) {
        let key = fqdn(name);
        let Ok(owner) = Name::from_ascii(&key) else {
            return;
        };
        let record = Record::from_rdata(owner, TTL, data);
        let record_type = record.record_type();
        self.write().records.entry((key, record_type)).or_default().push(record);
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Zone> {
        self.zone.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Lower case with the trailing dot: the one spelling used as a map key.
fn fqdn(name: &str) -> String {
    let mut name = name.to_ascii_lowercase();
    if !name.ends_with('.') {
        name.push('.');
    }
    name
}

async fn bind_same_port() -> std::io::Result<(UdpSocket, TcpListener)> {
    let mut last_error = None;
    for _ in 0..20 {
        let udp = UdpSocket::bind("127.0.0.1:0").await?;
        match TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(err) => last_error = Some(err),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("no free port")))
}

enum Answer {
    /// The records, and whether the AD bit is set.
    Records(Vec<Record>, bool),
    Error(ResponseCode),
}

impl Handler {
    fn answer(&self, name: &str, record_type: RecordType) -> Answer {
        let zone = self.zone.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        if zone.failing.contains(name) {
            return Answer::Error(ResponseCode::ServFail);
        }
        let authentic = zone.authentic.contains(name);
        if let Some(records) = zone.records.get(&(name.to_string(), record_type)) {
            return Answer::Records(records.clone(), authentic);
        }
        // RFC 8020: NXDOMAIN only when the name has no records of any type.
        if zone.records.keys().any(|(owner, _)| owner == name) {
            Answer::Records(Vec::new(), authentic)
        } else {
            Answer::Error(ResponseCode::NXDomain)
        }
    }
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = true;
        let answer = match request.request_info() {
            Ok(info) => self.answer(&fqdn(&info.query.name().to_string()), info.query.query_type()),
            Err(_) => Answer::Error(ResponseCode::FormErr),
        };
        let records = match answer {
            Answer::Records(records, authentic) => {
                metadata.authentic_data = authentic;
                records
            }
            Answer::Error(code) => {
                metadata.response_code = code;
                Vec::new()
            }
        };
        let response = MessageResponseBuilder::from_message_request(request).build(
            metadata,
            records.iter(),
            std::iter::empty(),
            std::iter::empty(),
            std::iter::empty(),
        );
        match response_handle.send_response(response).await {
            Ok(info) => info,
            Err(_) => ResponseInfo::from(Header { metadata, counts: HeaderCounts::default() }),
        }
    }
}
