//! The JSON API under `/api/v1` (CONTRACT §3).
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

mod auth;
mod cycles;
mod directory;
mod invitations;
mod launch;
mod scores;
mod surveys;
mod webhooks;

pub use auth::{AdminKey, ReadKey};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people", post(directory::upsert_people))
        .route("/customers", post(directory::upsert_customers))
        .route("/surveys", post(surveys::save))
        .route("/surveys/{survey}", get(surveys::show))
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route("/webhooks/{webhook}", axum::routing::delete(webhooks::delete))
        .route("/cycles", post(cycles::save))
        .route("/cycles/{cycle}", get(cycles::show))
        .route("/cycles/{cycle}/progress", get(cycles::progress))
        .route("/cycles/{cycle}/close", post(cycles::close))
        .route("/cycles/{cycle}/invitations", post(invitations::create))
        .route("/cycles/{cycle}/launch", post(launch::launch))
        .route("/cycles/{cycle}/reminders", post(launch::remind))
        .route("/cycles/{cycle}/scores", get(scores::scores))
        .route("/cycles/{cycle}/scores.csv", get(scores::scores_csv))
        .route("/cycles/{cycle}/comments", get(scores::comments))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API route") })
        // Imports of tens of thousands of rows arrive in one body.
        .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
}

/// `Json` whose rejections speak the API's error shape, so a malformed body or an unknown
/// field gets `{"error":{…}}` like every other error.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => ApiError::bad_request("invalid_body", e.body_text()),
                JsonRejection::JsonSyntaxError(e) => ApiError::bad_request("malformed_json", e.body_text()),
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as Content-Type: application/json",
                ),
                other => ApiError::new(other.status(), "unreadable_body", other.body_text()),
            }),
        }
    }
}

/// `{"created":N,"updated":M,"unchanged":K}`: what an idempotent upsert did.
#[derive(Debug, Default, serde::Serialize)]
pub struct UpsertCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Checks that no id is listed twice in one request.
pub fn no_duplicates<'a>(what: &str, ids: impl IntoIterator<Item = &'a str>) -> Result<(), ApiError> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(ApiError::invalid("duplicate_id", format!("{what} {id:?} is listed twice")));
        }
    }
    Ok(())
}
