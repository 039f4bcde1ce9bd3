//! RFC 5260 §4 `date` and §5 `currentdate`: a date taken from a header field (after the last `;` of a
//! `Received:` field) or the clock, moved to a zone, and one part of it compared.

use facteur_primitives::calendar::{CivilDate, days_from_civil};
use mail_parser::HeaderValue;
use mail_parser::parsers::MessageStream;

use super::Test;
use super::header::pick;
use crate::capability::Capability;
use crate::error::{CompileError, Position, RuntimeError};
use crate::matching::Matcher;
use crate::message::unfolded_value;
use crate::run::{Run, Scope};
use crate::syntax::TestNode;
use crate::text::Text;
use crate::validate::arguments::Args;
use crate::validate::match_options::{Allow, Index, MatchOptions};
use crate::validate::{Validator, no_subtests};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateTest {
    matcher: Matcher,
    index: Option<Index>,
    zone: Zone,
    /// `None` for `currentdate`.
    header: Option<Text>,
    /// `None` for a part RFC 5260 §4.2 does not define: no value, the test is false.
    part: Option<DatePart>,
    keys: Vec<Text>,
    position: Position,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// The server's zone (RFC 5260 §4.1 when neither `:zone` nor `:originalzone` is given).
    Local,
    /// Minutes east of UTC.
    Fixed(i32),
    /// The zone the date was written in (`:originalzone`, `date` only).
    Original,
}

/// RFC 5260 §4.2 date parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatePart {
    Year,
    Month,
    Day,
    Date,
    Julian,
    Hour,
    Minute,
    Second,
    Time,
    Iso8601,
    Std11,
    Zone,
    Weekday,
}

impl DatePart {
    fn from_name(name: &str) -> Option<DatePart> {
        Some(match name.to_ascii_lowercase().as_str() {
            "year" => DatePart::Year,
            "month" => DatePart::Month,
            "day" => DatePart::Day,
            "date" => DatePart::Date,
            "julian" => DatePart::Julian,
            "hour" => DatePart::Hour,
            "minute" => DatePart::Minute,
            "second" => DatePart::Second,
            "time" => DatePart::Time,
            "iso8601" => DatePart::Iso8601,
            "std11" => DatePart::Std11,
            "zone" => DatePart::Zone,
            "weekday" => DatePart::Weekday,
            _ => return None,
        })
    }
}

pub(crate) fn validate(v: &mut Validator, node: &TestNode) -> Result<Test, CompileError> {
    v.need(Capability::Date, node.position, &node.name)?;
    no_subtests(node)?;
    let current = node.name == "currentdate";
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let mut options = MatchOptions::default();
    let mut zone = None;
    while let Some((tag, at)) = args.tag() {
        let chosen = match tag {
            "zone" => {
                // A zone that is not `+hhmm` is ignored, as Pigeonhole does (with a warning we have no channel for).
                let (value, _) = args.string("the time zone")?;
                parse_zone(value).map_or(Zone::Local, Zone::Fixed)
            }
            "originalzone" if !current => Zone::Original,
            _ if options.take(v, &mut args, tag, at, Allow { address_part: false, index: !current })? => continue,
            _ => return Err(args.unknown_tag(tag, at)),
        };
        if zone.replace(chosen).is_some() {
            return Err(CompileError::at(at, "one of :zone and :originalzone"));
        }
    }
    let header = if current {
        None
    } else {
        let (name, at) = args.string("the header name")?;
        Some(v.text(name, at)?)
    };
    // An unknown date part makes the test false rather than the script invalid, as with Pigeonhole.
    let (part, _) = args.string("the date part")?;
    let part = DatePart::from_name(part);
    let (keys, keys_at) = args.string_list("the keys")?;
    args.done()?;
    let matcher = options.matcher(&node.name)?;
    Ok(Test::Date(DateTest {
        matcher,
        index: options.index()?,
        zone: zone.unwrap_or(Zone::Local),
        header,
        part,
        keys: v.keys(matcher, keys, keys_at)?,
        position: node.position,
    }))
}

