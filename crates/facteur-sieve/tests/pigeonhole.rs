//! The differential test: every case of `tests/pigeonhole/cases/` (a script, a message of
//! `tests/pigeonhole/messages/` and an envelope) runs through this crate and through Pigeonhole's
//! `sieve-test` (Debian's dovecot-sieve), and the actions must be the same: mailboxes filed into with their
//! flags, the implicit keep, redirects, discard, reject, a vacation reply or none, errors.
//!
//! A case is a Sieve script whose first lines are comments that say how to run it:
//!
//! ```text
//! # message: plain.eml            (a file of tests/pigeonhole/messages)
//! # from: alice@example.com       (envelope sender; <> for the null path)
//! # to: me@example.net            (envelope recipient, the owner)
//! # mailboxes: Work Lists         (mailboxes that exist besides INBOX)
//! # extensions: +editheader       (sieve-test -x: extensions Pigeonhole leaves off by default)
//! # differs: why                  (a deliberate difference, documented in the README: reported, not failed)
//! ```
//!
//! Without /usr/bin/sieve-test the test says so and passes (CI installs it: `.ci/run`).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use facteur_sieve::{Action, Envelope, Environment, IncludeLocation, Limits, Message, Outcome, TrackingKey, compile};

const SIEVE_TEST: &str = "/usr/bin/sieve-test";

