//! Content-transfer decoding for FETCH BINARY (RFC 3516): the server undoes base64 and quoted-printable so
//! clients receive a part's octets as they were before encoding.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Lenient decoder: line breaks and stray characters are skipped, padding may be missing (RFC 2045 §6.8
/// asks decoders to ignore characters outside the alphabet).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The decoded content of a body encoded with `encoding`, or `None` for an encoding we do not know
/// (answered `NO [UNKNOWN-CTE]`, RFC 3516 §4.3).
pub fn decode(encoding: &str, body: &[u8]) -> Option<Vec<u8>> {
    match encoding.to_ascii_lowercase().as_str() {
        "" | "7bit" | "8bit" | "binary" => Some(body.to_vec()),
        "base64" => Some(decode_base64(body)),
        "quoted-printable" => Some(decode_quoted_printable(body)),
        _ => None,
    }
}

fn decode_base64(body: &[u8]) -> Vec<u8> {
    let mut clean: Vec<u8> = body
        .iter()
        .copied()
        .take_while(|&b| b != b'=')
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
        .collect();
    // A dangling single character carries no whole octet.
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    LENIENT.decode(&clean).unwrap_or_default()
}

/// RFC 2045 §6.7: `=XX` is an octet, `=` at a line end a soft break; trailing blanks of a line are dropped.
fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut joined_to_previous = true;
    for line in body.split(|&b| b == b'\n') {
        if !joined_to_previous {
            out.extend_from_slice(b"\r\n");
        }
        let line = trim_trailing_blanks(line.strip_suffix(b"\r").unwrap_or(line));
        let (line, soft_break) = match line.strip_suffix(b"=") {
            Some(rest) => (rest, true),
            None => (line, false),
        };
        let hex = |b: Option<&u8>| b.and_then(|&b| (b as char).to_digit(16));
        let mut i = 0;
        while i < line.len() {
            match (line[i], hex(line.get(i + 1)), hex(line.get(i + 2))) {
                (b'=', Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                }
                (byte, _, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        joined_to_previous = soft_break;
    }
    out
}

fn trim_trailing_blanks(line: &[u8]) -> &[u8] {
    let end = line.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(0, |at| at + 1);
    &line[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_with_line_breaks_decodes() {
        assert_eq!(decode("BASE64", b"SGVs\r\nbG8=\r\n").unwrap(), b"Hello");
        assert_eq!(decode("base64", b"AAECAwQ=").unwrap(), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn quoted_printable_decodes_octets_and_soft_breaks() {
        assert_eq!(
            decode("quoted-printable", b"caf=C3=A9 =\r\nau lait\r\nfin").unwrap(),
            "café au lait\r\nfin".as_bytes()
        );
    }

    #[test]
    fn unknown_encodings_are_reported() {
        assert_eq!(decode("x-uuencode", b"begin"), None);
        assert_eq!(decode("7bit", b"plain").unwrap(), b"plain");
    }
}
