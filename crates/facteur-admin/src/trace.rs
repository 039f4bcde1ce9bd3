//! "What happened to the mail to bob@…": the delivery history's query from what an operator types, a queue
//! id or an address, a domain, and an age.

use facteur_store::{HistoryQuery, QueueId};

use crate::error::AdminError;

/// The history query for `target` (a queue id or an address, or nothing), `domain` and `since` (an age, see
/// [`parse_age`]), the newest `limit` events.
pub fn trace_query(
    target: Option<&str>,
    domain: Option<&str>,
    since: Option<&str>,
    now: i64,
    limit: usize,
) -> Result<HistoryQuery, AdminError> {
    let since = match since.map(str::trim).filter(|age| !age.is_empty()) {
        Some(age) => now.saturating_sub(parse_age(age).ok_or_else(|| {
            AdminError::Refused(format!(
                "since {age:?}: expected a number of minutes, hours, days or weeks (30m, 12h, 1d, 2w)"
            ))
        })?),
        None => 0,
    };
    let domain = domain.map(str::trim).filter(|domain| !domain.is_empty()).map(str::to_owned);
    let mut query = HistoryQuery { since, limit, domain, ..HistoryQuery::default() };
    match target.map(str::trim).filter(|target| !target.is_empty()) {
        Some(target) if target.contains('@') => query.address = Some(target.to_owned()),
        Some(target) => {
            let id = target.parse().map_err(|_| {
                AdminError::Refused(format!("{target:?} is neither a queue id (a number) nor an address"))
            })?;
            query.queue_id = Some(QueueId(id));
        }
        None => {}
    }
    Ok(query)
}

/// `30m`, `12h`, `1d`, `2w` in seconds.
pub fn parse_age(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = match text.chars().last()? {
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    let count: i64 = text[..text.len() - 1].parse().ok()?;
    (count >= 0).then(|| count.saturating_mul(unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_minutes_hours_days_or_weeks() {
        assert_eq!(parse_age("30m"), Some(1_800));
        assert_eq!(parse_age("1d"), Some(86_400));
        assert_eq!(parse_age("2w"), Some(14 * 86_400));
        assert_eq!(parse_age("1y"), None);
        assert_eq!(parse_age("d"), None);
        assert_eq!(parse_age("-1h"), None);
    }

    #[test]
    fn a_target_is_an_address_or_a_queue_id() {
        let query = trace_query(Some("Bob@x.test"), None, Some("1d"), 100_000, 10).unwrap();
        assert_eq!((query.address.as_deref(), query.since, query.queue_id), (Some("Bob@x.test"), 13_600, None));
        assert_eq!(trace_query(Some("42"), None, None, 0, 10).unwrap().queue_id, Some(QueueId(42)));
        assert!(trace_query(Some("bob"), None, None, 0, 10).is_err());
        assert!(trace_query(None, Some("x.test"), Some("1y"), 0, 10).is_err());
    }
}
