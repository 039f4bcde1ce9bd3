//! Reading a password from standard input, for the commands that take one (`account add|passwd`,
//! `import imap`): one bounded line, so that a file piped in by mistake is not read whole.

use std::io::{BufRead, Read};

use crate::failure::{Outcome, usage};

pub use facteur_admin::MAX_PASSWORD_LEN;

/// The first line of standard input, without its line ending (read no further than a password may be long).
pub fn stdin_line() -> Outcome<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take(MAX_PASSWORD_LEN as u64 + 2)
        .read_line(&mut line)
        .map_err(|error| usage!("cannot read the password from standard input: {error}"))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
