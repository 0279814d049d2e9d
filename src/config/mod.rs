//! Command line and environment configuration (CONTRACT §1).
mod server_key;

use crate::redact::redact_url;
use clap::{Args, Parser, Subcommand, ValueEnum};
pub use server_key::published_key;
pub(crate) use server_key::{create_key_file, decode_key};
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
    /// Manage the server key.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Print a one-time dashboard sign-in link for a person (valid 15 minutes).
    LoginLink {
        email: String,
        /// Make the account an admin, creating one for this address if it belongs to nobody.
        #[arg(long)]
        admin: bool,
    },
    /// Seed a demo organisation into the configured database, print a sign-in link, then serve.
    Demo,
    /// Write a consistent copy of the SQLite database to PATH while the server runs (for
    /// PostgreSQL, use pg_dump). The copy never holds the server key.
    Backup { path: PathBuf },
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

#[derive(Subcommand, Debug, Clone)]
pub enum KeyCommand {
    /// Re-seal every sealed answer and draft under a new key written to the key file; the old
    /// key is kept as `<key file>.old` until the next start succeeds.
    Rotate {
        /// The database was sealed under the key once published in Candor's repository (an
        /// earlier release's default): rotate off it.
        #[arg(long)]
        from_published: bool,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeArg {
    Admin,
    Scores,
    /// Provisioning through SCIM 2.0 (`/scim/v2`) only.
    Scim,
}

impl From<ScopeArg> for crate::domain::api_key::Scope {
    fn from(s: ScopeArg) -> Self {
        match s {
            ScopeArg::Admin => crate::domain::api_key::Scope::Admin,
            ScopeArg::Scores => crate::domain::api_key::Scope::Scores,
            ScopeArg::Scim => crate::domain::api_key::Scope::Scim,
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
    /// Base of every link in an email; unset: the address the server listens on.
    #[arg(long, env = "CANDOR_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// SMTP server URL; unset: emails are written as .eml files to the mail directory.
    #[arg(long, env = "CANDOR_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// SMTP connections the worker keeps open and sends over at once.
    #[arg(long, env = "CANDOR_SMTP_CONNECTIONS", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64), global = true)]
    pub smtp_connections: u16,
    /// Seconds a close call waits for the whole close; past them it answers once closed and stored.
    #[arg(long, env = "CANDOR_CLOSE_WAIT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u16).range(0..=25), global = true)]
    pub close_wait_secs: u16,
    /// Where unsent emails go when no SMTP server is configured.
    #[arg(long, env = "CANDOR_MAIL_DIR", default_value = "./mail", global = true)]
    pub mail_dir: PathBuf,
    /// Sender of every email.
    #[arg(long, env = "CANDOR_MAIL_FROM", default_value = "Candor <no-reply@localhost>", global = true)]
    pub mail_from: String,
    /// The server key (base64 of 32 bytes) that seals anonymous answers until their cycle
    /// closes; keep it apart from database backups. Unset: read from the key file.
    #[arg(long, env = "CANDOR_KEY", global = true, hide_env_values = true)]
    pub key: Option<String>,
    /// Where the server key lives when CANDOR_KEY is unset; created (mode 0600) on a fresh
    /// database when missing; refused when group or others may read it.
    #[arg(long, env = "CANDOR_KEY_FILE", default_value = "candor.key", global = true)]
    pub key_file: PathBuf,
    /// Proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client;
    /// unset: the peer address is the client.
    #[arg(long, env = "CANDOR_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<String>,
    /// Allow webhook receivers on private, loopback and link-local addresses (on-premise
    /// receivers); off by default so a webhook cannot reach into the server's network.
    #[arg(long, env = "CANDOR_WEBHOOK_ALLOW_PRIVATE", global = true)]
    pub webhook_allow_private: bool,
    /// `off`: webhook events are recorded in the outbox but never sent (a staging copy, or a
    /// conformance run whose fuzzer registers receivers at made-up addresses).
    #[arg(long, env = "CANDOR_DELIVER_WEBHOOKS", default_value = "on", value_parser = ["on", "off"], global = true)]
    pub deliver_webhooks: String,
    /// The organisation asking: shown on every survey page, the sign-in page and every email
    /// (sender name, subject, privacy line), so a request can be told from phishing.
    #[arg(long, env = "CANDOR_ORG_NAME", global = true)]
    pub org_name: Option<String>,
    /// The organisation's logo (PNG, JPEG or SVG, at most 256 KiB), served at `/assets/logo` and
    /// shown beside its name.
    #[arg(long, env = "CANDOR_ORG_LOGO", global = true)]
    pub org_logo: Option<std::path::PathBuf>,
    /// Open connections at most; one more is closed at once (keep it under the process's
    /// file-descriptor limit).
    #[arg(long, env = "CANDOR_MAX_CONNECTIONS", default_value_t = 1024, global = true)]
    pub max_connections: usize,
    /// Open connections one client may hold; one more is closed at once. Connections from a
    /// trusted proxy are not counted so: each client it names may have this many requests in
    /// flight instead (one more is answered 429).
    #[arg(long, env = "CANDOR_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 64, global = true)]
    pub max_connections_per_client: usize,
    /// Seconds a connection may take to send a request's headers, or stay idle between
    /// keep-alive requests, before it is closed.
    #[arg(long, env = "CANDOR_HEADER_TIMEOUT_SECS", default_value_t = 10, global = true)]
    pub header_timeout_secs: u64,
    /// First retry delay of a failed email, in milliseconds; doubles each attempt.
    #[arg(long, env = "CANDOR_MAIL_RETRY_BASE_MS", default_value_t = 2000, global = true, hide = true)]
    pub mail_retry_base_ms: u64,
    /// Length of a "day" for reminder schedules, in seconds (tests shorten it).
    #[arg(long, env = "CANDOR_DAY_SECONDS", default_value_t = 86_400, global = true, hide = true)]
    pub day_seconds: i64,
    /// Sync SQLite's WAL on every commit (synchronous=FULL): acknowledged answers survive a power
    /// cut, at the cost of an fsync per commit (see docs/PERFORMANCE.md). Off: they survive a
    /// crashed process, and the last commits before a power cut may be lost.
    #[arg(long, env = "CANDOR_SQLITE_FULL_SYNC", global = true)]
    pub sqlite_full_sync: bool,
    /// How long SQLite waits for a lock before answering 503, in milliseconds.
    #[arg(long, env = "CANDOR_SQLITE_BUSY_TIMEOUT_MS", default_value_t = 5_000, global = true, hide = true)]
    pub sqlite_busy_timeout_ms: u64,
    /// How often SQLite's WAL is checkpointed in the background, in milliseconds (see
    /// `docs/PERFORMANCE.md`; forensic tests stretch it to keep every commit in the WAL).
    #[arg(long, env = "CANDOR_SQLITE_CHECKPOINT_MS", default_value_t = 25, global = true, hide = true)]
    pub sqlite_checkpoint_ms: u64,
    /// Caps the SQLite database at this many pages (simulates a full disk in tests).
    #[arg(long, env = "CANDOR_SQLITE_MAX_PAGES", global = true, hide = true)]
    pub sqlite_max_pages: Option<u64>,
    /// How respondent submissions are written: `batch` (one writer task, group commit) or
    /// `pooled` (each request its own transaction). Default: batch on SQLite and PostgreSQL,
    /// the faster on both in `docs/PERFORMANCE.md`.
    #[arg(long, env = "CANDOR_SUBMIT_WRITER", value_enum, global = true)]
    pub submit_writer: Option<WriterMode>,
    /// Submissions that may wait for the writer; one more is refused as busy (503).
    #[arg(long, env = "CANDOR_SUBMIT_QUEUE", default_value_t = 1024, global = true, hide = true)]
    pub submit_queue: usize,
    /// How often the background worker looks for due work, in milliseconds.
    #[arg(long, env = "CANDOR_WORKER_POLL_MS", default_value_t = 1000, global = true, hide = true)]
    pub worker_poll_ms: u64,
    /// Address of a separate listener serving Prometheus metrics at `/metrics` (e.g.
    /// 127.0.0.1:9090); unset: no metrics listener. Never served on the public port.
    #[arg(long, env = "CANDOR_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<String>,
    /// `text` (for people) or `json` (one JSON object per line, for a log collector).
    #[arg(long, env = "CANDOR_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,
    /// Months after a cycle closes when its invitations, links, drafts, the links of its
    /// attributed answers to their respondents and its comments are deleted (released scores
    /// stay); unset: kept.
    #[arg(long, env = "CANDOR_RETENTION_MONTHS", global = true, value_parser = clap::value_parser!(u32).range(1..=1200))]
    pub retention_months: Option<u32>,
    /// OpenID Connect sign-in: the provider's issuer URL (discovery at
    /// `{issuer}/.well-known/openid-configuration`); HTTPS, or plain HTTP on loopback only.
    #[arg(long, env = "CANDOR_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,
    /// The client id Candor is registered under at the provider.
    #[arg(long, env = "CANDOR_OIDC_CLIENT_ID", global = true)]
    pub oidc_client_id: Option<String>,
    /// The client's secret (or CANDOR_OIDC_CLIENT_SECRET_FILE).
    #[arg(long, env = "CANDOR_OIDC_CLIENT_SECRET", global = true, hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// A file holding the client's secret.
    #[arg(long, env = "CANDOR_OIDC_CLIENT_SECRET_FILE", global = true)]
    pub oidc_client_secret_file: Option<PathBuf>,
    /// The provider's name on the sign-in button ("Sign in with …"); default: your organisation.
    #[arg(long, env = "CANDOR_OIDC_NAME", global = true)]
    pub oidc_name: Option<String>,
    /// `off`: no sign-in links by email (the identity provider is the only way in;
    /// `candor login-link` still prints one at the console).
    #[arg(long, env = "CANDOR_LOGIN_LINKS", default_value = "on", value_parser = ["on", "off"], global = true)]
    pub login_links: String,
    /// The organisation's time zone, an IANA name such as `Asia/Shanghai` (unset: UTC): days
    /// typed on the admin pages, every time a page or email shows, schedules' periods.
    #[arg(long, env = "CANDOR_TIMEZONE", global = true)]
    pub timezone: Option<String>,
}

/// OpenID Connect settings, checked (CONTRACT §11).
#[derive(Clone)]
pub struct OidcSettings {
    pub issuer: url::Url,
    pub client_id: String,
    pub client_secret: String,
    /// The name on the button; none: the page's own words for "your organisation".
    pub name: Option<String>,
}

impl std::fmt::Debug for OidcSettings {
    // The client secret is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id)
            .finish()
    }
}

/// How log lines are written (`CANDOR_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// How submissions reach the database (`CANDOR_SUBMIT_WRITER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WriterMode {
    /// One writer task, batched transactions.
    Batch,
    /// Each request writes its own transaction on a pooled connection.
    Pooled,
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
    /// The logo file's bytes and content type, if one is configured; an unreadable, too large or
    /// unknown file is a configuration error.
    pub fn org_logo(&self) -> Result<Option<(&'static str, Vec<u8>)>, String> {
        let Some(path) = &self.org_logo else { return Ok(None) };
        let bytes = std::fs::read(path).map_err(|e| format!("CANDOR_ORG_LOGO {}: {e}", path.display()))?;
        if bytes.len() > 256 * 1024 {
            return Err(format!("CANDOR_ORG_LOGO {} is larger than 256 KiB", path.display()));
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]).trim_start().to_ascii_lowercase();
        let kind = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if head.starts_with("<svg") || (head.starts_with("<?xml") && head.contains("<svg")) {
            "image/svg+xml"
        } else {
            return Err(format!("CANDOR_ORG_LOGO {} is not a PNG, JPEG or SVG file", path.display()));
        };
        Ok(Some((kind, bytes)))
    }

    pub fn trusted_proxy_nets(&self) -> Result<Vec<crate::domain::net::IpNet>, String> {
        self.trusted_proxies
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| crate::domain::net::IpNet::parse(p).map_err(|e| format!("CANDOR_TRUSTED_PROXIES: {e}")))
            .collect()
    }