#[test]
fn pigeonhole_agrees() {
    if !Path::new(SIEVE_TEST).exists() {
        assert!(std::env::var_os("CI").is_none(), "sieve-test is not installed: .ci/run should have installed it");
        eprintln!("NOTICE: {SIEVE_TEST} is missing (apt-get install dovecot-sieve); the differential test is skipped");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pigeonhole");
    let mut cases: Vec<PathBuf> = fs::read_dir(root.join("cases"))
        .map(|dir| dir.filter_map(|entry| entry.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    cases.retain(|path| path.extension().is_some_and(|ext| ext == "sieve"));
    cases.sort();
    let filter = std::env::var("SIEVE_CASE").ok();
    let (mut agree, mut differ, mut documented) = (0, Vec::new(), Vec::new());
    for path in &cases {
        if filter.as_ref().is_some_and(|f| !path.to_string_lossy().contains(f.as_str())) {
            continue;
        }
        let case = Case::read(path, &root);
        let ours = ours(&case);
        let theirs = pigeonhole(&case);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match (&case.differs, ours == theirs) {
            (None, true) => agree += 1,
            (None, false) => differ.push(format!("{name}:\n  ours:       {ours:?}\n  pigeonhole: {theirs:?}")),
            (Some(why), same) => {
                documented.push(format!("{name} ({}): {why}", if same { "now agrees" } else { "differs" }))
            }
        }
    }
    println!(
        "pigeonhole differential: {} cases, {agree} agree, {} differ, {} deliberate differences",
        cases.len(),
        differ.len(),
        documented.len()
    );
    for line in &documented {
        println!("  deliberate: {line}");
    }
    assert!(differ.is_empty(), "{} cases differ from Pigeonhole:\n{}", differ.len(), differ.join("\n"));
    assert!(filter.is_some() || cases.len() >= 150, "the corpus must hold at least 150 cases");
}

struct Case {
    script_path: PathBuf,
    script: String,
    message: Vec<u8>,
    message_path: PathBuf,
    from: String,
    to: String,
    mailboxes: Vec<String>,
    extensions: Option<String>,
    differs: Option<String>,
    includes: PathBuf,
}

impl Case {
    fn read(path: &Path, root: &Path) -> Case {
        let script = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let field = |name: &str| {
            script.lines().take_while(|line| line.starts_with('#')).find_map(|line| {
                let (key, value) = line.trim_start_matches('#').split_once(':')?;
                (key.trim() == name).then(|| value.trim().to_owned())
            })
        };
        let message_path = root.join("messages").join(field("message").unwrap_or_else(|| "plain.eml".into()));
        let message = fs::read(&message_path).unwrap_or_else(|e| panic!("{}: {e}", message_path.display()));
        Case {
            script_path: path.to_owned(),
            message,
            message_path,
            from: field("from").unwrap_or_else(|| "alice@example.com".into()),
            to: field("to").unwrap_or_else(|| "me@example.net".into()),
            mailboxes: field("mailboxes").map(|m| m.split_whitespace().map(String::from).collect()).unwrap_or_default(),
            extensions: field("extensions"),
            differs: field("differs"),
            includes: root.join("includes"),
            script,
        }
    }
}

/// What both sides are reduced to: one line per action, sorted.
type Normalised = Vec<String>;

struct TestEnvironment<'a> {
    case: &'a Case,
    tracked: HashSet<TrackingKey>,
}

impl Environment for TestEnvironment<'_> {
    fn now(&self) -> i64 {
        facteur_primitives::unix_now()
    }

    fn mailbox_exists(&mut self, name: &str) -> bool {
        name.eq_ignore_ascii_case("INBOX") || self.case.mailboxes.iter().any(|m| m == name)
    }

    fn is_tracked(&mut self, key: &TrackingKey) -> bool {
        self.tracked.contains(key)
    }

    fn include(&mut self, location: IncludeLocation, name: &str) -> Option<String> {
        let folder = if location == IncludeLocation::Global { "global" } else { "personal" };
        fs::read_to_string(self.case.includes.join(folder).join(format!("{name}.sieve"))).ok()
    }
}

fn ours(case: &Case) -> Normalised {
    let script = match compile(&case.script, &Limits::default()) {
        Ok(script) => script,
        Err(_) => return vec!["compile-error".into()],
    };
    let message = Message::parse(&case.message);
    let from = if case.from == "<>" { String::new() } else { case.from.clone() };
    let envelope = Envelope { from, to: case.to.clone(), auth: None };
    let mut env = TestEnvironment { case, tracked: HashSet::new() };
    match script.evaluate(&mut env, &message, &envelope) {
        Ok(outcome) => normalise_ours(&outcome),
        Err(_) => vec!["error".into()],
    }
}

fn normalise_ours(outcome: &Outcome) -> Normalised {
    let mut lines = Vec::new();
    for action in &outcome.actions {
        lines.push(match action {
            Action::Keep(keep) => store("INBOX", &keep.flags, false),
            Action::FileInto { mailbox, flags, create, .. } => store(mailbox, flags, *create),
            Action::Redirect { address, .. } => format!("redirect {address}"),
            Action::Discard => "discard".into(),
            Action::Reject { reason, .. } => format!("reject {}", reason.replace("\r\n", "\n").trim_end()),
            Action::Vacation(reply) => format!("vacation sent seconds={} subject={}", reply.period_secs, reply.subject),
        });
    }
    if outcome.vacation_skipped.is_some() {
        lines.push("vacation not sent".into());
    }
    if let Some(keep) = &outcome.implicit_keep {
        lines.push(format!("implicit {}", store("INBOX", &keep.flags, false)));
    }
    lines.sort();
    lines
}

fn store(mailbox: &str, flags: &[String], create: bool) -> String {
    let mut flags: Vec<String> = flags.iter().map(|f| f.to_ascii_lowercase()).collect();
    flags.sort();
    flags.dedup();
    let mailbox = if mailbox.eq_ignore_ascii_case("INBOX") { "INBOX" } else { mailbox };
    format!("store {mailbox} flags=[{}]{}", flags.join(" "), if create { " create" } else { "" })
}

/// Runs sieve-test in a fresh home (duplicate and vacation records start empty) with a Maildir holding the
/// case's mailboxes; as `nobody` when we are root, since Dovecot refuses to touch mail as root.
fn pigeonhole(case: &Case) -> Normalised {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    let dir = home.path();
    let script = dir.join("script.sieve");
    let message = dir.join("message.eml");
    copy(&case.script_path, &script);
    copy(&case.message_path, &message);
    for folder in ["personal", "global"] {
        let target = dir.join(folder);
        make_dir(&target);
        if let Ok(entries) = fs::read_dir(case.includes.join(folder)) {
            for entry in entries.flatten() {
                copy(&entry.path(), &target.join(entry.file_name()));
            }
        }
    }
    make_maildir(dir, &case.mailboxes);
    let plain = run_sieve_test(case, dir, &script, &message, false);
    let mut lines = parse_actions(&plain);
    if lines.iter().any(|l| l.starts_with("vacation")) {
        // Whether the reply is really due shows only when executing: create the mailboxes the script files
        // into, so that storing succeeds, then execute.
        let targets: Vec<String> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("store "))
            .filter_map(|l| l.split(" flags=").next())
            .map(String::from)
            .collect();
        make_maildir(dir, &targets);
        let executed = run_sieve_test(case, dir, &script, &message, true);
        let vacation = vacation_line(&executed, &plain);
        lines.retain(|l| !l.starts_with("vacation"));
        lines.extend(vacation);
        lines.sort();
    }
    lines
}

