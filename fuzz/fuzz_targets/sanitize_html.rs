//! Fuzzes the webmail's HTML sanitiser (`facteur_web::sanitize_html`) with whatever bytes a message could
//! carry as its HTML part. The first byte chooses the policy: even, remote images blocked; odd, allowed. One
//! inline image (`cid:a@b`) is known, so `cid:` rewriting is exercised too.
//!
//! What must hold:
//! - nothing panics, overflows the stack or hangs, whatever the markup (deep nesting, foreign content,
//!   broken tags, CSS escapes);
//! - the output, read again as a browser's tokenizer reads it (`facteur_web::audit`), has no element
//!   outside the allowlist (so no `<script`, `<style`, `<iframe`…), no `on…=` attribute, no link that is not
//!   http, https, mailto or tel (so no `javascript:`), no image from elsewhere unless allowed, no CSS escape
//!   or loading function, and every link opens with `target="_blank" rel="noopener noreferrer"`;
//! - `<script` never appears in the output at all, in any case.
//!
//! Run with `cargo fuzz run --sanitizer none sanitize_html` from `crates/facteur-web` (see docs/fuzzing.md).
#![no_main]

use facteur_web::audit::find_hazard;
use facteur_web::{InlineImages, RemoteImages, sanitize_html};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let remote = if mode % 2 == 0 { RemoteImages::Blocked } else { RemoteImages::Allowed };
    let html = String::from_utf8_lossy(input);
    let mut inline = InlineImages::default();
    inline.insert("a@b", "image/png", b"\x89PNG\r\n\x1a\n");
    let out = sanitize_html(&html, remote, &inline);
    if let Some(hazard) = find_hazard(&out, remote) {
        panic!("{hazard}\ninput: {html:?}\noutput: {out:?}");
    }
    assert!(!out.to_ascii_lowercase().contains("<script"), "input: {html:?}\noutput: {out:?}");
});
