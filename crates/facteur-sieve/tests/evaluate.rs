//! The crate's API as delivery and ManageSieve will call it: behaviour the differential test cannot show
//! (sieve-test keeps no records between runs and has no null sender), limits and error positions.

use std::collections::{HashMap, HashSet};

use facteur_sieve::{
    Action, Capability, Envelope, Environment, IncludeLocation, Limits, Message, Outcome, RuntimeError, TrackingKey,
    TrackingKind, VacationSkip, compile,
};

const MESSAGE: &[u8] = b"From: Alice <alice@example.com>\r\nTo: me@example.net\r\nSubject: lunch?\r\n\
Message-ID: <m1@example.com>\r\n\r\nShall we?\r\n";

#[derive(Default)]
struct Owner {
    tracked: HashSet<TrackingKey>,
    scripts: HashMap<String, String>,
    budget: Option<u64>,
}

impl Environment for Owner {
    fn now(&self) -> i64 {
        1_704_067_200
    }

    fn mailbox_exists(&mut self, name: &str) -> bool {
        name == "INBOX"
    }

    fn is_tracked(&mut self, key: &TrackingKey) -> bool {
        self.tracked.contains(key)
    }

    fn include(&mut self, _location: IncludeLocation, name: &str) -> Option<String> {
        self.scripts.get(name).cloned()
    }

    fn step_budget(&self) -> u64 {
        self.budget.unwrap_or(100_000)
    }
}

fn envelope(from: &str) -> Envelope {
    Envelope { from: from.into(), to: "me@example.net".into(), auth: None }
}

