//! The one error of the use cases. The use case decides its kind; each transport maps the kind
//! once, where it becomes an answer: `api` (`api/error.rs`) to a status and the JSON error,
//! `web` (`web/pages.rs`) to a status and a sentence in the reader's language looked up by
//! `code` (`i18n::errors`), `outbox` (`outbox/outcome.rs`) to transient or permanent. The cause
//! is kept (`source`) and logged there, once.
//!
//! Which constructor, when:
//!
//! | the request…                                                      | build it with               | kind        |
//! |-------------------------------------------------------------------|-----------------------------|-------------|
//! | breaks a rule on its own (a malformed address, a limit, a choice) | [`Error::invalid`]          | `Invalid` (422)  |
//! | is well formed but does not fit what is stored: names an unknown survey, person or invitation in its body, an address someone has, a closed cycle, a frozen survey | [`Error::conflict`] | `Conflict` (409) |
//! | names in its path something that is not there (or not for this caller) | [`Error::not_found`]  | `NotFound` (404) |
//! | has rows, several of them wrong: one [`RowProblem::invalid`] or [`RowProblem::conflict`] each | [`Error::rows`] | the first row's |
//! | meets a busy or full database                                     | `?` on the `sqlx::Error`    | `Busy` (503), `StorageFull` (507) |
//! | meets anything else: a bug, a broken database                     | `?`, or [`Error::internal`] | `Bug` (500) |
//!
//! A `code` is snake_case, stable, and of one kind wherever it is built; every code built in
//! `src/app` has a sentence in both languages in `i18n::errors` (both are checked by a test
//! there). The `message` is English, for the API and the logs; pages never show it, they show
//! the code's sentence and the value the error names ([`Error::naming`]).
use crate::db;

/// What kind of failure an error is: each transport answers a kind, never a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request is wrong in itself; fix the request.
    Invalid,
    /// The request does not fit what is stored; fix the data (or the request) first.
    Conflict,
    NotFound,
    /// Try again shortly; nothing was stored.
    Busy,
    StorageFull,
    /// A bug or a broken database.
    Bug,
}

/// One row of an import or a batch that cannot be stored, as data: the transports word it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Position in the request, from 0.
    pub index: usize,
    pub id: String,
    pub code: &'static str,
    /// `Invalid` or `Conflict`.
    pub kind: Kind,
    pub message: String,
}

impl RowProblem {
    /// A row wrong in itself (a malformed address, a name too long).
    pub fn invalid(index: usize, id: &str, code: &'static str, message: impl std::fmt::Display) -> RowProblem {
        RowProblem { index, id: id.to_string(), code, kind: Kind::Invalid, message: message.to_string() }
    }

