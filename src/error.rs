//! Exit statuses, decided in one place from the kind of error that stopped a command.
//!
//! 0 done; 1 anything else; 2 usage; 3 refused by a rule; 4 not found; 5 database problem;
//! 6 `report overdue --fail-if-any` found something overdue; 7 the record does not check out.

use crate::calendar::CalendarError;
use crate::engine::Refusal;
use crate::files::FileError;
use crate::store::StoreError;

pub const DONE: u8 = 0;
pub const OTHER: u8 = 1;
pub const USAGE: u8 = 2;
pub const REFUSED: u8 = 3;
pub const NOT_FOUND: u8 = 4;
pub const DATABASE: u8 = 5;
pub const OVERDUE: u8 = 6;
pub const RECORD_BROKEN: u8 = 7;

/// A problem with what the user asked, found by the shell rather than the engine.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// The request is malformed or incomplete (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A named child, member of staff or matter does not exist (exit 4).
    #[error("{0}")]
    NotFound(String),
    /// A file iro must trust (the policy) could be changed by someone else (exit 5).
    #[error("{0}")]
    Untrusted(String),
}

/// How a command that ran to its end wants the process to exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    /// `--fail-if-any` and something is overdue.
    Overdue,
    /// The audit found the record does not check out.
    RecordBroken,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Done => DONE,
            Status::Overdue => OVERDUE,
            Status::RecordBroken => RECORD_BROKEN,
        }
    }
}

/// The exit status for an error: the first cause in the chain with a known kind decides it.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(problem) = cause.downcast_ref::<Problem>() {
            return match problem {
                Problem::Usage(_) => USAGE,
                Problem::NotFound(_) => NOT_FOUND,
                Problem::Untrusted(_) => DATABASE,
            };
        }
        if cause.is::<Refusal>() {
            return REFUSED;
        }
        if cause.is::<CalendarError>() || cause.is::<crate::render::xlsx::SpreadsheetToTerminal>() {
            return USAGE;
        }
        // Something already where a new file is asked for, or a directory others could use: the
        // command named the wrong place.
        if let Some(file) = cause.downcast_ref::<FileError>() {
            return match file {
                FileError::Exists(_) | FileError::Unsafe { .. } => USAGE,
                FileError::Io { .. } => OTHER,
            };
        }
        if let Some(
            StoreError::Exists(_)
            | StoreError::NoParent(_)
            | StoreError::Url(_)
            | StoreError::NotEmpty(_),
        ) = cause.downcast_ref::<StoreError>()
        {
            return USAGE;
        }
        if cause.is::<StoreError>() || cause.is::<rusqlite::Error>() {
            return DATABASE;
        }
    }
    OTHER
}

/// Whether the error is only that whoever read our output went away (`iro list | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>();
        // The writers wrap the io::Error they met: look inside, or its kind is lost.
        let in_io = io.and_then(|e| e.get_ref()).is_some_and(|inner| {
            inner.downcast_ref::<csv::Error>().is_some_and(
                |csv| matches!(csv.kind(), csv::ErrorKind::Io(e) if e.kind() == BrokenPipe),
            )
        });
        io.is_some_and(|e| e.kind() == BrokenPipe)
            || in_io
            || cause.downcast_ref::<csv::Error>().is_some_and(
                |csv| matches!(csv.kind(), csv::ErrorKind::Io(e) if e.kind() == BrokenPipe),
            )
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|json| json.io_error_kind() == Some(BrokenPipe))
    })
}

/// The error as the one line a person reads: its causes joined, no newlines.
pub fn one_line(err: &anyhow::Error) -> String {
    let text = format!("{err:#}");
    // Control characters from user input (an escape sequence in a matter id, say) are shown, not obeyed.
    let shown: String = text
        .chars()
        .flat_map(|c| {
            if c.is_control() && !c.is_whitespace() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    shown.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Rule;

    #[test]
    fn each_kind_of_error_has_its_documented_exit_status() {
        let refusal = anyhow::Error::new(Refusal {
            rule: Rule::ChallengeWindow,
            message: "closed".into(),
        })
        .context("challenge Q-2026-0001");
        assert_eq!(exit_code(&refusal), REFUSED);
        assert_eq!(
            exit_code(&anyhow::Error::new(Problem::Usage("x".into()))),
            USAGE
        );
        assert_eq!(
            exit_code(&anyhow::Error::new(Problem::NotFound("x".into()))),
            NOT_FOUND
        );
        let missing = StoreError::Missing("/nowhere/iro.db".into());
        assert_eq!(exit_code(&anyhow::Error::new(missing)), DATABASE);
        assert_eq!(exit_code(&anyhow::anyhow!("something else")), OTHER);
    }

    #[test]
    fn one_line_joins_causes_and_drops_newlines() {
        let err = anyhow::anyhow!("first\nsecond").context("outer");
        assert_eq!(one_line(&err), "outer: first second");
        let escape = anyhow::anyhow!("no matter 'Q\u{1b}[2J'");
        assert_eq!(one_line(&escape), "no matter 'Q\\u{1b}[2J'");
    }
}
