//! What the forms set: rules (when a field contains a text, file the message into a folder) and the
//! out-of-office reply. Values come from users' browsers and JMAP clients, so each is checked and bounded
//! before it becomes Sieve.

use serde::{Deserialize, Serialize};

/// Most rules one account keeps: a form, not a programme.
pub const MAX_RULES: usize = 200;
/// Longest text a rule looks for, and longest folder name, in characters.
pub const MAX_RULE_TEXT: usize = 500;
/// Longest out-of-office subject, and body (each of text and HTML), in octets.
pub const MAX_SUBJECT: usize = 1000;
pub const MAX_BODY: usize = 64 * 1024;

/// Everything the forms set for one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filters {
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub out_of_office: OutOfOffice,
}

/// When `field` contains `contains` (ignoring case), the message goes to `folder`, read if `mark_read`; the
/// first rule that matches decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub field: Field,
    pub contains: String,
    pub folder: String,
    #[serde(default)]
    pub mark_read: bool,
}

/// The header fields a rule may look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Field {
    /// `From:`, its name or its address.
    From,
    /// `To:` or `Cc:`: mail sent to a list or an alias.
    To,
    Subject,
}

/// The out-of-office reply: JMAP's VacationResponse properties (RFC 8621 §8.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutOfOffice {
    pub enabled: bool,
    /// Unix seconds; replies only from then.
    #[serde(default)]
    pub from_date: Option<i64>,
    /// Unix seconds; replies only before then.
    #[serde(default)]
    pub to_date: Option<i64>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub text_body: Option<String>,
    #[serde(default)]
    pub html_body: Option<String>,
}

/// Why settings were refused, in words for the person who typed them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidFilters {
    #[error("at most {MAX_RULES} rules")]
    TooManyRules,
    #[error("rule {0}: the text to look for is empty")]
    EmptyText(usize),
    #[error("rule {0}: the folder is empty")]
    EmptyFolder(usize),
    #[error("rule {0}: at most {MAX_RULE_TEXT} characters, without line breaks")]
    RuleText(usize),
    #[error("the out-of-office reply ends before it starts")]
    DatesReversed,
    #[error("the out-of-office subject is too long or has a line break")]
    Subject,
    #[error("the out-of-office message is longer than {MAX_BODY} octets")]
    Body,
}

impl Filters {
    /// Checks everything a user could have typed.
    pub fn check(&self) -> Result<(), InvalidFilters> {
        if self.rules.len() > MAX_RULES {
            return Err(InvalidFilters::TooManyRules);
        }
        for (index, rule) in self.rules.iter().enumerate() {
            rule.check(index + 1)?;
        }
        self.out_of_office.check()
    }

    /// Whether the script does anything at all: without rules and reply it is the implicit keep alone.
    pub fn has_effect(&self) -> bool {
        !self.rules.is_empty() || self.out_of_office.enabled
    }
}

impl Rule {
    fn check(&self, number: usize) -> Result<(), InvalidFilters> {
        if self.contains.trim().is_empty() {
            return Err(InvalidFilters::EmptyText(number));
        }
        if self.folder.trim().is_empty() {
            return Err(InvalidFilters::EmptyFolder(number));
        }
        if [&self.contains, &self.folder].iter().any(|text| !one_line(text, MAX_RULE_TEXT)) {
            return Err(InvalidFilters::RuleText(number));
        }
        Ok(())
    }
}

impl OutOfOffice {
    fn check(&self) -> Result<(), InvalidFilters> {
        if let (Some(from), Some(to)) = (self.from_date, self.to_date)
            && to <= from
        {
            return Err(InvalidFilters::DatesReversed);
        }
        if self.subject.as_deref().is_some_and(|subject| !one_line(subject, MAX_SUBJECT)) {
            return Err(InvalidFilters::Subject);
        }
        if [&self.text_body, &self.html_body].iter().any(|body| body.as_deref().is_some_and(|b| b.len() > MAX_BODY)) {
            return Err(InvalidFilters::Body);
        }
        Ok(())
    }

    /// Whether replies go out at `now` (what the generated script's date tests decide at delivery).
    pub fn active_at(&self, now: i64) -> bool {
        self.enabled && self.from_date.is_none_or(|from| from <= now) && self.to_date.is_none_or(|to| now < to)
    }
}

/// At most `max` characters, none of them a control character (a line break in a header field or a folder
/// name would be a different field or folder).
fn one_line(text: &str, max: usize) -> bool {
    text.chars().count() <= max && !text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(contains: &str, folder: &str) -> Rule {
        Rule { field: Field::From, contains: contains.into(), folder: folder.into(), mark_read: false }
    }

    #[test]
    fn what_a_user_types_is_checked() {
        let mut filters = Filters { rules: vec![rule("shop.example", "Shopping")], ..Filters::default() };
        assert_eq!(filters.check(), Ok(()));
        filters.rules.push(rule(" ", "Shopping"));
        assert_eq!(filters.check(), Err(InvalidFilters::EmptyText(2)));
        filters.rules[1] = rule("x", "Two\r\nlines");
        assert_eq!(filters.check(), Err(InvalidFilters::RuleText(2)));
        filters.rules.pop();
        filters.out_of_office =
            OutOfOffice { enabled: true, from_date: Some(10), to_date: Some(10), ..Default::default() };
        assert_eq!(filters.check(), Err(InvalidFilters::DatesReversed));
        filters.out_of_office.to_date = Some(11);
        assert_eq!(filters.check(), Ok(()));
        assert!(filters.out_of_office.active_at(10) && !filters.out_of_office.active_at(11));
    }
}
