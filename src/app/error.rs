//! The one error of the use cases. Each transport maps it once, where it becomes an answer:
//! `api` to the JSON error shape, `web` to a localised page, `outbox` to transient or
//! permanent. The cause is kept (`source`) and logged there, once.
use crate::db;

/// One row of an import that cannot be stored, as data: the transports word it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Position in the request, from 0.
    pub index: usize,
    pub id: String,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no {what} with id {id:?}")]
    NotFound { what: &'static str, id: String },
    /// The request cannot be carried out as it stands; `code` is snake_case and stable.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// Rows of an import with their problems; nothing was stored.
    #[error("{} row(s) cannot be imported", .0.len())]
    InvalidRows(Vec<RowProblem>),
    /// The request conflicts with what is stored (a closed cycle, a frozen survey).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
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

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Error {
        Error::Invalid { code, message: message.into() }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Error {
        Error::Conflict { code, message: message.into() }
    }

    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Internal(Box::new(e))
    }

    pub fn row(index: usize, id: &str, code: &'static str, message: impl std::fmt::Display) -> Error {
        Error::InvalidRows(vec![RowProblem { index, id: id.to_string(), code, message: message.to_string() }])
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
        assert!(e.chain().contains("broken pipe"), "{}", e.chain());
        assert!(matches!(Error::from(sqlx::Error::PoolTimedOut), Error::Busy(_)));
    }
}
