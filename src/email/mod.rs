//! Emails: the mailer backends and the outbox worker.
pub mod mailer;
pub mod worker;
