//! The state of one evaluation: the message as edited so far, variables, the actions taken, the step
//! budget, and the matching of values against keys that every test shares.

use std::collections::{HashMap, HashSet};

use crate::envelope::Envelope;
use crate::environment::{Environment, TrackingKey};
use crate::error::{Position, RuntimeError};
use crate::limits::Limits;
use crate::matching::{MatchType, Matcher, simple_match, wildcard_match};
use crate::message::Message;
use crate::outcome::{Action, Actions, Tracking, VacationSkip};
use crate::text::{Part, Text};

/// What a block tells its caller after running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    /// `stop` (RFC 5228 §3.3): the whole evaluation ends.
    Stop,
    /// `return` (RFC 6609 §3.3): the current included script ends.
    Return,
}

/// One script's variables (an included script has its own, RFC 6609 §3.4).
#[derive(Debug, Default)]
pub(crate) struct Scope {
    pub locals: HashMap<String, String>,
    /// `${0}`..`${9}` of the last successful `:matches` or `:regex` (RFC 5229 §3.2).
    pub groups: Vec<String>,
    /// Names this script declared `global` (RFC 6609 §3.5).
    pub globals: HashSet<String>,
}

pub(crate) struct Run<'a> {
    pub env: &'a mut dyn Environment,
    pub message: &'a Message<'a>,
    pub envelope: &'a Envelope,
    pub limits: &'a Limits,
    /// The header fields as editheader left them (RFC 5293 §3: later tests see the changes).
    pub headers: Vec<(String, String)>,
    pub headers_edited: bool,
    steps: u64,
    budget: u64,
    pub actions: Actions,
    /// The imap4flags internal variable (RFC 5232 §3), as a list of flags.
    pub flags: Vec<String>,
    pub globals: HashMap<String, String>,
    pub tracking: Vec<Tracking>,
    /// Answers of `is_tracked` during this run, so that a key asked twice gets the same answer.
    pub tracked: HashMap<TrackingKey, bool>,
    pub vacation_skipped: Option<VacationSkip>,
    pub includes: crate::commands::include::IncludeState,
    regexes: HashMap<(String, bool), regex::Regex>,
}

impl<'a> Run<'a> {
    pub(crate) fn new(
        env: &'a mut dyn Environment,
        message: &'a Message<'a>,
        envelope: &'a Envelope,
        limits: &'a Limits,
    ) -> Self {
        let budget = env.step_budget();
        Run {
            env,
            message,
            envelope,
            limits,
            headers: message.header_fields(),
            headers_edited: false,
            steps: 0,
            budget,
            actions: Actions::default(),
            flags: Vec::new(),
            globals: HashMap::new(),
            tracking: Vec::new(),
            tracked: HashMap::new(),
            vacation_skipped: None,
            includes: Default::default(),
            regexes: HashMap::new(),
        }
    }