    /// The identity provider, when one is configured: all of issuer, client id and secret, or
    /// none of them; an issuer over HTTPS, or over plain HTTP on a loopback address only (a
    /// provider on the same machine, as in tests). Emailed sign-in links may be turned off only
    /// when there is a provider, or nobody could sign in.
    pub fn oidc(&self) -> Result<Option<OidcSettings>, String> {
        let secret = match (&self.oidc_client_secret, &self.oidc_client_secret_file) {
            (Some(s), _) => Some(s.trim().to_string()),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("CANDOR_OIDC_CLIENT_SECRET_FILE {}: {e}", path.display()))?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        let links_off = self.login_links == "off";
        let (issuer, client_id, client_secret) = match (&self.oidc_issuer, &self.oidc_client_id, secret) {
            (None, None, None) if links_off => {
                return Err("CANDOR_LOGIN_LINKS=off needs CANDOR_OIDC_ISSUER: nobody could sign in".into());
            }
            (None, None, None) => return Ok(None),
            (Some(i), Some(c), Some(s)) if !s.is_empty() && !c.trim().is_empty() => (i, c.trim().to_string(), s),
            _ => {
                return Err("OpenID Connect needs CANDOR_OIDC_ISSUER, CANDOR_OIDC_CLIENT_ID and \
                            CANDOR_OIDC_CLIENT_SECRET (or _FILE), all three"
                    .into());
            }
        };
        let url = url::Url::parse(issuer).map_err(|e| format!("CANDOR_OIDC_ISSUER {issuer:?}: {e}"))?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(format!("CANDOR_OIDC_ISSUER {issuer:?} must be https:// (plain http on loopback only)")),
        }
        let name = self.oidc_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        Ok(Some(OidcSettings { issuer: url, client_id, client_secret, name }))
    }

    /// The organisation's calendar (`CANDOR_TIMEZONE`, UTC when unset); an unknown zone is a
    /// configuration error.
    pub fn calendar(&self) -> Result<crate::domain::calendar::Calendar, String> {
        self.timezone.as_deref().map_or_else(|| Ok(Default::default()), crate::domain::calendar::Calendar::parse)
    }

    /// Whether sign-in links may be emailed (`CANDOR_LOGIN_LINKS`, on by default).
    pub fn login_links(&self) -> bool {
        self.login_links != "off"
    }

    /// The public URL without a trailing slash. The server and the CLI set it from the address
    /// they listen on when it is unset (`config_check::links_base`); until then, the default
    /// address.
    pub fn public_base(&self) -> &str {
        self.public_url.as_deref().unwrap_or("http://127.0.0.1:8080").trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::Parser;

    fn oidc(args: &[&str]) -> Result<Option<super::OidcSettings>, String> {
        Cli::try_parse_from([&["candor"], args].concat()).expect("parses").config.oidc()
    }

    #[test]
    fn an_identity_provider_is_all_or_nothing_and_https_off_loopback() {
        let full = |issuer: &'static str| {
            vec!["--oidc-issuer", issuer, "--oidc-client-id", "candor", "--oidc-client-secret", "s3cret"]
        };
        assert!(oidc(&[]).unwrap().is_none());
        let ok = oidc(&full("https://id.example.com/realms/acme")).unwrap().unwrap();
        assert_eq!((ok.client_id.as_str(), ok.client_secret.as_str(), ok.name), ("candor", "s3cret", None));
        assert!(oidc(&full("http://127.0.0.1:8081")).unwrap().is_some());
        assert!(oidc(&full("http://localhost:8081")).unwrap().is_some());
        assert!(oidc(&full("http://[::1]:8081")).unwrap().is_some());
        assert!(oidc(&full("http://id.example.com")).unwrap_err().contains("https"));
        assert!(oidc(&full("http://10.0.0.1")).unwrap_err().contains("https"));
        assert!(oidc(&["--oidc-issuer", "https://id.example.com"]).unwrap_err().contains("all three"));
        assert!(oidc(&["--login-links", "off"]).unwrap_err().contains("nobody could sign in"));
        let mut with_file = full("https://id.example.com");
        with_file.truncate(4);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "from-a-file\n").unwrap();
        with_file.extend(["--oidc-client-secret-file", file.to_str().unwrap(), "--oidc-name", "Okta"]);
        let ok = oidc(&with_file).unwrap().unwrap();
        assert_eq!((ok.client_secret.as_str(), ok.name.as_deref()), ("from-a-file", Some("Okta")));
    }
}