fn run_sieve_test(case: &Case, dir: &Path, script: &Path, message: &Path, execute: bool) -> String {
    let as_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut command = if as_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", SIEVE_TEST]);
        c
    } else {
        Command::new(SIEVE_TEST)
    };
    let location = format!("maildir:{}/Maildir", dir.display());
    command
        .env_clear()
        .env("HOME", dir)
        .env("TZ", "UTC")
        .env("PATH", "/usr/bin:/bin:/usr/sbin:/sbin")
        .args(["-C", "-l", &location, "-f", &case.from, "-a", &case.to, "-r", &case.to])
        .args(["-o", &format!("plugin/sieve=file:{}/personal;active={}/active.sieve", dir.display(), dir.display())])
        .args(["-o", &format!("plugin/sieve_global={}/global", dir.display())]);
    if let Some(extensions) = &case.extensions {
        command.args(["-x", extensions]);
    }
    if execute {
        command.arg("-e");
    }
    command.arg(script).arg(message);
    let output = command.output().unwrap_or_else(|e| panic!("running sieve-test: {e}"));
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    text
}

/// The "Performed actions" and "Implicit keep" lists of a run without `-e`.
fn parse_actions(output: &str) -> Normalised {
    if output.contains("failed to compile sieve script") {
        return vec!["compile-error".into()];
    }
    if output.contains("final result: failed") || output.contains("final result: utter failure") {
        return vec!["error".into()];
    }
    let mut lines = Vec::new();
    let mut section = "";
    let mut current: Option<(String, Vec<String>, bool)> = None;
    let mut vacation_seconds = String::new();
    let flush = |current: &mut Option<(String, Vec<String>, bool)>, lines: &mut Vec<String>, implicit: bool| {
        if let Some((mailbox, flags, create)) = current.take() {
            let line = store(&mailbox, &flags, create);
            lines.push(if implicit { format!("implicit {line}") } else { line });
        }
    };
    let mut in_message = false;
    for line in output.lines() {
        if line.starts_with("START MESSAGE") {
            in_message = true;
            continue;
        }
        if line.starts_with("END MESSAGE") {
            in_message = false;
            continue;
        }
        if in_message {
            continue;
        }
        let trimmed = line.trim();
        if trimmed == "Performed actions:" || trimmed == "Implicit keep:" {
            flush(&mut current, &mut lines, section == "implicit");
            section = if trimmed == "Implicit keep:" { "implicit" } else { "actions" };
            continue;
        }
        if let Some(mailbox) = trimmed.strip_prefix("* store message in folder: ") {
            flush(&mut current, &mut lines, section == "implicit");
            current = Some((mailbox.to_owned(), Vec::new(), false));
        } else if let Some(flags) = trimmed.strip_prefix("+ add IMAP flags: ") {
            if let Some((_, list, _)) = current.as_mut() {
                list.extend(flags.split_whitespace().map(String::from));
            }
        } else if trimmed.starts_with("+ create mailbox") {
            if let Some((_, _, create)) = current.as_mut() {
                *create = true;
            }
        } else if trimmed.starts_with("* ") {
            flush(&mut current, &mut lines, section == "implicit");
            if let Some(address) = trimmed.strip_prefix("* redirect message to: ") {
                lines.push(format!("redirect {}", address.trim_matches(['<', '>'])));
            } else if trimmed == "* discard" {
                lines.push("discard".into());
            } else if let Some(reason) = trimmed.strip_prefix("* reject message with reason: ") {
                // The reason's line breaks (CRLF) are printed as `??`.
                lines.push(format!("reject {}", reason.trim_end().replace("??", "\n").trim_end()));
            } else if trimmed.starts_with("* send vacation message") {
                lines.push("vacation".into());
            } else if trimmed.starts_with("* track duplicate") {
                // The duplicate test's record: ours is in `Outcome::tracking`, not an action.
            } else {
                lines.push(format!("unknown {trimmed}"));
            }
        } else if let Some(seconds) = trimmed.strip_prefix("=> seconds : ") {
            vacation_seconds = seconds.to_owned();
        }
    }
    flush(&mut current, &mut lines, section == "implicit");
    if let Some(at) = lines.iter().position(|l| l == "vacation") {
        lines[at] = format!("vacation seconds={vacation_seconds}");
    }
    lines.sort();
    lines
}