    /// A row that does not fit what is stored (an unknown manager, an address someone has).
    pub fn conflict(index: usize, id: &str, code: &'static str, message: impl std::fmt::Display) -> RowProblem {
        RowProblem { index, id: id.to_string(), code, kind: Kind::Conflict, message: message.to_string() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no {what} with id {id:?}")]
    NotFound { what: &'static str, id: String },
    /// The request cannot be carried out as it stands; `code` is snake_case and stable.
    #[error("{message}")]
    Invalid { code: &'static str, message: String, value: Option<String> },
    /// The request conflicts with what is stored (a closed cycle, a frozen survey).
    #[error("{message}")]
    Conflict { code: &'static str, message: String, value: Option<String> },
    /// Rows of a request with their problems; nothing was stored.
    #[error("{} row(s) cannot be stored", .0.len())]
    Rows(Vec<RowProblem>),
    /// The database could not take the work in time; nothing was stored. Try again.
    #[error("the database is busy")]
    Busy(#[source] sqlx::Error),
    /// The disk is full; nothing was stored.
    #[error("the database is out of storage")]
    StorageFull(#[source] sqlx::Error),
    /// A bug or a broken database: logged with its cause, answered without it.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn not_found(what: &'static str, id: &str) -> Error {
        Error::NotFound { what, id: id.to_string() }
    }

    /// The request is wrong in itself (see the table above).
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Error {
        Error::Invalid { code, message: message.into(), value: None }
    }

    /// The request does not fit what is stored (see the table above).
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Error {
        Error::Conflict { code, message: message.into(), value: None }
    }

    /// The rows' problems; an empty list is a bug of the caller, answered as invalid.
    pub fn rows(problems: Vec<RowProblem>) -> Error {
        Error::Rows(problems)
    }

    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Internal(Box::new(e))
    }

    /// Names the value the error is about (an id, a period), for pages to show beside the
    /// code's sentence.
    pub fn naming(mut self, named: impl Into<String>) -> Error {
        if let Error::Invalid { value, .. } | Error::Conflict { value, .. } = &mut self {
            *value = Some(named.into());
        }
        self
    }

    /// The kind the use case decided: what each transport answers.
    pub fn kind(&self) -> Kind {
        match self {
            Error::NotFound { .. } => Kind::NotFound,
            Error::Invalid { .. } => Kind::Invalid,
            Error::Conflict { .. } => Kind::Conflict,
            Error::Rows(rows) => rows.first().map_or(Kind::Invalid, |p| p.kind),
            Error::Busy(_) => Kind::Busy,
            Error::StorageFull(_) => Kind::StorageFull,
            Error::Internal(_) => Kind::Bug,
        }
    }

    /// The stable snake_case code (of the first row, for rows).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::Invalid { code, .. } | Error::Conflict { code, .. } => code,
            Error::Rows(rows) => rows.first().map_or("invalid_row", |p| p.code),
            Error::Busy(_) => "busy",
            Error::StorageFull(_) => "storage_full",
            Error::Internal(_) => "internal",
        }
    }

    /// The value the error names, if any: the id that was not found, or what [`Error::naming`] set.
    pub fn value(&self) -> Option<&str> {
        match self {
            Error::NotFound { id, .. } => Some(id),
            Error::Invalid { value, .. } | Error::Conflict { value, .. } => value.as_deref(),
            _ => None,
        }
    }

    /// The chain of causes, for the one log line where the error is answered.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cur = std::error::Error::source(self);
        while let Some(e) = cur {
            out.push_str(": ");
            out.push_str(&e.to_string());
            cur = e.source();
        }
        out
    }
}

impl From<RowProblem> for Error {
    fn from(p: RowProblem) -> Error {
        Error::Rows(vec![p])
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        if db::is_full(&e) {
            Error::StorageFull(e)
        } else if db::is_busy(&e) {
            Error::Busy(e)
        } else {
            Error::Internal(Box::new(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_kept() {
        let e = Error::from(sqlx::Error::Protocol("broken pipe".into()));
        assert!(matches!(e, Error::Internal(_)));
        assert_eq!(e.kind(), Kind::Bug);
        assert!(e.chain().contains("broken pipe"), "{}", e.chain());
        assert_eq!(Error::from(sqlx::Error::PoolTimedOut).kind(), Kind::Busy);
    }

    #[test]
    fn rows_take_the_first_rows_kind_and_code() {
        let e = Error::rows(vec![
            RowProblem::conflict(2, "E1", "unknown_manager", "manager \"X\" is not a known person"),
            RowProblem::invalid(3, "E2", "invalid_email", "not an address"),
        ]);
        assert_eq!((e.kind(), e.code()), (Kind::Conflict, "unknown_manager"));
        assert_eq!(Error::rows(Vec::new()).kind(), Kind::Invalid);
    }

    #[test]
    fn the_named_value_is_kept_apart_from_the_message() {
        let e = Error::conflict("cycle_closed", "cycle \"Q4\" is closed").naming("Q4");
        assert_eq!((e.kind(), e.code(), e.value()), (Kind::Conflict, "cycle_closed", Some("Q4")));
        assert_eq!(Error::not_found("cycle", "Q9").value(), Some("Q9"));
    }
}
