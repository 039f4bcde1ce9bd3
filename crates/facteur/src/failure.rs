//! How a command ends when it cannot do its job, and the exit code that tells scripts why.

use std::fmt;

/// A command's failure. Usage and configuration errors exit with 2 (the operator must change what they typed or
/// wrote); anything else with 1.
#[derive(Debug)]
pub enum Failure {
    /// The command line or the configuration is wrong; the message says what to change.
    Usage(anyhow::Error),
    /// The command was right but could not be carried out (store error, port in use, …).
    Runtime(anyhow::Error),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Runtime(_) => 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(error) | Failure::Runtime(error) => f.write_str(&with_causes(error)),
        }
    }
}

/// The error and its causes, `: `-separated like `{:#}`, but without a cause the text before already says
/// (many errors put their source in their own message: "open PATH: Permission denied" twice is noise).
fn with_causes(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure::Runtime(error)
    }
}

/// Shorthand for a usage error with a formatted message.
macro_rules! usage {
    ($($arg:tt)*) => { $crate::failure::Failure::Usage(anyhow::anyhow!($($arg)*)) };
}
pub(crate) use usage;

pub type Outcome<T = ()> = Result<T, Failure>;

/// An admin operation's refusal is a usage error (exit 2), its failure a runtime one.
pub fn admin_failure(error: facteur_admin::AdminError) -> Failure {
    match error {
        facteur_admin::AdminError::Store(error) => crate::data_dir::store_failure(error),
        refusal if refusal.is_refusal() => Failure::Usage(refusal.into()),
        failure => Failure::Runtime(failure.into()),
    }
}
