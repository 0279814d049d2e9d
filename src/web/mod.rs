//! HTML pages and the health check. Handlers call the use cases in `app` and map their
//! errors to pages in `pages`; the preamble (language, viewer, admin, CSRF) is in `extract`.
use crate::app::App;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

pub mod admin;
pub mod auth;
pub mod charts;
pub mod dashboard;
pub mod extract;
mod followups;
mod me;
pub mod nav;
pub(crate) mod nominate;
mod oidc;
pub mod pages;
pub mod ratelimit;
pub mod respondent;
mod respondent_flow;
pub mod unsubscribe;

/// A signed-in page's form: feedback's three texts of 5,000 characters, percent-encoded, fit.
const SIGNED_IN_FORM_BYTES: usize = 256 * 1024;

/// The survey builder's form and a customer's answers entered by phone.
pub(crate) const LARGE_FORM_BYTES: usize = 2 * 1024 * 1024;

/// What the pages share: the use cases and the per-address limits of guessing.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    /// Misses on respondent and unsubscribe links per client address.
    pub limiter: Arc<ratelimit::RateLimiter>,
    /// Sign-in link requests per client address.
    pub login_limiter: Arc<ratelimit::RateLimiter>,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub proxies: Arc<Vec<crate::domain::net::IpNet>>,
    /// The organisation's logo: content type and bytes.
    pub logo: Option<Arc<(&'static str, Vec<u8>)>>,
}

impl WebState {
    pub fn new(app: App) -> WebState {
        WebState {
            limiter: Default::default(),
            login_limiter: Arc::new(ratelimit::RateLimiter::new(10, std::time::Duration::from_secs(60))),
            // Checked at start (exit 2), so nothing is dropped here.
            proxies: Arc::new(app.config.trusted_proxy_nets().unwrap_or_default()),
            // Checked at start too.
            logo: app.config.org_logo().ok().flatten().map(Arc::new),
            app,
        }
    }
}

impl FromRef<WebState> for App {
    fn from_ref(s: &WebState) -> App {
        s.app.clone()
    }
}

pub fn router() -> Router<WebState> {
    // Respondent pages hold a personal link: never cache them, never leak them as a referrer.
    let private = respondent::router()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")));
    let signed_in = auth::router()
        .merge(dashboard::router())
        .merge(admin::router())
        .merge(me::router())
        .merge(followups::router())
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        // Read after the session is checked, and no more than these forms hold (the survey
        // builder, a phone answer and the CSV import set their own, larger limits).
        .layer(axum::extract::DefaultBodyLimit::max(SIGNED_IN_FORM_BYTES));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/assets/candor.css", get(stylesheet))
        .route("/assets/logo", get(logo))
        .route("/", get(|| async { axum::response::Redirect::to("/me") }))
        .merge(private)
        .merge(signed_in)
        .method_not_allowed_fallback(pages::method_not_allowed)
}

/// The organisation's logo; an SVG is sandboxed (no script runs, even opened on its own).
async fn logo(State(state): State<WebState>) -> axum::response::Response {
    match &state.logo {
        Some(l) => (
            [
                (header::CONTENT_TYPE, l.0),
                (header::CACHE_CONTROL, "public, max-age=3600"),
                (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            ],
            l.1.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/candor.css"),
    )
}

/// 200 when the database answers and can take a write; 503 otherwise, saying which of the
/// three it is (for a monitor, not a person).
async fn healthz(State(app): State<App>) -> (StatusCode, &'static str) {
    match app.healthy().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::warn!(error = %e.chain(), "health check failed");
            let what = match e {
                crate::app::Error::StorageFull(_) => "storage full\n",
                crate::app::Error::Busy(_) => "database busy\n",
                _ => "database unavailable\n",
            };
            (StatusCode::SERVICE_UNAVAILABLE, what)
        }
    }
}
