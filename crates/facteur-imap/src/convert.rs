//! From what ingest stored (`facteur-message`) to what the response writer writes (`facteur-imap-proto`):
//! ENVELOPE, BODYSTRUCTURE, flags and dates. THE place BODYSTRUCTURE is computed for a response.

use facteur_imap_proto::{
    self as proto, BodyExtension, BodyFields, BodyStructure, Date, DateTime, Flag, SinglePartKind,
};
use facteur_message::{Address, BodyPart, Envelope, Parameter};
use facteur_primitives::calendar::{self, CivilDate};
use facteur_store::{Keywords, SystemFlags};

/// What RFC 9051 §7.5.2 has us write for an address without a domain, as UW IMAP does: a NIL host would
/// read as a group marker.
const MISSING_HOST: &[u8] = b".MISSING-HOST-NAME.";

/// ENVELOPE of a stored summary.
pub fn envelope(envelope: &Envelope) -> proto::Envelope {
    let bytes = |s: &Option<String>| s.as_ref().map(|s| s.as_bytes().to_vec());
    proto::Envelope {
        date: bytes(&envelope.date),
        subject: bytes(&envelope.subject),
        from: addresses(&envelope.from),
        // RFC 9051 §7.5.2: a missing Sender or Reply-To is set to From by the server.
        sender: addresses(if envelope.sender.is_empty() { &envelope.from } else { &envelope.sender }),
        reply_to: addresses(if envelope.reply_to.is_empty() { &envelope.from } else { &envelope.reply_to }),
        to: addresses(&envelope.to),
        cc: addresses(&envelope.cc),
        bcc: addresses(&envelope.bcc),
        in_reply_to: bytes(&envelope.in_reply_to),
        message_id: bytes(&envelope.message_id),
    }
}

/// Addresses, telling group markers from domainless addresses. Groups do not nest (RFC 5322 §3.4), so a
/// start marker is the first host-less entry after the previous end marker that an end marker follows.
fn addresses(list: &[Address]) -> Vec<proto::Address> {
    let is_end = |a: &Address| a.mailbox.is_none() && a.host.is_none();
    let mut in_group = false;
    let mut out = Vec::with_capacity(list.len());
    for (i, address) in list.iter().enumerate() {
        let bytes = |s: &Option<String>| s.as_ref().map(|s| s.as_bytes().to_vec());
        let mut converted = proto::Address {
            name: bytes(&address.name),
            adl: bytes(&address.adl),
            mailbox: bytes(&address.mailbox),
            host: bytes(&address.host),
        };
        if is_end(address) {
            in_group = false;
        } else if address.host.is_none() {
            let closes_later = list[i + 1..].iter().any(is_end);
            if !in_group && closes_later {
                in_group = true;
            } else {
                converted.host = Some(MISSING_HOST.to_vec());
            }
        }
        out.push(converted);
    }
    out
}

/// BODYSTRUCTURE of a MIME tree; `extended` false gives the non-extensible BODY form.
pub fn body_structure(part: &BodyPart) -> BodyStructure {
    let extension = BodyExtension {
        md5: if part.is_multipart() { None } else { part.md5.clone() },
        disposition: part
            .disposition
            .as_ref()
            .map(|d| proto::Disposition { kind: d.kind.clone(), params: params(&d.params) }),
        language: part.language.clone(),
        location: part.location.clone(),
    };
    if part.is_multipart() {
        return BodyStructure::Multipart {
            parts: part.children.iter().map(body_structure).collect(),
            subtype: part.media_subtype.clone(),
            params: params(&part.params),
            extension,
        };
    }
    let lines = u32::try_from(part.lines.unwrap_or(0)).unwrap_or(u32::MAX);
    let kind = if part.media_type.eq_ignore_ascii_case("text") {
        SinglePartKind::Text { subtype: part.media_subtype.clone(), lines }
    } else if let Some(message) = &part.message {
        SinglePartKind::Message {
            subtype: part.media_subtype.clone(),
            envelope: Box::new(envelope(&message.envelope)),
            body: Box::new(body_structure(&message.body)),
            lines,
        }
    } else {
        SinglePartKind::Basic { media_type: part.media_type.clone(), subtype: part.media_subtype.clone() }
    };
    let fields = BodyFields {
        params: params(&part.params),
        id: part.id.as_ref().map(|s| s.as_bytes().to_vec()),
        description: part.description.as_ref().map(|s| s.as_bytes().to_vec()),
        encoding: part.encoding.clone(),
        size: u32::try_from(part.size()).unwrap_or(u32::MAX),
    };
    BodyStructure::Single { kind, fields, extension }
}

