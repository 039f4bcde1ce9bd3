//! Modified UTF-7 (RFC 3501 §5.1.3), the IMAP4rev1 encoding of non-ASCII mailbox names.
//!
//! Decoding is strict: the RFC requires the shortest form, so names that would encode
//! differently (printable ASCII inside a shift, a shift with nothing in it, two adjacent
//! shifts, non-zero padding bits) are rejected. This keeps one name from having two
//! spellings that the store would treat as two mailboxes.

use thiserror::Error;

/// Why a name is not valid modified UTF-7.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Utf7Error {
    #[error("byte 0x{0:02x} is not printable US-ASCII")]
    NotPrintable(u8),
    #[error("'&' shift not terminated by '-'")]
    Unterminated,
    #[error("invalid modified base64")]
    BadBase64,
    #[error("encoded UTF-16 is not valid")]
    BadUtf16,
    #[error("not the shortest encoding")]
    NotCanonical,
    #[error("not valid UTF-8")]
    NotUtf8,
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn sextet(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|&c| c == b).map(|p| p as u32)
}

/// Decodes a modified UTF-7 name into UTF-8.
pub fn decode(raw: &[u8]) -> Result<String, Utf7Error> {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    let mut previous_was_shift = false;
    while i < raw.len() {
        let b = raw[i];
        if !(0x20..=0x7e).contains(&b) {
            return Err(Utf7Error::NotPrintable(b));
        }
        if b != b'&' {
            out.push(char::from(b));
            i += 1;
            previous_was_shift = false;
            continue;
        }
        let rest = &raw[i + 1..];
        let end = rest.iter().position(|&c| c == b'-').ok_or(Utf7Error::Unterminated)?;
        if end == 0 {
            out.push('&');
            previous_was_shift = false;
        } else {
            if previous_was_shift {
                return Err(Utf7Error::NotCanonical);
            }
            decode_shift(&rest[..end], &mut out)?;
            previous_was_shift = true;
        }
        i += end + 2;
    }
    Ok(out)
}

fn decode_shift(b64: &[u8], out: &mut String) -> Result<(), Utf7Error> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut units: Vec<u16> = Vec::with_capacity(b64.len());
    for &c in b64 {
        bits = (bits << 6) | sextet(c).ok_or(Utf7Error::BadBase64)?;
        nbits += 6;
        if nbits >= 16 {
            nbits -= 16;
            units.push((bits >> nbits) as u16);
            bits &= (1 << nbits) - 1;
        }
    }
    if nbits >= 6 || bits != 0 {
        return Err(Utf7Error::BadBase64);
    }
    for ch in char::decode_utf16(units.iter().copied()) {
        let ch = ch.map_err(|_| Utf7Error::BadUtf16)?;
        if (' '..='~').contains(&ch) {
            return Err(Utf7Error::NotCanonical);
        }
        out.push(ch);
    }
    Ok(())
}

/// Encodes a UTF-8 name as modified UTF-7.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush_shift(&mut pending, &mut out);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(ch.encode_utf16(&mut buf));
        }
    }
    flush_shift(&mut pending, &mut out);
    out
}

fn flush_shift(units: &mut Vec<u16>, out: &mut String) {
    if units.is_empty() {
        return;
    }
    out.push('&');
    let mut bits: u32 = 0;
    let mut nbits = 0;
    for &u in units.iter() {
        bits = (bits << 16) | u32::from(u);
        nbits += 16;
        while nbits >= 6 {
            nbits -= 6;
            out.push(char::from(ALPHABET[((bits >> nbits) & 0x3f) as usize]));
        }
        bits &= (1 << nbits) - 1;
    }
    if nbits > 0 {
        out.push(char::from(ALPHABET[((bits << (6 - nbits)) & 0x3f) as usize]));
    }
    out.push('-');
    units.clear();
}
