//! The use cases, one module per area. Every entry point — the JSON API, the pages, the CLI
//! and the outbox worker — calls these; none of them holds a rule of its own. This layer
//! imports `domain`, `scoring`, `db` and `config`, never a transport.
pub mod access;
pub mod accounts;
pub mod analytics;
pub mod audit;
pub mod backup;
pub mod batch;
pub mod closed;
mod closing;
pub mod cycle_keys;
pub mod cycles;
pub mod delivery;
pub mod directory;
mod error;
pub mod export;
pub mod feedback;
pub mod followups;
pub mod home;
pub mod integrations;
mod invitation_checks;
pub mod invitations;
pub mod keys;
pub mod launch;
mod launch_run;
pub mod nominations;
pub mod notices;
pub mod oidc;
pub mod people;
pub mod periods;
pub mod privacy;
pub mod reminders;
pub mod respondents;
pub mod responses;
pub mod results;
pub mod retention;
pub mod revocation;
pub mod runs;
pub mod schedule_next;
pub mod schedules;
pub mod scim;
pub mod scores_csv;
pub mod sealing;
pub mod surveys;
pub mod telemetry;
pub mod writer;

pub use error::{Error, Kind, Result, RowProblem};

use crate::config::Config;
use crate::db::Db;
use crate::domain::draft::DraftSecret;
use std::sync::Arc;
use tokio::sync::Notify;

/// What every use case needs: the database, the configuration, and a way to wake the outbox.
#[derive(Clone)]
pub struct App {
    /// Reached by the use cases only: transports call them (tests/layers.rs holds them to it).
    pub(crate) db: Db,
    pub config: Arc<Config>,
    outbox_wake: Arc<Notify>,
    pub surveys: surveys::SurveyCache,
    /// Seal anonymous answers until their cycle closes.
    keys: Arc<cycle_keys::Keys>,
    /// The server key's check value (CONTRACT §10), compared with the database's at start.
    key_check: Arc<str>,
    /// The server's part of every draft key (a draft opens only with its link's token too).
    pub drafts: Arc<DraftSecret>,
    /// Group commit for respondent submissions.
    writer: writer::Writer,
    /// SQLite's write lock, taken in turn (see [`App::write_turn`]).
    turn: Arc<tokio::sync::Mutex<()>>,
    /// When each API key's use was last recorded (see `integrations::verify_key`).
    key_uses: Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
    /// This instance's Prometheus series (served when `CANDOR_METRICS_LISTEN` is set).
    pub metrics: telemetry::Metrics,
    /// The identity provider people sign in with, when one is configured.
    pub oidc: Option<Arc<oidc::Provider>>,
    /// The organisation's time zone: the days people type and read (CONTRACT §15).
    pub calendar: Arc<crate::domain::calendar::Calendar>,
}

impl App {
    /// On SQLite, a turn at the write lock, for the writers that would otherwise starve each
    /// other: the submissions' group commit, and the short transactions of a long run (a
    /// close, a launch). SQLite's own wait is a sleep-and-retry that the run, taking the lock
    /// again the moment it commits, wins every time; these turns are granted first come, first
    /// served. Held until the transaction ends. None on PostgreSQL, which has row locks.
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.db.backend {
            crate::db::Backend::Sqlite => Some(self.turn.lock().await),
            crate::db::Backend::Postgres => None,
        }
    }

    /// The storage itself, for the integration tests and benchmarks that check what is stored
    /// or seed it in bulk; nothing in `src/` outside `app` calls it (tests/layers.rs).
    #[doc(hidden)]
    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn new(db: Db, config: Config, server_key: &[u8; 32]) -> App {
        // Off without a listener: nothing reads them.
        let metrics =
            if config.metrics_listen.is_some() { telemetry::Metrics::on() } else { telemetry::Metrics::off() };
        // Checked at start (exit 2), so nothing is dropped here.
        let oidc = config.oidc().ok().flatten().map(|s| Arc::new(oidc::Provider::new(s, config.public_base())));
        // Checked at start (exit 2) like the provider, so a bad zone never reaches here.
        let calendar = Arc::new(config.calendar().unwrap_or_default());
        App {
            calendar,
            oidc,
            db,
            config: Arc::new(config),
            outbox_wake: Arc::new(Notify::new()),
            surveys: Default::default(),
            keys: Arc::new(cycle_keys::Keys::derive(server_key)),
            key_check: crate::domain::sealed::key_check_value(server_key).into(),
            drafts: Arc::new(DraftSecret::derive(server_key)),
            writer: Default::default(),
            turn: Default::default(),
            key_uses: Default::default(),
            metrics,
        }
    }

    /// After a commit that queued something, so the worker need not wait for its next poll.
    pub fn wake_outbox(&self) {
        self.outbox_wake.notify_one();
    }

    /// Whether the database answers (`/healthz`).
    pub async fn healthy(&self) -> Result<()> {
        // Its write takes its turn like the others: SQLite's own wait would lose to a long run.
        let _turn = self.write_turn().await;
        Ok(self.db.ping().await?)
    }

    /// Resolves when someone called [`App::wake_outbox`].
    pub async fn outbox_woken(&self) {
        self.outbox_wake.notified().await
    }
}

/// `{"created":N,"updated":M,"unchanged":K}`: what an idempotent upsert did.
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct UpsertCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl UpsertCounts {
    /// `created 2, updated 1, unchanged 0`, for the audit log.
    pub fn summary(&self) -> String {
        format!("created {}, updated {}, unchanged {}", self.created, self.updated, self.unchanged)
    }
}

/// Checks that no id is listed twice in one request.
pub fn no_duplicates<'a>(what: &str, ids: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(Error::invalid("duplicate_id", format!("{what} {id:?} is listed twice")).naming(id));
        }
    }
    Ok(())
}
