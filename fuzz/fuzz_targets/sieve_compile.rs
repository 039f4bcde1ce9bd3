//! Fuzzes what ManageSieve hands the compiler: any bytes as a Sieve script (scripts come from users).
//!
//! What must hold, besides never panicking, overflowing the stack or running away with memory or time:
//! - a refused script's error points inside it (line and column from 1; the line at most the script's lines
//!   plus one);
//! - a compiled script runs against a small message within its step budget, and its outcome is coherent:
//!   at most the limit's number of actions and redirects, no implicit keep beside a reject, a vacation only
//!   with a sender to answer.
//!
//! Run with `cargo fuzz run --sanitizer none sieve_compile` from `crates/facteur-sieve` (see docs/fuzzing.md).
#![no_main]

use facteur_sieve::{
    Action, Envelope, Environment, IncludeLocation, Limits, Message, RuntimeError, TrackingKey, compile,
};
use libfuzzer_sys::fuzz_target;

const MESSAGE: &[u8] = b"Received: from a by b; Mon, 1 Jan 2024 10:00:00 +0100\r\n\
From: Alice <alice+tag@example.com>\r\nTo: me@example.net, other@example.org\r\n\
Subject: =?utf-8?q?caf=C3=A9?= *hello* [list]\r\nDate: Mon, 1 Jan 2024 10:00:00 +0100\r\n\
Message-ID: <fuzz@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9\r\n\
--b\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b--\r\n";

struct Fuzzing;

impl Environment for Fuzzing {
    fn now(&self) -> i64 {
        1_700_000_000
    }

    fn mailbox_exists(&mut self, name: &str) -> bool {
        name.len() % 2 == 0
    }

    fn is_tracked(&mut self, key: &TrackingKey) -> bool {
        key.value.len() % 2 == 1
    }

    /// Every script includes a script that includes itself: loops and depth limits are exercised.
    fn include(&mut self, _location: IncludeLocation, name: &str) -> Option<String> {
        (name != "missing").then(|| format!("require \"include\";\ninclude \"{}\";\nkeep;", name.len() % 3))
    }

    fn step_budget(&self) -> u64 {
        10_000
    }
}

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let limits = Limits { max_script_bytes: 64 * 1024, ..Limits::default() };
    let script = match compile(&source, &limits) {
        Ok(script) => script,
        Err(error) => {
            let lines = source.matches('\n').count() + 1;
            assert!(error.line >= 1 && error.column >= 1, "{error}");
            assert!(error.line as usize <= lines + 1, "{error} is past the end ({lines} lines)");
            return;
        }
    };
    let message = Message::parse(MESSAGE);
    let envelope = Envelope { from: "alice@example.com".into(), to: "me@example.net".into(), auth: None };
    match script.evaluate(&mut Fuzzing, &message, &envelope) {
        Ok(outcome) => {
            assert!(outcome.actions.len() <= limits.max_actions);
            let redirects = outcome.actions.iter().filter(|a| matches!(a, Action::Redirect { .. })).count();
            assert!(redirects <= limits.max_redirects);
            let rejected = outcome.actions.iter().any(|a| matches!(a, Action::Reject { .. }));
            assert!(!(rejected && outcome.implicit_keep.is_some()), "a reject kept the message");
            for action in &outcome.actions {
                if let Action::Vacation(reply) = action {
                    assert_eq!(reply.to, envelope.from);
                }
            }
        }
        Err(RuntimeError::StepBudgetExceeded(budget)) => assert_eq!(budget, 10_000),
        Err(_) => {}
    }
});
