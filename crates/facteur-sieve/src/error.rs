//! What can go wrong: a script that does not compile (with where, for ManageSieve's replies) and a script that
//! fails while it runs (the caller then keeps the message: mail is never lost to a bad script).

use std::fmt;

/// A position in a script: 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Why a script was refused, and where: ManageSieve (RFC 5804 §1.3) sends the line and column to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct CompileError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl CompileError {
    pub(crate) fn at(position: Position, message: impl Into<String>) -> Self {
        CompileError { line: position.line, column: position.column, message: message.into() }
    }

    pub fn position(&self) -> Position {
        Position { line: self.line, column: self.column }
    }
}

/// Why a compiled script stopped while it ran. The message has not been filed: the caller keeps it (RFC 5228
/// §2.10.6: an error cancels the actions and the implicit keep applies).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    #[error("the script took more than {0} steps")]
    StepBudgetExceeded(u64),
    #[error("{position}: {message}")]
    Failed { position: Position, message: String },
    #[error("{position}: included script {name:?}: {message}")]
    Include { position: Position, name: String, message: String },
}

impl RuntimeError {
    pub(crate) fn at(position: Position, message: impl Into<String>) -> Self {
        RuntimeError::Failed { position, message: message.into() }
    }
}
