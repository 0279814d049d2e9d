//! Emails: the mailer backends, composing from templates, and the outbox worker.
pub mod compose;
pub mod mailer;
pub mod worker;
