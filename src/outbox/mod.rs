//! The outbox and everything that drains it: the worker (which also closes due cycles and
//! schedules reminders), emails built from templates, the mailer backends, signed webhooks.
//! The worker holds its own `App`, not the HTTP state. Besides the use cases, it may touch the
//! outbox's own queue bookkeeping in `db` (claim, finish, retry, links of what it sends).
pub mod email;
pub mod letters;
pub mod mailer;
mod outcome;
pub mod smtp;
pub mod webhook;
pub mod worker;

/// Why a delivery failed, as the worker treats it.
#[derive(Debug)]
pub enum SendError {
    /// Worth retrying: connection refused, timeout, 4xx.
    Transient(String),
    /// Refused for good (5xx): retrying would not help.
    Permanent(String),
}
