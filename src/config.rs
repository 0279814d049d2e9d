//! Command line and environment configuration (CONTRACT §1).
use crate::redact::redact_url;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug, Clone)]
#[command(name = "candor", version, about = "Surveys and anonymous 360-degree feedback")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Migrate the database, start the HTTP server and the email worker (the default).
    Serve,
    /// Apply migrations and exit.
    Migrate,
    /// Manage API keys.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Print a one-time dashboard sign-in link for a person (valid 15 minutes).
    LoginLink {
        email: String,
        /// Make the account an admin, creating one for this address if it belongs to nobody.
        #[arg(long)]
        admin: bool,
    },
    /// Seed a demo organisation into the configured database, print a sign-in link, then serve.
    Demo,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ApiKeyCommand {
    /// Print a new API key, once; only its hash is stored.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        scope: ScopeArg,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeArg {
    Admin,
    Scores,
}

impl From<ScopeArg> for crate::domain::api_key::Scope {
    fn from(s: ScopeArg) -> Self {
        match s {
            ScopeArg::Admin => crate::domain::api_key::Scope::Admin,
            ScopeArg::Scores => crate::domain::api_key::Scope::Scores,
        }
    }
}

#[derive(Args, Clone)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`
    #[arg(long, env = "CANDOR_DATABASE_URL", default_value = "sqlite://candor.db", global = true)]
    pub database_url: String,
    /// Address to bind.
    #[arg(long, env = "CANDOR_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: String,
    /// Base of every link in an email.
    #[arg(long, env = "CANDOR_PUBLIC_URL", default_value = "http://127.0.0.1:8080", global = true)]
    pub public_url: String,
    /// SMTP server URL; unset: emails are written as .eml files to the mail directory.
    #[arg(long, env = "CANDOR_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// Where unsent emails go when no SMTP server is configured.
    #[arg(long, env = "CANDOR_MAIL_DIR", default_value = "./mail", global = true)]
    pub mail_dir: PathBuf,
    /// Sender of every email.
    #[arg(long, env = "CANDOR_MAIL_FROM", default_value = "Candor <no-reply@localhost>", global = true)]
    pub mail_from: String,
    /// First retry delay of a failed email, in milliseconds; doubles each attempt.
    #[arg(long, env = "CANDOR_MAIL_RETRY_BASE_MS", default_value_t = 2000, global = true, hide = true)]
    pub mail_retry_base_ms: u64,
    /// Length of a "day" for reminder schedules, in seconds (tests shorten it).
    #[arg(long, env = "CANDOR_DAY_SECONDS", default_value_t = 86_400, global = true, hide = true)]
    pub day_seconds: i64,
    /// How long SQLite waits for a lock before answering 503, in milliseconds.
    #[arg(long, env = "CANDOR_SQLITE_BUSY_TIMEOUT_MS", default_value_t = 5_000, global = true, hide = true)]
    pub sqlite_busy_timeout_ms: u64,
    /// Caps the SQLite database at this many pages (simulates a full disk in tests).
    #[arg(long, env = "CANDOR_SQLITE_MAX_PAGES", global = true, hide = true)]
    pub sqlite_max_pages: Option<u64>,
    /// How often the background worker looks for due work, in milliseconds.
    #[arg(long, env = "CANDOR_WORKER_POLL_MS", default_value_t = 1000, global = true, hide = true)]
    pub worker_poll_ms: u64,
}

impl std::fmt::Debug for Config {
    // The database and SMTP URLs may carry passwords: show only their scheme and host.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_dir", &self.mail_dir)
            .field("mail_from", &self.mail_from)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The public URL without a trailing slash.
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
}