fn run(source: &str, owner: &mut Owner, from: &str) -> Result<Outcome, RuntimeError> {
    let script = compile(source, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    script.evaluate(owner, &Message::parse(MESSAGE), &envelope(from))
}

/// What the caller does after delivering: keep the records the outcome lists.
fn deliver(owner: &mut Owner, outcome: &Outcome) {
    owner.tracked.extend(outcome.tracking.iter().map(|t| t.key.clone()));
}

#[test]
fn a_second_message_from_the_same_sender_gets_no_second_vacation_reply() {
    let mut owner = Owner::default();
    let source = "require \"vacation\";\nvacation :days 2 \"Away.\";";
    let first = run(source, &mut owner, "alice@example.com").unwrap_or_default();
    let Some(Action::Vacation(reply)) = first.actions.first() else { panic!("no reply: {first:?}") };
    assert_eq!(reply.to, "alice@example.com");
    assert_eq!(reply.subject, "Auto: lunch?");
    assert_eq!(reply.period_secs, 2 * 86_400);
    assert_eq!(reply.in_reply_to.as_deref(), Some("<m1@example.com>"));
    assert_eq!(first.tracking.len(), 1);
    assert_eq!(first.tracking[0].key.kind, TrackingKind::Vacation);
    deliver(&mut owner, &first);
    let second = run(source, &mut owner, "alice@example.com").unwrap_or_default();
    assert!(second.actions.is_empty());
    assert_eq!(second.vacation_skipped, Some(VacationSkip::AlreadyAnswered));
    assert!(second.implicit_keep.is_some());
    let other = run(source, &mut owner, "bob@example.org").unwrap_or_default();
    assert!(matches!(other.actions.first(), Some(Action::Vacation(_))), "another sender is answered");
}

#[test]
fn bounces_get_no_vacation_reply() {
    let outcome = run("require \"vacation\";\nvacation \"Away.\";", &mut Owner::default(), "").unwrap_or_default();
    assert_eq!(outcome.vacation_skipped, Some(VacationSkip::NullSender));
    assert!(outcome.actions.is_empty());
}

#[test]
fn the_null_sender_is_the_empty_string_to_envelope() {
    let source = "require [\"envelope\", \"fileinto\"];\nif envelope :is \"from\" \"\" { fileinto \"Bounces\"; }";
    let outcome = run(source, &mut Owner::default(), "").unwrap_or_default();
    assert!(matches!(&outcome.actions[..], [Action::FileInto { mailbox, .. }] if mailbox == "Bounces"));
}

#[test]
fn duplicate_is_true_once_the_id_was_delivered() {
    let mut owner = Owner::default();
    let source = "require [\"duplicate\", \"fileinto\"];\nif duplicate { fileinto \"Dup\"; } if duplicate { fileinto \"Dup2\"; }";
    let first = run(source, &mut owner, "alice@example.com").unwrap_or_default();
    assert!(first.actions.is_empty(), "a new id, asked twice in one run, is new both times: {first:?}");
    assert_eq!(first.tracking.len(), 1);
    assert_eq!(first.tracking[0].key.value, "<m1@example.com>");
    assert_eq!(first.tracking[0].period_secs, 14 * 86_400);
    deliver(&mut owner, &first);
    let second = run(source, &mut owner, "alice@example.com").unwrap_or_default();
    assert_eq!(second.actions.len(), 2);
    assert!(second.tracking.is_empty(), "without :last a known id is not refreshed");
}

#[test]
fn the_step_budget_stops_a_costly_script_and_nothing_counts() {
    let mut owner = Owner { budget: Some(50), ..Owner::default() };
    let body = "if header :contains \"subject\" \"x\" { keep; }\n".repeat(100);
    let error = run(&body, &mut owner, "alice@example.com").err();
    assert_eq!(error, Some(RuntimeError::StepBudgetExceeded(50)));
}

#[test]
fn include_loops_and_depth_are_runtime_errors() {
    let mut owner = Owner::default();
    owner.scripts.insert("a".into(), "require \"include\";\ninclude \"b\";".into());
    owner.scripts.insert("b".into(), "require \"include\";\ninclude \"a\";".into());
    let error = run("require \"include\";\ninclude \"a\";", &mut owner, "x@y.z").err();
    assert!(matches!(error, Some(RuntimeError::Include { .. })), "{error:?}");
    for n in 0..20 {
        owner.scripts.insert(format!("d{n}"), format!("require \"include\";\ninclude \"d{}\";", n + 1));
    }
    let error = run("require \"include\";\ninclude \"d0\";", &mut owner, "x@y.z").err();
    assert!(matches!(&error, Some(RuntimeError::Include { message, .. }) if message.contains("deeper")), "{error:?}");
}

#[test]
fn included_scripts_are_listed_for_managesieve() {
    let source = "require \"include\";\nif true { include :global :optional \"spam\"; } else { include \"lists\"; }";
    let script = compile(source, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        script.includes(),
        [(IncludeLocation::Global, "spam".to_owned(), true), (IncludeLocation::Personal, "lists".to_owned(), false)]
    );
}

#[test]
fn editheader_changes_come_back_as_a_header_block() {
    let source = "require \"editheader\";\naddheader \"X-Sieve\" \"filtered\";\ndeleteheader \"subject\";";
    let outcome = run(source, &mut Owner::default(), "x@y.z").unwrap_or_default();
    let header = String::from_utf8(outcome.edited_header.unwrap_or_default()).unwrap_or_default();
    assert!(header.starts_with("X-Sieve: filtered\r\nFrom: Alice <alice@example.com>\r\n"), "{header}");
    assert!(!header.contains("Subject"));
    assert!(header.ends_with("\r\n\r\n"));
    let untouched = run("keep;", &mut Owner::default(), "x@y.z").unwrap_or_default();
    assert_eq!(untouched.edited_header, None);
}

#[test]
fn ereject_is_an_extended_reject() {
    let outcome = run("require \"ereject\";\nereject \"No.\";", &mut Owner::default(), "x@y.z").unwrap_or_default();
    assert_eq!(outcome.actions, [Action::Reject { reason: "No.".into(), extended: true }]);
    assert_eq!(outcome.implicit_keep, None);
}

#[test]
fn compile_errors_name_line_and_column() {
    let error = compile("require \"fileinto\";\n\nif true {\n  fileinto \"A\"\n}\n", &Limits::default()).err();
    let error = error.unwrap_or_else(|| panic!("compiles"));
    assert_eq!((error.line, error.column), (5, 1), "{error}");
    let error = compile("keep;\n  frobnicate;", &Limits::default()).err().unwrap_or_else(|| panic!("compiles"));
    assert_eq!((error.line, error.column), (2, 3));
    assert!(error.message.contains("frobnicate"));
    let error = compile("fileinto \"x\";", &Limits::default()).err().unwrap_or_else(|| panic!("compiles"));
    assert!(error.message.contains("require \"fileinto\""), "{error}");
}

#[test]
fn limits_bound_scripts() {
    let small = Limits { max_script_bytes: 10, ..Limits::default() };
    assert!(compile("keep; keep; keep;", &small).is_err());
    let few = Limits { max_variables: 2, ..Limits::default() };
    assert!(compile("require \"variables\";\nset \"a\" \"1\"; set \"b\" \"2\"; set \"c\" \"3\";", &few).is_err());
    let nesting = format!("{}keep;{}", "if true {".repeat(40), "}".repeat(40));
    assert!(compile(&nesting, &Limits::default()).is_err());
    assert!(
        compile("require \"regex\";\nif header :regex \"subject\" \"a{1000}{1000}\" { keep; }", &Limits::default())
            .is_err()
    );
}

#[test]
fn variables_are_cut_to_their_limit() {
    let source = "require [\"variables\", \"fileinto\"];\nset \"a\" \"0123456789\";\nset :length \"n\" \"${a}${a}\";\nfileinto \"${n}\";";
    let script =
        compile(source, &Limits { max_variable_bytes: 15, ..Limits::default() }).unwrap_or_else(|e| panic!("{e}"));
    let outcome =
        script.evaluate(&mut Owner::default(), &Message::parse(MESSAGE), &envelope("x@y.z")).unwrap_or_default();
    assert!(matches!(&outcome.actions[..], [Action::FileInto { mailbox, .. }] if mailbox == "20"), "{outcome:?}");
}

#[test]
fn a_summary_from_ingest_can_be_reused() {
    let summary = facteur_message::ingest(MESSAGE);
    let message = Message::with_summary(MESSAGE, &summary);
    let script = compile("if header :is \"subject\" \"lunch?\" { discard; }", &Limits::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let outcome = script.evaluate(&mut Owner::default(), &message, &envelope("x@y.z")).unwrap_or_default();
    assert_eq!(outcome.actions, [Action::Discard]);
}

#[test]
fn scripts_can_be_shared_between_delivery_threads() {
    fn shareable<T: Send + Sync + Clone>() {}
    shareable::<facteur_sieve::Script>();
    shareable::<Outcome>();
}

#[test]
fn every_capability_is_listed_for_managesieve() {
    let list = Capability::managesieve_list();
    for name in ["fileinto", "vacation-seconds", "editheader", "regex", "comparator-i;ascii-numeric"] {
        assert!(list.split(' ').any(|n| n == name), "{name} missing from {list}");
    }
    let script =
        compile("require [\"fileinto\", \"copy\"];\nkeep;", &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(script.capabilities().collect::<Vec<_>>(), [Capability::FileInto, Capability::Copy]);
}