/// `+hhmm` / `-hhmm` (RFC 5260 §4.1), as minutes east of UTC.
fn parse_zone(value: &str) -> Option<i32> {
    let (sign, digits) = match value.as_bytes().first()? {
        b'+' => (1, &value[1..]),
        b'-' => (-1, &value[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    (minutes < 60).then_some(sign * (hours * 60 + minutes))
}

/// A moment and the zone it is seen in.
#[derive(Debug, Clone, Copy)]
struct Moment {
    unix: i64,
    offset_minutes: i32,
}

impl DateTest {
    pub(crate) fn evaluate(&self, run: &mut Run, scope: &mut Scope) -> Result<bool, RuntimeError> {
        let moments: Vec<Moment> = match &self.header {
            None => vec![Moment { unix: run.env.now(), offset_minutes: run.env.local_offset_minutes() }],
            Some(name) => {
                let name = run.expand(scope, name);
                let fields: Vec<String> = run.header_values(&name).into_iter().map(unfolded_value).collect();
                let received = name.eq_ignore_ascii_case("received");
                pick(fields, self.index).iter().filter_map(|field| parse_date(field, received)).collect()
            }
        };
        let Some(part) = self.part else { return Ok(false) };
        let local = run.env.local_offset_minutes();
        let values: Vec<String> = moments
            .into_iter()
            .map(|moment| {
                let offset = match self.zone {
                    Zone::Local => local,
                    Zone::Fixed(offset) => offset,
                    Zone::Original => moment.offset_minutes,
                };
                format_part(part, moment.unix, offset)
            })
            .collect();
        run.match_values(scope, self.matcher, &values, &self.keys, self.position)
    }
}

/// RFC 5322 §3.3 date-time, from a `Date:`-like field or after the last `;` of a `Received:` field (RFC 5260
/// §4.1). A date that does not parse gives no value, so the test is false (§4).
fn parse_date(field: &str, received: bool) -> Option<Moment> {
    let text = if received { field.rsplit_once(';').map_or(field, |(_, date)| date) } else { field };
    let bytes = format!("{}\r\n", text.trim());
    let HeaderValue::DateTime(date) = MessageStream::new(bytes.as_bytes()).parse_date() else { return None };
    if !date.is_valid() {
        return None;
    }
    let offset = (i32::from(date.tz_hour) * 60 + i32::from(date.tz_minute)) * if date.tz_before_gmt { -1 } else { 1 };
    Some(Moment { unix: date.to_timestamp(), offset_minutes: offset })
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/// Days from the Modified Julian Day epoch (1858-11-17) to 1970-01-01 (RFC 5260 §4.2 "julian").
const MJD_OF_UNIX_EPOCH: i64 = 40_587;

/// RFC 5260 §4.2: each part as the RFC spells it.
fn format_part(part: DatePart, unix: i64, offset_minutes: i32) -> String {
    let local = unix.saturating_add(i64::from(offset_minutes) * 60);
    let days = local.div_euclid(86_400);
    let seconds = local.rem_euclid(86_400);
    let date = CivilDate::from_days(days);
    let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let zone = zone_text(offset_minutes, false);
    match part {
        DatePart::Year => format!("{:04}", date.year),
        DatePart::Month => format!("{:02}", date.month),
        DatePart::Day => format!("{:02}", date.day),
        DatePart::Date => format!("{:04}-{:02}-{:02}", date.year, date.month, date.day),
        DatePart::Julian => (days_from_civil(date) + MJD_OF_UNIX_EPOCH).to_string(),
        DatePart::Hour => format!("{hour:02}"),
        DatePart::Minute => format!("{minute:02}"),
        DatePart::Second => format!("{second:02}"),
        DatePart::Time => format!("{hour:02}:{minute:02}:{second:02}"),
        DatePart::Iso8601 => format!(
            "{:04}-{:02}-{:02}T{hour:02}:{minute:02}:{second:02}{}",
            date.year,
            date.month,
            date.day,
            zone_text(offset_minutes, true)
        ),
        DatePart::Std11 => format!(
            "{}, {:02} {} {:04} {hour:02}:{minute:02}:{second:02} {zone}",
            WEEKDAYS[weekday(days)],
            date.day,
            MONTHS[(date.month as usize).saturating_sub(1).min(11)],
            date.year
        ),
        DatePart::Zone => zone,
        DatePart::Weekday => weekday(days).to_string(),
    }
}

/// 0 for Sunday (RFC 5260 §4.2); 1970-01-01 was a Thursday.
fn weekday(days: i64) -> usize {
    (days + 4).rem_euclid(7) as usize
}

/// `+hhmm`, or for ISO 8601 `+hh:mm` and `Z` for UTC (as Pigeonhole writes it).
fn zone_text(offset_minutes: i32, iso: bool) -> String {
    if iso && offset_minutes == 0 {
        return "Z".into();
    }
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let (hours, minutes) = (offset_minutes.abs() / 60, offset_minutes.abs() % 60);
    if iso { format!("{sign}{hours:02}:{minutes:02}") } else { format!("{sign}{hours:02}{minutes:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_in_a_zone() {
        let moment = parse_date("Mon, 1 Jan 2024 22:15:30 -0800", false);
        let Some(moment) = moment else { panic!("the date parses") };
        assert_eq!(moment.offset_minutes, -480);
        assert_eq!(format_part(DatePart::Iso8601, moment.unix, 0), "2024-01-02T06:15:30Z");
        assert_eq!(format_part(DatePart::Std11, moment.unix, -480), "Mon, 01 Jan 2024 22:15:30 -0800");
        assert_eq!(format_part(DatePart::Julian, moment.unix, 0), "60311");
        assert_eq!(format_part(DatePart::Weekday, moment.unix, 330), "2");
        assert_eq!(format_part(DatePart::Iso8601, moment.unix, 330), "2024-01-02T11:45:30+05:30");
    }

    #[test]
    fn received_dates_follow_the_last_semicolon() {
        assert!(parse_date("from x by y; Tue, 2 Jan 2024 23:30:00 -0500", true).is_some());
        assert!(parse_date("not a date", false).is_none());
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone("+0530"), Some(330));
        assert_eq!(parse_zone("-0800"), Some(-480));
        assert_eq!(parse_zone("0800"), None);
        assert_eq!(parse_zone("+08:00"), None);
    }
}
