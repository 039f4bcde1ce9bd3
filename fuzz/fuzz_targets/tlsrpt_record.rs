//! What a recipient domain's DNS says about TLS-RPT (RFC 8460 §3), from anyone: the `_smtp._tls` TXT records.
//! Must never panic; a report address taken from them can go into a header and an SMTP command unharmed.
#![no_main]

use facteur_delivery::tlsrpt::tlsrpt_record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let records: Vec<String> = text.split('\n').map(str::to_owned).collect();
    if let Some(destinations) = tlsrpt_record(&records) {
        for address in &destinations.mailto {
            assert!(address.contains('@'));
            assert!(address.bytes().all(|b| b.is_ascii_graphic() && !b"<>\r\n,;".contains(&b)), "{address:?}");
        }
    }
});
