//! Fuzzes the ManageSieve command grammar (`facteur_managesieve::CommandAssembly`) with a client's byte
//! stream, cut as the session cuts it: lines of at most `LINE_MAX` octets, then each literal a line announces
//! (kept up to a small limit, dropped beyond it, as the session does with the script size limit).
//!
//! What must hold (RFC 5804 §4, errata 2655):
//! - no panic, whatever the bytes; each command takes at most `MAX_TOKENS` elements;
//! - a parsed command written back in canonical form (quoted strings, escapes, literals for what cannot be
//!   quoted) parses to the same command;
//! - `Debug` never shows a SASL initial response or a script's text.
//!
//! Run with `cargo fuzz run --sanitizer none managesieve_command` from `crates/facteur-managesieve` (see
//! docs/fuzzing.md).
#![no_main]

use facteur_managesieve::command::LINE_MAX;
use facteur_managesieve::response::write_string;
use facteur_managesieve::{Command, CommandAssembly, Next, ScriptText};
use libfuzzer_sys::fuzz_target;

/// Literals larger than this are dropped, as the session drops those above the script limit.
const KEEP: u64 = 256;

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while !rest.is_empty() {
        let Some((result, after)) = one_command(rest, KEEP) else { return };
        rest = after;
        if let Ok(command) = result {
            check(&command);
        }
    }
});

/// One command from the front of `input`, and what follows it; `None` when the input ends inside it. Literals
/// over `keep` octets are dropped.
fn one_command(input: &[u8], keep: u64) -> Option<(Result<Command, facteur_managesieve::SyntaxError>, &[u8])> {
    let mut assembly = CommandAssembly::new();
    let mut rest = input;
    loop {
        let end = rest.iter().position(|&b| b == b'\n')? + 1;
        let (line, after) = rest.split_at(end);
        rest = after;
        let next = if line.len() > LINE_MAX {
            assembly.line_too_long();
            Next::Finish
        } else {
            assembly.line(line)
        };
        match next {
            Next::Finish => return Some((assembly.finish(), rest)),
            Next::Literal { size } => {
                let take = usize::try_from(size).ok()?;
                if take > rest.len() {
                    return None;
                }
                let (literal, after) = rest.split_at(take);
                rest = after;
                if size <= keep { assembly.literal(literal.to_vec()) } else { assembly.oversized(size) }
            }
        }
    }
}

fn check(command: &Command) {
    // `Debug` must not depend on a secret's bytes: the same command with other bytes of the same length reads
    // the same. (A substring check would fail on a script that happens to read like the redaction.)
    let debug = format!("{command:?}");
    let mut other = command.clone();
    match &mut other {
        Command::Authenticate { initial_response: Some(response), .. } => scramble(response),
        Command::PutScript { script: ScriptText::Bytes(script), .. }
        | Command::CheckScript { script: ScriptText::Bytes(script) } => scramble(script),
        _ => {}
    }
    assert_eq!(debug, format!("{other:?}"), "Debug shows a SASL response or a script");
    let canonical = canonical(command);
    // What the canonical form holds was kept once (a quoted string of up to 1,024 octets may need a literal to
    // be written back), so it is read back whole; a script that was dropped is written as a literal of its
    // size, to be dropped again.
    let dropped = matches!(
        command,
        Command::PutScript { script: ScriptText::TooLarge(_), .. }
            | Command::CheckScript { script: ScriptText::TooLarge(_) }
    );
    let keep = if dropped { KEEP } else { u64::MAX };
    let (again, rest) = one_command(&canonical, keep).expect("the canonical form is complete");
    assert!(rest.is_empty(), "the canonical form is one command");
    assert_eq!(
        again.as_ref(),
        Ok(command),
        "the canonical form parses back: {:?}",
        String::from_utf8_lossy(&canonical)
    );
}

/// Every byte replaced by another.
fn scramble(bytes: &mut [u8]) {
    for byte in bytes {
        *byte = if *byte == b'#' { b'%' } else { b'#' };
    }
}

/// The command as a well-behaved client writes it.
fn canonical(command: &Command) -> Vec<u8> {
    let mut out = command.name().as_bytes().to_vec();
    match command {
        Command::Authenticate { mechanism, initial_response } => {
            element(&mut out, mechanism.as_bytes());
            if let Some(response) = initial_response {
                element(&mut out, response);
            }
        }
        Command::HaveSpace { name, size } => {
            element(&mut out, name.as_bytes());
            out.extend_from_slice(format!(" {size}").as_bytes());
        }
        Command::PutScript { name, script } => {
            element(&mut out, name.as_bytes());
            script_text(&mut out, script);
        }
        Command::CheckScript { script } => script_text(&mut out, script),
        Command::SetActive { name } | Command::GetScript { name } | Command::DeleteScript { name } => {
            element(&mut out, name.as_bytes());
        }
        Command::RenameScript { old, new } => {
            element(&mut out, old.as_bytes());
            element(&mut out, new.as_bytes());
        }
        Command::Noop { tag: Some(tag) } => element(&mut out, tag),
        _ => {}
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// One string argument, quoted or, where it cannot be, a literal (which the grammar reads as a client's
/// `{N+}`).
fn element(out: &mut Vec<u8>, value: &[u8]) {
    out.push(b' ');
    write_string(out, value);
}

fn script_text(out: &mut Vec<u8>, script: &ScriptText) {
    match script {
        ScriptText::Bytes(bytes) => {
            out.push(b' ');
            write_string(out, bytes);
        }
        // Dropped octets: any of the announced size will do.
        ScriptText::TooLarge(size) => {
            out.extend_from_slice(format!(" {{{size}+}}\r\n").as_bytes());
            out.extend(std::iter::repeat_n(b'x', usize::try_from(*size).unwrap_or(0)));
        }
    }
}
