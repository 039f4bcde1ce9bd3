//! Sizes as people write and read them: `500M`, `1.5G`, `2048`, `10 KiB`. One unit system everywhere: powers
//! of 1024, as mail quotas (IMAP QUOTA's kilobytes, RFC 9208 §5.1) and most mail servers count them.

/// Why a size could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a size: expected bytes, or a number with K, M, G or T (e.g. 500M, 1.5G)")]
pub struct SizeError {
    text: String,
}

const UNITS: [(&str, u32); 5] = [("", 0), ("K", 10), ("M", 20), ("G", 30), ("T", 40)];

/// Reads `2048`, `500K`, `500KB`, `500KiB`, `1.5G`, `1.5 GB` (case-insensitive, powers of 1024). A fraction is
/// rounded down to whole bytes.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let error = || SizeError { text: text.to_owned() };
    let trimmed = text.trim();
    let split = trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let unit = unit.trim().to_ascii_uppercase();
    let unit = unit.strip_suffix("IB").or_else(|| unit.strip_suffix('B')).unwrap_or(&unit);
    let shift = UNITS.iter().find(|(name, _)| *name == unit).map(|(_, shift)| *shift).ok_or_else(error)?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(error());
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| error())? };
    let scaled_whole = whole.checked_mul(1u64 << shift).ok_or_else(error)?;
    // The fraction, exactly: digits / 10^len of the unit, without floating point.
    let fraction_bytes = match fraction {
        "" => 0,
        digits => {
            let digits = &digits[..digits.len().min(12)];
            let value: u128 = digits.parse().map_err(|_| error())?;
            let scale = 10u128.pow(u32::try_from(digits.len()).map_err(|_| error())?);
            u64::try_from(value * (1u128 << shift) / scale).map_err(|_| error())?
        }
    };
    scaled_whole.checked_add(fraction_bytes).ok_or_else(error)
}

/// `1536` → `1.5 KiB`; bytes below 1024 as they are (`512 B`); one decimal, trailing `.0` dropped.
pub fn human_size(bytes: u64) -> String {
    let Some((name, shift)) = UNITS.iter().rev().find(|(_, shift)| bytes >> shift >= 1 && *shift > 0) else {
        return format!("{bytes} B");
    };
    let tenths = (u128::from(bytes) * 10 + (1u128 << (shift - 1))) >> shift;
    match tenths % 10 {
        0 => format!("{} {name}iB", tenths / 10),
        rest => format!("{}.{rest} {name}iB", tenths / 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("2048"), Ok(2048));
        assert_eq!(parse_size("500K"), Ok(500 * 1024));
        assert_eq!(parse_size("500MB"), Ok(500 << 20));
        assert_eq!(parse_size("500 mib"), Ok(500 << 20));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_size(".5K"), Ok(512));
        assert_eq!(parse_size("2T"), Ok(2 << 40));
        for bad in ["", "M", "1.5.2G", "12Q", "-1", "1e3", "99999999999999999999", "16777216T"] {
            assert!(parse_size(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn sizes_are_shown_with_their_unit() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(500 << 20), "500 MiB");
        assert_eq!(human_size(3 << 29), "1.5 GiB");
        assert_eq!(human_size(u64::MAX), "16777216 TiB");
    }
}
