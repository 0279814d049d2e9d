//! Building and running the application: bind first (so tests can use port 0), then serve.
use crate::config::Config;
use crate::db::Db;
use crate::state::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath};
use axum::http::{HeaderValue, Request, header};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

/// Replaces the secret part of a link path, so no token ever reaches a log line.
pub fn redact_path(path: &str) -> String {
    for prefix in ["/s/", "/login/", "/unsubscribe/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            return format!("{prefix}{{token}}{tail}");
        }
    }
    path.to_string()
}

/// Pages load nothing but our own stylesheet, run no script, and post only to us.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::api::router())
        .merge(crate::web::router())
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
        .with_state(state)
}

impl Application {
    /// Connects to and migrates the database, and binds the listening socket.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect_with(&config.database_url, config.sqlite_busy_timeout_ms, config.sqlite_max_pages).await?;
        db.migrate().await?;
        let listener = TcpListener::bind(&config.listen).await?;
        let state = AppState {
            db,
            config: Arc::new(config),
            outbox_wake: Arc::new(Notify::new()),
            surveys: Default::default(),
            limiter: Default::default(),
            login_limiter: Arc::new(crate::web::ratelimit::RateLimiter::new(10, Duration::from_secs(60))),
        };
        Ok(Application { listener, state })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves; requests in flight finish, then the worker stops.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = tokio::spawn(crate::email::worker::run(self.state.clone(), stop_rx));
        let app = router(self.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        tracing::info!(addr = %self.listener.local_addr()?, "listening");
        axum::serve(self.listener, app).with_graceful_shutdown(shutdown).await?;
        let _ = stop_tx.send(true);
        let _ = worker.await;
        tracing::info!("stopped");
        Ok(())
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

/// The client's address, for rate limits.
pub fn client_ip(info: &ConnectInfo<SocketAddr>) -> std::net::IpAddr {
    info.0.ip()
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn tokens_never_reach_the_log() {
        let t = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
        assert_eq!(redact_path(&format!("/s/{t}")), "/s/{token}");
        assert_eq!(redact_path(&format!("/s/{t}/thanks")), "/s/{token}/thanks");
        assert_eq!(redact_path(&format!("/login/{t}")), "/login/{token}");
        assert_eq!(redact_path("/api/v1/people"), "/api/v1/people");
    }
}
