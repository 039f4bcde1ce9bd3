//! Time as mail writes it: unix seconds, civil dates of the proleptic Gregorian calendar, and RFC 5322
//! date-times. Everything is UTC: a server has no business guessing a reader's zone.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days from 0000-03-01 to 1970-01-01: the conversions count in 400-year eras of 146,097 days whose years
/// start on 1 March, so the leap day falls last in a year and needs no special case.
const EPOCH_SHIFT: i64 = 719_468;
const DAYS_PER_ERA: i64 = 146_097;
const SECONDS_PER_DAY: i64 = 86_400;

/// A day of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
}

impl CivilDate {
    /// The date of a day counted from 1970-01-01 (negative before it).
    pub fn from_days(days: i64) -> CivilDate {
        let shifted = days + EPOCH_SHIFT;
        let era = shifted.div_euclid(DAYS_PER_ERA);
        let day_of_era = shifted.rem_euclid(DAYS_PER_ERA);
        let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_from_march = (5 * day_of_year + 2) / 153;
        // Both fit: day 1..=31, month 1..=12 by construction.
        let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
        let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        CivilDate { year, month, day }
    }

    /// The date of a moment in unix seconds.
    pub fn from_unix(unix_seconds: i64) -> CivilDate {
        CivilDate::from_days(unix_seconds.div_euclid(SECONDS_PER_DAY))
    }

    /// `YYYYMMDD`, as DKIM selectors carry it.
    pub fn compact(&self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

/// Days since 1970-01-01 of a civil date: the inverse of [`CivilDate::from_days`].
pub fn days_from_civil(date: CivilDate) -> i64 {
    let (month, day) = (i64::from(date.month), i64::from(date.day));
    let year = if month <= 2 { date.year - 1 } else { date.year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT
}

/// Day names from 1970-01-01, a Thursday: `WEEKDAYS[days.rem_euclid(7)]`.
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A moment in UTC, taken apart as the textual date formats below name it.
struct Moment {
    date: CivilDate,
    weekday: &'static str,
    month: &'static str,
    hour: i64,
    minute: i64,
    second: i64,
}

impl Moment {
    fn at(unix_seconds: i64) -> Moment {
        let days = unix_seconds.div_euclid(SECONDS_PER_DAY);
        let seconds = unix_seconds.rem_euclid(SECONDS_PER_DAY);
        let date = CivilDate::from_days(days);
        Moment {
            // rem_euclid keeps both indexes in range.
            weekday: WEEKDAYS[days.rem_euclid(7) as usize],
            month: MONTHS[(date.month - 1) as usize],
            date,
            hour: seconds / 3600,
            minute: seconds % 3600 / 60,
            second: seconds % 60,
        }
    }
}

/// RFC 5322 §3.3 date-time in UTC: `Tue, 1 Jul 2025 12:34:56 +0000`.
pub fn rfc5322_date(unix_seconds: i64) -> String {
    let Moment { date, weekday, month, hour, minute, second } = Moment::at(unix_seconds);
    format!("{weekday}, {} {month} {} {hour:02}:{minute:02}:{second:02} +0000", date.day, date.year)
}

/// The C library's `asctime` form in UTC, as the `From ` line of an mbox carries it (RFC 4155 §2; Python's
/// `mailbox` writes `time.asctime(time.gmtime(t))`): `Sat Nov  4 01:02:03 2023`, the day padded with a space.
pub fn asctime(unix_seconds: i64) -> String {
    let Moment { date, weekday, month, hour, minute, second } = Moment::at(unix_seconds);
    format!("{weekday} {month} {:>2} {hour:02}:{minute:02}:{second:02} {}", date.day, date.year)
}

/// Reads the `asctime` date that ends `text` (an mbox `From ` line after its sender), as unix seconds:
/// `Sat Nov  4 01:02:03 2023`, UTC as RFC 4155 §2 says, or with a numeric zone after the time or the year
/// (`… 01:02:03 +0100 2023`, `… 2023 +0100`), which some writers add. Seconds may be missing (`01:02`). The
/// weekday is not checked against the date: Python's `mailbox` does not check it either.
pub fn parse_trailing_asctime(text: &str) -> Option<i64> {
    let mut tokens: Vec<&str> = text.split_ascii_whitespace().rev().take(6).collect();
    tokens.reverse();
    let zone_at = tokens.iter().rposition(|token| parse_zone(token).is_some());
    let offset = match zone_at {
        Some(at) if at + 2 >= tokens.len() => parse_zone(tokens.remove(at))?,
        _ => 0,
    };
    let [month, day, time, year] = tokens.get(tokens.len().checked_sub(4)?..)? else { return None };
    let month = 1 + MONTHS.iter().position(|name| name.eq_ignore_ascii_case(month))?;
    let day: u32 = day.parse().ok().filter(|day| (1..=31).contains(day))?;
    let year: i64 = year.parse().ok().filter(|year| (1..=9999).contains(year))?;
    let small_number = |field: &str| match field.len() {
        1 | 2 if field.bytes().all(|b| b.is_ascii_digit()) => field.parse::<i64>().ok(),
        _ => None,
    };
    let mut fields = time.split(':').map(small_number);
    let (hour, minute) = (fields.next()??, fields.next()??);
    let second = fields.next().unwrap_or(Some(0))?;
    if fields.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let month = u32::try_from(month).ok()?;
    let days = days_from_civil(CivilDate { year, month, day });
    Some(days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset)
}

/// A numeric zone, `+hhmm` or `-hhmm`, as seconds east of UTC.
fn parse_zone(token: &str) -> Option<i64> {
    let (sign, digits) = match token.as_bytes().first()? {
        b'+' => (1, &token[1..]),
        b'-' => (-1, &token[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes): (i64, i64) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
    Some(sign * (hours * 3600 + minutes * 60))
}

/// RFC 3339 in UTC with a `Z` (RFC 8620 §1.4 `UTCDate`): `2023-11-14T22:13:20Z`.
pub fn rfc3339_utc(unix_seconds: i64) -> String {
    let Moment { date, hour, minute, second, .. } = Moment::at(unix_seconds);
    format!("{:04}-{:02}-{:02}T{hour:02}:{minute:02}:{second:02}Z", date.year, date.month, date.day)
}

/// Reads an RFC 3339 date-time (`2023-11-14T22:13:20Z`, `…+02:00`, fractions ignored) as unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        if digits.bytes().all(|b| b.is_ascii_digit()) { digits.parse().ok() } else { None }
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, byte)| text.as_bytes().get(at) != Some(&byte))
        || !matches!(text.as_bytes().get(10), Some(b'T' | b't'))
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        zone if zone.len() == 6 && (zone.starts_with('+') || zone.starts_with('-')) => {
            let hours: i64 = zone.get(1..3)?.parse().ok()?;
            let minutes: i64 = zone.get(4..6)?.parse().ok()?;
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            sign * (hours * 3600 + minutes * 60)
        }
        _ => return None,
    };
    let month = u32::try_from(month).ok()?;
    let day = u32::try_from(day).ok()?;
    let days = days_from_civil(CivilDate { year, month, day });
    Some(days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset)
}

/// Now, in unix seconds; 0 if the system clock is before 1970 (it never is on a machine that can do TLS).
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_3339_round_trips_and_offsets_apply() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        assert_eq!(parse_rfc3339("2023-11-15T00:13:20.123+02:00"), Some(1_700_000_000));
        for bad in ["2023-11-14", "2023-13-14T00:00:00Z", "2023-11-14T22:13:20", "x023-11-14T22:13:20Z"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    fn date(year: i64, month: u32, day: u32) -> CivilDate {
        CivilDate { year, month, day }
    }

    #[test]
    fn known_days_have_their_dates() {
        assert_eq!(CivilDate::from_days(0), date(1970, 1, 1));
        assert_eq!(CivilDate::from_days(11_016), date(2000, 2, 29));
        assert_eq!(CivilDate::from_days(11_017), date(2000, 3, 1));
        assert_eq!(CivilDate::from_days(20_415), date(2025, 11, 23));
        assert_eq!(CivilDate::from_days(-1), date(1969, 12, 31));
        assert_eq!(CivilDate::from_unix(1_751_373_296), date(2025, 7, 1));
    }

    #[test]
    fn days_and_dates_convert_both_ways_across_centuries() {
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(days_from_civil(CivilDate::from_days(days)), days, "day {days}");
        }
    }

