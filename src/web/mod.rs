//! HTML pages and the health check.
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

pub mod admin;
mod admin_import;
pub mod auth;
pub mod charts;
pub mod dash_i18n;
pub mod dashboard;
pub mod i18n;
pub mod pages;
pub mod ratelimit;
pub mod respondent;
pub mod scope;
pub mod unsubscribe;

pub fn router() -> Router<AppState> {
    // Respondent pages hold a personal link: never cache them, never leak them as a referrer.
    let private = respondent::router()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")));
    let signed_in = auth::router()
        .merge(dashboard::router())
        .merge(admin::router())
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/assets/candor.css", get(stylesheet))
        .route("/", get(|| async { axum::response::Redirect::to("/dashboard") }))
        .merge(private)
        .merge(signed_in)
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/candor.css"),
    )
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}
