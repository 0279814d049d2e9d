//! Errors of the JSON API: `{"error":{"code","message"}}`. Use-case errors (`app::Error`) are
//! mapped here, once; transport-only errors (auth, a body that is not JSON) are built here
//! too. Internal detail never reaches the client: it is logged, once, when the answer is made.
use crate::app;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The body of every API error: `{"error":{"code":"snake_case","message":"…"}}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// What to log when this answer is made (a bug's cause), never sent.
    cause: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), cause: None }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
}

/// The status of each kind of use-case error: the one place the API decides it. The use case
/// chose the kind, so a client can tell "fix the request" (422) from "fix the data first" (409).
fn status_of(kind: app::Kind) -> StatusCode {
    match kind {
        app::Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        app::Kind::Conflict => StatusCode::CONFLICT,
        app::Kind::NotFound => StatusCode::NOT_FOUND,
        app::Kind::Busy => StatusCode::SERVICE_UNAVAILABLE,
        app::Kind::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
        app::Kind::Bug => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<app::Error> for ApiError {
    fn from(e: app::Error) -> ApiError {
        let (status, code, cause) = (status_of(e.kind()), e.code(), Some(e.chain()));
        let message = match e {
            app::Error::Rows(rows) => match rows.into_iter().next() {
                Some(p) => format!("row {} ({:?}): {}", p.index, p.id, p.message),
                None => "a row is invalid".to_string(),
            },
            app::Error::Busy(_) => "the database is busy; try again shortly".to_string(),
            app::Error::StorageFull(_) => "the server is out of storage; nothing was stored".to_string(),
            // Internal detail never reaches the client.
            app::Error::Internal(_) => "something went wrong on our side".to_string(),
            e => e.to_string(),
        };
        ApiError { status, code, message, cause }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(cause) = self.cause.as_deref().filter(|_| self.status.is_server_error()) {
            if self.status == StatusCode::SERVICE_UNAVAILABLE {
                tracing::warn!(error = %cause, "database busy");
            } else {
                tracing::error!(error = %cause, status = self.status.as_u16(), "request failed");
            }
        }
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        let mut res = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("2"));
        }
        res
    }
}