/// From a run with `-e`: whether the reply went out, its period and subject.
fn vacation_line(executed: &str, plain: &str) -> Option<String> {
    if !plain.contains("send vacation message") {
        return None;
    }
    if !executed.contains("sent vacation response") {
        return Some("vacation not sent".into());
    }
    let seconds = plain.lines().find_map(|l| l.trim().strip_prefix("=> seconds : ")).unwrap_or_default();
    let subject = executed.lines().find_map(|l| l.strip_prefix("Subject: ")).unwrap_or_default();
    // The reply's subject is encoded (RFC 2047); ours is text, encoded when the reply is built.
    let subject =
        match mail_parser::parsers::MessageStream::new(format!("{subject}\r\n").as_bytes()).parse_unstructured() {
            mail_parser::HeaderValue::Text(text) => text.into_owned(),
            _ => subject.to_owned(),
        };
    Some(format!("vacation sent seconds={seconds} subject={subject}"))
}

fn make_maildir(dir: &Path, mailboxes: &[String]) {
    let root = dir.join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        make_dir(&root.join(sub));
    }
    for mailbox in mailboxes.iter().filter(|m| !m.eq_ignore_ascii_case("INBOX")) {
        // Maildir++: a folder is a dot directory, its hierarchy separated by dots.
        let folder = root.join(format!(".{}", mailbox.replace('/', ".")));
        for sub in ["cur", "new", "tmp"] {
            make_dir(&folder.join(sub));
        }
    }
    open_up(dir);
}

fn make_dir(path: &Path) {
    fs::create_dir_all(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn copy(from: &Path, to: &Path) {
    fs::copy(from, to).unwrap_or_else(|e| panic!("{} → {}: {e}", from.display(), to.display()));
}

/// Lets `nobody` write everywhere in the case's home (sieve-test runs as it when we are root).
fn open_up(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![dir.to_owned()];
    while let Some(path) = stack.pop() {
        let mode = if path.is_dir() { 0o777 } else { 0o666 };
        let _ = fs::set_permissions(&path, fs::Permissions::from_mode(mode));
        if let Ok(entries) = fs::read_dir(&path) {
            stack.extend(entries.flatten().map(|e| e.path()));
        }
    }
}