fn params(list: &[Parameter]) -> Vec<(String, String)> {
    list.iter().map(|p| (p.name.clone(), p.value.clone())).collect()
}

/// The flags of a message as FETCH FLAGS writes them.
pub fn flags(system: SystemFlags, keywords: &Keywords) -> Vec<Flag> {
    let mut out: Vec<Flag> = Vec::with_capacity(5 + keywords.len());
    for (flag, wire) in [
        (SystemFlags::SEEN, Flag::Seen),
        (SystemFlags::ANSWERED, Flag::Answered),
        (SystemFlags::FLAGGED, Flag::Flagged),
        (SystemFlags::DELETED, Flag::Deleted),
        (SystemFlags::DRAFT, Flag::Draft),
    ] {
        if system.contains(flag) {
            out.push(wire);
        }
    }
    out.extend(keywords.iter().map(|k| Flag::Keyword(k.clone())));
    out
}

/// Splits client flags into what the store keeps. `\Recent` and unknown `\Extension` flags cannot be stored
/// and are ignored (RFC 9051 §6.4.6 lets a server refuse to store them silently).
pub fn split_flags(list: &[Flag]) -> (SystemFlags, Keywords) {
    let mut system = SystemFlags::NONE;
    let mut keywords = Keywords::new();
    for flag in list {
        match flag {
            Flag::Seen => system = system | SystemFlags::SEEN,
            Flag::Answered => system = system | SystemFlags::ANSWERED,
            Flag::Flagged => system = system | SystemFlags::FLAGGED,
            Flag::Deleted => system = system | SystemFlags::DELETED,
            Flag::Draft => system = system | SystemFlags::DRAFT,
            Flag::Keyword(k) => {
                keywords.insert(k.clone());
            }
            Flag::Recent | Flag::Extension(_) => {}
        }
    }
    (system, keywords)
}

/// Days since 1970-01-01 of an IMAP date (for SEARCH BEFORE/ON/SINCE).
pub fn days_from_civil(date: Date) -> i64 {
    calendar::days_from_civil(CivilDate {
        year: i64::from(date.year),
        month: u32::from(date.month),
        day: u32::from(date.day),
    })
}

/// Unix seconds of an APPEND date-time.
pub fn unix_time(datetime: &DateTime) -> i64 {
    let days = days_from_civil(datetime.date);
    let seconds = i64::from(datetime.hour) * 3600 + i64::from(datetime.minute) * 60 + i64::from(datetime.second);
    days * 86_400 + seconds - i64::from(datetime.zone_minutes) * 60
}

/// INTERNALDATE for unix seconds, in UTC.
pub fn internal_date(unix: i64) -> DateTime {
    let days = unix.div_euclid(86_400);
    let rest = unix.rem_euclid(86_400);
    let civil = CivilDate::from_days(days);
    let year = u16::try_from(civil.year.clamp(1, 9999)).unwrap_or(1970);
    // CivilDate keeps month in 1..=12 and day in 1..=31.
    let (month, day) = (civil.month as u8, civil.day as u8);
    let epoch =
        || DateTime { date: Date { year: 1970, month: 1, day: 1 }, hour: 0, minute: 0, second: 0, zone_minutes: 0 };
    let Some(date) = Date::new(year, month, day) else { return epoch() };
    DateTime::new(date, (rest / 3600) as u8, ((rest / 60) % 60) as u8, (rest % 60) as u8, 0).unwrap_or_else(epoch)
}

/// The day (since the epoch) of an INTERNALDATE, for SEARCH BEFORE/ON/SINCE (UTC, as we store it).
pub fn day_of(unix: i64) -> i64 {
    unix.div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_unix_time() {
        for unix in [0, 951_782_400, 1_700_000_000, 4_102_444_799] {
            let back = unix_time(&internal_date(unix));
            assert_eq!(back, unix);
        }
        let date = DateTime::new(Date::new(1996, 7, 17).unwrap(), 2, 44, 25, -420).unwrap();
        assert_eq!(unix_time(&date), 837_596_665);
    }

    #[test]
    fn domainless_address_is_not_written_as_a_group_marker() {
        let undisclosed = Address { mailbox: Some("undisclosed".into()), ..Address::default() };
        let out = addresses(&[undisclosed]);
        assert_eq!(out[0].host.as_deref(), Some(MISSING_HOST));
    }

    #[test]
    fn group_markers_keep_a_nil_host() {
        let list = [
            Address::group_start("Team".into()),
            Address { mailbox: Some("a".into()), host: Some("b.test".into()), ..Address::default() },
            Address::group_end(),
        ];
        let out = addresses(&list);
        assert_eq!(out[0].host, None);
        assert_eq!(out[2], proto::Address::default());
    }
}
