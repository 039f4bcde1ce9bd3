//! IMAP dates (`1-Feb-1994`, SEARCH) and date-times (`"17-Jul-1996 02:44:25 -0700"`,
//! APPEND and INTERNALDATE), RFC 9051 §9.

use std::fmt;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A calendar date; the day is checked against the month length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (day >= 1 && day <= days).then_some(Date { year, month, day })
    }

    /// Month number (1-12) for a three-letter name, case-insensitively.
    pub(crate) fn month_from_name(name: &[u8]) -> Option<u8> {
        MONTHS.iter().position(|m| m.as_bytes().eq_ignore_ascii_case(name)).map(|p| p as u8 + 1)
    }

    fn month_name(self) -> &'static str {
        MONTHS.get(usize::from(self.month.saturating_sub(1))).copied().unwrap_or("Jan")
    }
}

/// A date-time with its zone offset, as INTERNALDATE carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub date: Date,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset from UTC in minutes, e.g. -420 for `-0700`.
    pub zone_minutes: i16,
}

impl DateTime {
    /// A valid date-time, or `None`. Zones are limited to ±99:59 as the grammar allows.
    pub fn new(date: Date, hour: u8, minute: u8, second: u8, zone_minutes: i16) -> Option<Self> {
        let valid = hour < 24 && minute < 60 && second < 61 && zone_minutes.abs() < 100 * 60;
        valid.then_some(DateTime { date, hour, minute, second, zone_minutes })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:04}", self.day, self.month_name(), self.year)
    }
}

/// Without the quotes: `17-Jul-1996 02:44:25 -0700` (day padded with a space, RFC 9051 §9).
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.zone_minutes < 0 { '-' } else { '+' };
        let zone = self.zone_minutes.unsigned_abs();
        write!(
            f,
            "{:>2}-{}-{:04} {:02}:{:02}:{:02} {}{:02}{:02}",
            self.date.day,
            self.date.month_name(),
            self.date.year,
            self.hour,
            self.minute,
            self.second,
            sign,
            zone / 60,
            zone % 60
        )
    }
}