    #[test]
    fn dates_are_formatted_as_rfc5322_utc() {
        assert_eq!(rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc5322_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(rfc5322_date(1_751_373_296), "Tue, 1 Jul 2025 12:34:56 +0000");
        assert_eq!(rfc5322_date(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 +0000");
        assert_eq!(rfc5322_date(-1), "Wed, 31 Dec 1969 23:59:59 +0000");
    }

    #[test]
    fn asctime_is_written_as_python_writes_it_and_read_back() {
        assert_eq!(asctime(1_699_059_723), "Sat Nov  4 01:02:03 2023");
        assert_eq!(asctime(1_700_000_000), "Tue Nov 14 22:13:20 2023");
        for unix in [0, 1_699_059_723, 1_700_000_000, 4_102_444_799] {
            assert_eq!(parse_trailing_asctime(&format!("MAILER-DAEMON {}", asctime(unix))), Some(unix));
        }
    }

    #[test]
    fn asctime_dates_with_a_zone_or_without_seconds_are_read() {
        assert_eq!(parse_trailing_asctime("a@b Tue Nov 14 23:13:20 +0100 2023"), Some(1_700_000_000));
        assert_eq!(parse_trailing_asctime("a@b Tue Nov 14 23:13:20 2023 +0100"), Some(1_700_000_000));
        assert_eq!(parse_trailing_asctime("a@b Tue Nov 14 22:13 2023"), Some(1_699_999_980));
        for bad in [
            "",
            "a@b",
            "a@b Tue Nov 14 2023",
            "a@b Tue Foo 14 22:13:20 2023",
            "x Tue Nov 32 22:13:20 2023",
            "x Tue Nov 2 01:-8763980002187134398 2023",
        ] {
            assert_eq!(parse_trailing_asctime(bad), None, "{bad}");
        }
    }

    #[test]
    fn compact_dates_are_zero_padded() {
        assert_eq!(date(2026, 3, 7).compact(), "20260307");
    }

    #[test]
    fn now_is_after_this_code_was_written() {
        assert!(unix_now() > 1_780_000_000);
    }
}
