//! Every response we write must parse with imap-codec, an independent parser.

#![allow(clippy::unwrap_used)]

mod common;

use common::responses::{extension_catalogue, rev1_catalogue};
use facteur_imap_proto::{NameEncoding, ResponseWriter};
use imap_codec::decode::Decoder;
use imap_codec::{GreetingCodec, ResponseCodec};

fn imap_codec_rejection(name: &str, bytes: &[u8]) -> Option<String> {
    // PREAUTH only exists as a greeting, which imap-codec parses with its own codec.
    let decoded = if bytes.starts_with(b"* PREAUTH") {
        GreetingCodec::default().decode(bytes).map(|(rest, _)| (rest, ())).map_err(|e| format!("{e:?}"))
    } else {
        ResponseCodec::default().decode(bytes).map(|(rest, _)| (rest, ())).map_err(|e| format!("{e:?}"))
    };
    match decoded {
        Ok(([], _)) => None,
        Ok(_) => Some(format!("{name}: trailing bytes in {:?}", String::from_utf8_lossy(bytes))),
        Err(e) => Some(format!("{name}: {e:?} for {:?}", String::from_utf8_lossy(bytes))),
    }
}

fn assert_all_parse(encoding: NameEncoding) {
    let writer = ResponseWriter::new(encoding);
    let failures: Vec<String> = rev1_catalogue()
        .iter()
        .filter_map(|(name, response)| imap_codec_rejection(name, &writer.to_bytes(response)))
        .collect();
    assert!(failures.is_empty(), "imap-codec rejected:\n{}", failures.join("\n"));
}

#[test]
fn every_rev1_response_parses_with_imap_codec() {
    assert_all_parse(NameEncoding::ModifiedUtf7);
}

#[test]
fn every_rev1_response_in_utf8_mode_parses_with_imap_codec() {
    assert_all_parse(NameEncoding::Utf8);
}

/// Pins which forms imap-codec cannot parse, so that this list shrinks when it learns them
/// (and so that a change making one of ours unparseable shows up as a surprise here).
#[test]
fn extension_forms_imap_codec_lacks_are_exactly_the_known_ones() {
    let writer = ResponseWriter::default();
    for (name, response) in extension_catalogue() {
        let bytes = writer.to_bytes(&response);
        assert!(
            imap_codec_rejection(name, &bytes).is_some(),
            "{name} now parses with imap-codec: move it to the checked catalogue"
        );
    }
}
