//! Fuzzes what a mail client's discovery request hands facteur-http: the Autodiscover (POX) request body,
//! the query string of autoconfig and Autodiscover v2 (`emailaddress=`, `Email=`), and the address and
//! domain checks every one of them ends in (`EmailAddress::parse`, `Domain::parse`). The first byte
//! chooses the input: 0 an Autodiscover body, 1 a query string, otherwise a bare address.
//!
//! What must hold:
//! - nothing panics, whatever the bytes (XML with DTDs, entities, CDATA; percent-encoding; Unicode);
//! - the Autodiscover reader returns the element's text exactly: any address written as character
//!   references reads back unchanged (XML 1.0 §4.1), and nothing is found where no `EMailAddress` is;
//! - an accepted address has no control characters, a lowercase domain of at most 253 octets in labels
//!   of at most 63 (RFC 1035 §2.3.4), and parsing it again as we echo it gives the same address;
//! - a domain accepted once is accepted again unchanged, also with a service label removed.
//!
//! Run with `cargo fuzz run --sanitizer none discovery_request` from `crates/facteur-http`
//! (see docs/fuzzing.md).
#![no_main]

use axum::extract::Query;
use axum::http::Uri;
use facteur_http::autodiscover::requested_address;
use facteur_http::EmailAddress;
use facteur_primitives::DomainName as Domain;
use libfuzzer_sys::fuzz_target;

/// The prefixes `site.rs` removes from a Host name (private there).
const SERVICE_LABELS: [&str; 3] = ["autoconfig", "autodiscover", "mta-sts"];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    match mode {
        0 => autodiscover_body(input),
        1 => query_string(input),
        _ => {
            if let Ok(text) = std::str::from_utf8(input) {
                check_address(text);
                check_domain(text);
                check_reads_back(text);
            }
        }
    }
});

fn autodiscover_body(body: &[u8]) {
    let Some(requested) = requested_address(body) else {
        return;
    };
    // The element name cannot come from a reference or CDATA: it must be in the bytes.
    let lowercase = body.to_ascii_lowercase();
    assert!(lowercase.windows(12).any(|w| w == b"emailaddress"), "address found in {body:?}");
    check_address(&requested);
    check_reads_back(&requested);
}

/// As `autoconfig::serve` and `autodiscover_json::serve_query` read their query: axum's `Query` into pairs,
/// then the first parameter with the name in any case (`site::query_param`).
fn query_string(input: &[u8]) {
    let Ok(query) = std::str::from_utf8(input) else {
        return;
    };
    // hyper refuses a request line that is not a valid URI before any handler runs.
    let Ok(uri) = format!("/mail/config-v1.1.xml?{query}").parse::<Uri>() else {
        return;
    };
    let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(&uri) else {
        return;
    };
    for name in ["emailaddress", "Email"] {
        if let Some((_, value)) = pairs.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)) {
            check_address(value);
        }
    }
}

fn check_address(input: &str) {
    let Ok(address) = EmailAddress::parse(input) else {
        return;
    };
    let shown = address.to_string();
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    check_domain_shape(address.domain());
    assert!(shown.ends_with(&format!("@{}", address.domain())), "{shown:?}");
    assert_eq!(EmailAddress::parse(&shown).as_ref(), Ok(&address), "{input:?} echoed as {shown:?}");
    check_domain(address.domain().as_str());
}

fn check_domain(input: &str) {
    let Ok(domain) = Domain::parse(input) else {
        return;
    };
    check_domain_shape(&domain);
    assert_eq!(Domain::parse(domain.as_str()).as_ref(), Ok(&domain), "{input:?}");
    for label in SERVICE_LABELS {
        if let Some(rest) = domain.without_first_label(label) {
            assert_eq!(format!("{label}.{rest}"), domain.as_str());
            check_domain_shape(&rest);
        }
    }
}

fn check_domain_shape(domain: &Domain) {
    let name = domain.as_str();
    assert!(!name.is_empty() && name.len() <= 253, "{name:?}");
    assert_eq!(name.to_lowercase(), name);
    assert!(name.split('.').all(|label| !label.is_empty() && label.len() <= 63), "{name:?}");
}

/// `text` written as character references inside an Autodiscover request reads back as `text`; XML has no
/// reference for NUL (XML 1.0 §2.2), which must give nothing rather than something else.
fn check_reads_back(text: &str) {
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/\
         autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>",
    );
    for c in text.chars() {
        body.push_str(&format!("&#x{:X};", u32::from(c)));
    }
    body.push_str("</EMailAddress></Request></Autodiscover>");
    let read = requested_address(body.as_bytes());
    if text.contains('\0') {
        assert_eq!(read, None);
    } else {
        assert_eq!(read.as_deref(), Some(text));
    }
}
