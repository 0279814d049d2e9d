//! What every handler shares.
use crate::config::Config;
use crate::db::Db;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Wakes the email worker when new mail is queued, so it need not wait for its next poll.
    pub outbox_wake: Arc<Notify>,
    pub surveys: crate::web::respondent::SurveyCache,
    pub limiter: Arc<crate::web::ratelimit::RateLimiter>,
    /// Sign-in link requests per client address.
    pub login_limiter: Arc<crate::web::ratelimit::RateLimiter>,
}
