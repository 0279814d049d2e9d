//! Building and running the application: bind first (so tests can use port 0), then serve.
use crate::app::App;
use crate::config::Config;
use crate::db::Db;
use crate::redact::redact_path;
use crate::web::WebState;
use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderValue, Request, header};
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The server key cannot serve this database (CONTRACT §10): a configuration error (exit 2),
/// found before anything is served or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "this database was sealed under another key: start with the key it was sealed under \
         (CANDOR_KEY or CANDOR_KEY_FILE, the same on every instance)"
    )]
    WrongKey,
    #[error(
        "the key file {0} is missing and this database was sealed under a key: restore the key file \
         (no new key was made)"
    )]
    Missing(String),
    #[error(
        "this database was sealed under the key once published in Candor's repository, which seals \
         nothing: run `candor key rotate --from-published` to move it to a new key"
    )]
    Published,
    #[error("{0}")]
    Unusable(String),
}

pub struct Application {
    listener: TcpListener,
    /// `/metrics`, apart from the public port (`CANDOR_METRICS_LISTEN`).
    metrics_listener: Option<TcpListener>,
    app: App,
}

/// Pages load nothing but our own stylesheet, run no script, and post only to us.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub fn router(app: App) -> Router {
    let metrics = axum::middleware::from_fn_with_state(app.clone(), crate::observability::record_http);
    Router::new()
        .merge(crate::api::router().with_state(app.clone()))
        .merge(crate::web::router().with_state(WebState::new(app)))
        .fallback(crate::web::pages::fallback)
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            // The matched route pattern when there is one; otherwise the path with tokens cut out.
            let path = req
                .extensions()
                .get::<MatchedPath>()
                .map(|m| m.as_str().to_string())
                .unwrap_or_else(|| redact_path(req.uri().path()));
            tracing::info_span!("http", method = %req.method(), path = %path)
        }))
        .layer(metrics)
}

impl Application {
    /// Checks the settings, binds the listening socket, then opens the database with the server
    /// key ([`open`]). Links name the bound address when no public URL is set, and a public URL
    /// whose port is 0 takes the bound port (tests listen on port 0 and read it back).
    pub async fn build(mut config: Config) -> anyhow::Result<Application> {
        crate::config_check::check(&config).map_err(anyhow::Error::msg)?;
        config.oidc().map_err(anyhow::Error::msg)?;
        let listener = TcpListener::bind(&config.listen).await?;
        config.public_url = Some(crate::config_check::links_base(&config, Some(listener.local_addr()?)));
        let app = open(config).await?;
        let metrics_listener = crate::observability::bind_metrics(&app).await?;
        Ok(Application { listener, metrics_listener, app })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The port of the metrics listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.port())
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// Serves until `shutdown` resolves; requests in flight finish, then the worker stops.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = tokio::spawn(crate::outbox::worker::run(self.app.clone(), stop_rx.clone()));
        let checkpointer = tokio::spawn(checkpoints(self.app.clone(), stop_rx.clone()));
        let metrics = self.metrics_listener.map(|listener| {
            let mut stop = stop_rx;
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            tokio::spawn(crate::observability::serve_metrics(listener, self.app.clone(), stopped))
        });
        let limits = crate::server::Limits {
            max_connections: self.app.config.max_connections.max(1),
            per_client: self.app.config.max_connections_per_client.max(1),
            header_timeout: Duration::from_secs(self.app.config.header_timeout_secs.max(1)),
            // Checked at start (exit 2).
            proxies: std::sync::Arc::new(self.app.config.trusted_proxy_nets().unwrap_or_default()),
        };
        tracing::info!(addr = %self.listener.local_addr()?, "listening");
        crate::server::serve(self.listener, router(self.app.clone()), limits, shutdown).await;
        let _ = stop_tx.send(true);
        let _ = worker.await;
        let _ = checkpointer.await;
        if let Some(m) = metrics {
            let _ = m.await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// The use cases on a migrated database, under the server key: the key is read (a new one is
/// made only for a database that never had one and holds nothing sealed), then checked against
/// the database's key check value, or adopted by a database that has none yet.
pub async fn open(config: Config) -> anyhow::Result<App> {
    // A key file others may read, or the published key, is refused before the database is touched.
    config.read_server_key().map_err(KeyError::Unusable)?;
    let db = Db::connect_with(
        &config.database_url,
        config.sqlite_busy_timeout_ms,
        config.sqlite_max_pages,
        config.sqlite_full_sync,
    )
    .await?;
    db.migrate().await?;
    if config.key.is_none() {
        crate::key_rotation::settle(&config, &db).await?;
    }
    // Read again: settling an interrupted rotation may have swapped the key file.
    let key = match config.read_server_key().map_err(KeyError::Unusable)? {
        Some(key) => key,
        None if crate::app::sealing::holds_sealed(&db).await.map_err(app_error)? => {
            return Err(missing_key(&config, db).await);
        }
        None => config.create_server_key().map_err(KeyError::Unusable)?,
    };
    let app = App::new(db, config, &key);
    if !crate::app::sealing::adopt_key(&app).await.map_err(app_error)? {
        return Err(KeyError::WrongKey.into());
    }
    crate::key_rotation::forget_old(&app.config);
    // Open cycles of an earlier release get their own key: what is answered from now on is shredded at close.
    crate::app::cycle_keys::ensure_open(&app).await.map_err(app_error)?;
    // Results an earlier release did not store are stored now, never by a reader.
    crate::app::closed::backfill(&app.db).await.map_err(app_error)?;
    // Closes and launches that died long enough ago are undone now; one that died just now, by the worker.
    if let Err(e) = crate::app::runs::sweep(&app).await {
        tracing::warn!(error = %e.chain(), "could not undo closes or launches that died yet; the worker retries");
    }
    Ok(app)
}

/// No key file for a database that holds something sealed: restore it — or, for a database of
/// an earlier release sealed under the key once published in the repository, rotate off it.
async fn missing_key(config: &Config, db: Db) -> anyhow::Error {
    let published = App::new(db, config.clone(), &crate::config::published_key());
    let under_published = crate::app::sealing::server_key_check_absent(&published).await.unwrap_or(false)
        && crate::app::sealing::adopt_key_dry(&published).await.unwrap_or(false);
    if under_published {
        KeyError::Published.into()
    } else {
        KeyError::Missing(config.key_file.display().to_string()).into()
    }
}

fn app_error(e: crate::app::Error) -> anyhow::Error {
    anyhow::anyhow!(e.chain())
}

/// Checkpoints SQLite's WAL every `sqlite_checkpoint_ms` (25) until stopped, so no request
/// pays for one. Often and small: a checkpoint's fsyncs stall the writer's next commit for as
/// long as they take, and the longer the interval the longer the stall (the commit's p99 at
/// 100, 50, 25 and 10 ms: 18, 15, 13 and 11 ms; `docs/PERFORMANCE.md`). Shorter still writes
/// more (a page changed by several batches is copied back several times). With nothing new
/// in the WAL a checkpoint does no I/O.
async fn checkpoints(app: App, mut stop: watch::Receiver<bool>) {
    if app.db.backend != crate::db::Backend::Sqlite {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_millis(app.config.sqlite_checkpoint_ms.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = app.db.checkpoint().await {
                    tracing::debug!(error = %e, "checkpoint skipped");
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
