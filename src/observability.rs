//! Seeing a running server: logs (text or one JSON object a line, `CANDOR_LOG_FORMAT`), the
//! HTTP series of every request, and the `/metrics` listener of its own
//! (`CANDOR_METRICS_LISTEN`), which is never part of the public router.
use crate::app::App;
use crate::config::LogFormat;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::time::Instant;
use tokio::net::TcpListener;

/// Logs to stderr, filtered by `CANDOR_LOG` (default `info,sqlx=warn`), as text or JSON lines.
/// JSON lines carry the fields of the spans they happened in (`#[instrument]` on use cases and
/// the worker), so one slow request can be followed through them.
pub fn init_logs(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("CANDOR_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(true).init(),
    }
}

/// Counts and times every request by its route's template: `/s/{token}`, never the token;
/// a request that matched no route is `unmatched`.
pub async fn record_http(State(app): State<App>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    let method = method_label(req.method());
    let response = next.run(req).await;
    let route = route.as_deref().unwrap_or("unmatched");
    app.metrics.http(route, method, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// Standard methods by name; anything else one label, so a client cannot add series at will.
fn method_label(m: &Method) -> &'static str {
    const KNOWN: [Method; 7] =
        [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS];
    KNOWN.iter().find(|k| *k == m).map_or("other", |k| k.as_str())
}

/// Binds the metrics listener, when one is configured.
pub async fn bind_metrics(app: &App) -> anyhow::Result<Option<TcpListener>> {
    match &app.config.metrics_listen {
        None => Ok(None),
        Some(addr) => Ok(Some(TcpListener::bind(addr).await?)),
    }
}

/// Serves `GET /metrics` (and nothing else) on `listener` until `shutdown` resolves.
pub async fn serve_metrics(listener: TcpListener, app: App, shutdown: impl Future<Output = ()> + Send + 'static) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(metrics_addr = %addr, "serving metrics at /metrics");
    }
    let upkeep = tokio::spawn({
        let app = app.clone();
        async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                every.tick().await;
                app.metrics.upkeep();
            }
        }
    });
    let router = Router::new().route("/metrics", axum::routing::get(metrics)).with_state(app);
    if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
        tracing::error!(error = %e, "the metrics listener stopped");
    }
    upkeep.abort();
}

async fn metrics(State(app): State<App>) -> Response {
    match crate::app::telemetry::exposition(&app).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response(),
        Err(e) => {
            tracing::warn!(error = %e.chain(), "metrics could not be gathered");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Method;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(super::method_label(&Method::POST), "POST");
        assert_eq!(super::method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