    /// Counts `n` steps against the budget.
    pub(crate) fn steps(&mut self, n: u64) -> Result<(), RuntimeError> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.budget {
            return Err(RuntimeError::StepBudgetExceeded(self.budget));
        }
        Ok(())
    }

    pub(crate) fn add_action(&mut self, action: Action, at: Position) -> Result<(), RuntimeError> {
        self.actions.add(action, at, self.limits.max_actions, self.limits.max_redirects)
    }

    /// A string with its variables replaced by their values (RFC 5229 §3: an unset variable is empty).
    pub(crate) fn expand(&self, scope: &Scope, text: &Text) -> String {
        if let Some(constant) = text.constant() {
            return constant.to_owned();
        }
        let mut out = String::new();
        for part in text.parts() {
            match part {
                Part::Literal(value) => out.push_str(value),
                Part::Variable(name) => out.push_str(self.variable(scope, name)),
                Part::Global(name) => out.push_str(self.globals.get(name).map_or("", String::as_str)),
                Part::Group(n) => out.push_str(scope.groups.get(*n).map_or("", String::as_str)),
            }
        }
        out
    }

    pub(crate) fn expand_all(&self, scope: &Scope, texts: &[Text]) -> Vec<String> {
        texts.iter().map(|text| self.expand(scope, text)).collect()
    }

    pub(crate) fn variable<'s>(&'s self, scope: &'s Scope, name: &str) -> &'s str {
        let value = if scope.globals.contains(name) { self.globals.get(name) } else { scope.locals.get(name) };
        value.map_or("", String::as_str)
    }

    /// Sets a variable, cut to the length limit on a character boundary (RFC 5229 §6).
    pub(crate) fn set_variable(
        &mut self,
        scope: &mut Scope,
        name: &str,
        mut value: String,
        at: Position,
    ) -> Result<(), RuntimeError> {
        truncate(&mut value, self.limits.max_variable_bytes);
        let map = if scope.globals.contains(name) { &mut self.globals } else { &mut scope.locals };
        if !map.contains_key(name) && map.len() >= self.limits.max_variables {
            return Err(RuntimeError::at(at, format!("more than {} variables", self.limits.max_variables)));
        }
        map.insert(name.to_owned(), value);
        Ok(())
    }

    /// The common core of every test that compares values with keys (RFC 5228 §2.7): true when any value
    /// matches any key; values in order, each against every key, so that the first match sets the match
    /// variables (RFC 5229 §3.2). `:count` (RFC 5231 §4.2) compares the number of values instead.
    pub(crate) fn match_values(
        &mut self,
        scope: &mut Scope,
        matcher: Matcher,
        values: &[String],
        keys: &[Text],
        at: Position,
    ) -> Result<bool, RuntimeError> {
        let keys = self.expand_all(scope, keys);
        match matcher.match_type {
            MatchType::Count(relation) => {
                self.steps(keys.len() as u64)?;
                let count = values.len().to_string();
                Ok(keys.iter().any(|key| relation.holds(matcher.comparator.order(&count, key))))
            }
            MatchType::Matches | MatchType::Regex => self.match_capturing(scope, matcher, values, &keys, at),
            _ => {
                for value in values {
                    self.steps(keys.len() as u64)?;
                    if keys.iter().any(|key| simple_match(matcher, value, key)) {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    fn match_capturing(
        &mut self,
        scope: &mut Scope,
        matcher: Matcher,
        values: &[String],
        keys: &[String],
        at: Position,
    ) -> Result<bool, RuntimeError> {
        let mut groups = Vec::new();
        for value in values {
            for key in keys {
                // A wildcard match costs up to its length times the pattern's.
                self.steps(1 + (value.len() * key.len()) as u64 / 4096)?;
                let matched = if matcher.match_type == MatchType::Regex {
                    self.regex_match(matcher, value, key, &mut groups, at)?
                } else {
                    wildcard_match(matcher.comparator, value, key, Some(&mut groups))
                };
                if matched {
                    groups.truncate(10);
                    for group in &mut groups {
                        truncate(group, self.limits.max_variable_bytes);
                    }
                    scope.groups = groups;
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    fn regex_match(
        &mut self,
        matcher: Matcher,
        value: &str,
        key: &str,
        groups: &mut Vec<String>,
        at: Position,
    ) -> Result<bool, RuntimeError> {
        let case_insensitive = matcher.comparator != crate::matching::Comparator::Octet;
        let cache_key = (key.to_owned(), case_insensitive);
        if !self.regexes.contains_key(&cache_key) {
            // Building an expression costs more than matching one: count it so, against the budget.
            self.steps(100)?;
            let regex = crate::commands::regex::build(key, case_insensitive, self.limits.max_regex_bytes)
                .map_err(|message| RuntimeError::at(at, message))?;
            self.regexes.insert(cache_key.clone(), regex);
        }
        let Some(regex) = self.regexes.get(&cache_key) else { return Ok(false) };
        let Some(captures) = regex.captures(value) else { return Ok(false) };
        groups.clear();
        groups.extend(captures.iter().map(|group| group.map_or(String::new(), |m| m.as_str().to_owned())));
        Ok(true)
    }

    /// Whether the caller has `key` on record, asked once per run.
    pub(crate) fn is_tracked(&mut self, key: &TrackingKey) -> bool {
        if let Some(&seen) = self.tracked.get(key) {
            return seen;
        }
        let seen = self.env.is_tracked(key);
        self.tracked.insert(key.clone(), seen);
        seen
    }

    /// Values of the header fields called `name`, in order, as (index, raw value).
    pub(crate) fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

/// Cuts `value` to at most `max` bytes, on a character boundary.
pub(crate) fn truncate(value: &mut String, max: usize) {
    if value.len() <= max {
        return;
    }
    let mut end = max;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    value.truncate(end);
}
