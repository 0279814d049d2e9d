//! What became of one attempt at an outbox row, and the one place a failure is judged worth
//! retrying: a use case's or the database's error by the kind the use case gave it, a
//! delivery's by the mailer's (or the webhook's) own verdict.
use super::SendError;
use crate::app;

/// Attempts at a row that keeps meeting a bug before it is given up: a broken row must not be
/// retried for ever, a passing fault should not lose an email.
pub(super) const BUG_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    Sent,
    Skipped(&'static str),
    Transient(String),
    Permanent(String),
    /// A bug or a broken database: retried, at most [`BUG_ATTEMPTS`] times in all.
    Bug(String),
}

impl From<app::Error> for Outcome {
    fn from(e: app::Error) -> Outcome {
        let why = e.chain();
        match e.kind() {
            // A busy, full or unreachable database passes (`db::is_busy` counts a lost
            // connection as busy).
            app::Kind::Busy | app::Kind::StorageFull => Outcome::Transient(why),
            // Refused by what is stored: the same attempt would be refused again.
            app::Kind::Invalid | app::Kind::Conflict | app::Kind::NotFound => Outcome::Permanent(why),
            app::Kind::Bug => Outcome::Bug(why),
        }
    }
}

impl From<SendError> for Outcome {
    fn from(e: SendError) -> Outcome {
        match e {
            SendError::Transient(why) => Outcome::Transient(why),
            SendError::Permanent(why) => Outcome::Permanent(why),
        }
    }
}

impl Outcome {
    /// A bug is retried until the row's `attempts` reach [`BUG_ATTEMPTS`], then given up.
    pub(super) fn capped(self, attempts: i64) -> Outcome {
        match self {
            Outcome::Bug(e) if attempts >= BUG_ATTEMPTS => {
                Outcome::Permanent(format!("gave up after {attempts} attempts: {e}"))
            }
            Outcome::Bug(e) => Outcome::Transient(e),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(e: app::Error, attempts: i64) -> &'static str {
        match Outcome::from(e).capped(attempts) {
            Outcome::Transient(_) => "transient",
            Outcome::Permanent(_) => "permanent",
            _ => "other",
        }
    }

    #[test]
    fn a_busy_full_or_lost_database_is_retried() {
        assert_eq!(judged(sqlx::Error::PoolTimedOut.into(), 1), "transient");
        assert_eq!(judged(sqlx::Error::PoolClosed.into(), 1), "transient");
        let lost = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(judged(sqlx::Error::Io(lost).into(), 1), "transient");
        assert_eq!(judged(sqlx::Error::PoolTimedOut.into(), 50), "transient", "never given up");
    }

    #[test]
    fn a_refusal_by_what_is_stored_is_not_retried() {
        assert_eq!(judged(app::Error::invalid("invalid_email", "not an address"), 1), "permanent");
        assert_eq!(judged(app::Error::conflict("cycle_closed", "closed"), 1), "permanent");
        assert_eq!(judged(app::Error::not_found("cycle", "Q9"), 1), "permanent");
    }

    #[test]
    fn a_bug_is_retried_a_few_times_then_given_up() {
        let bug = || app::Error::from(sqlx::Error::Protocol("broken".into()));
        assert_eq!(judged(bug(), 1), "transient");
        assert_eq!(judged(bug(), BUG_ATTEMPTS - 1), "transient");
        let Outcome::Permanent(why) = Outcome::from(bug()).capped(BUG_ATTEMPTS) else { panic!("not given up") };
        assert!(why.contains("gave up after 5 attempts") && why.contains("broken"), "{why}");
    }

    #[test]
    fn a_delivery_keeps_the_mailers_verdict() {
        assert_eq!(Outcome::from(SendError::Transient("421".into())), Outcome::Transient("421".into()));
        assert_eq!(Outcome::from(SendError::Permanent("550".into())), Outcome::Permanent("550".into()));
    }
}
