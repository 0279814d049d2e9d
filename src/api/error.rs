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

/// Refusals of a request that is well formed in itself but does not fit what is stored: it
/// names something that does not exist (or has left), takes an address someone else has, or
/// would make the org chart a loop. 409, where a request invalid in itself is 422 — so a
/// client can tell "fix the request" from "fix the data first".
const STATE_CONFLICTS: &[&str] = &[
    "unknown_survey",
    "unknown_subject",
    "unknown_respondent",
    "unknown_owner",
    "unknown_manager",
    "unknown_person",
    "inactive_person",
    "management_cycle",
    "email_taken",
    "relation_mismatch",
    "unknown_invitation",
];

fn invalid_status(code: &str) -> StatusCode {
    if STATE_CONFLICTS.contains(&code) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY }
}

impl From<app::Error> for ApiError {
    fn from(e: app::Error) -> ApiError {
        use app::Error as E;
        let cause = Some(e.chain());
        let (status, code, message) = match e {
            E::NotFound { what, id } => (StatusCode::NOT_FOUND, "not_found", format!("no {what} with id {id:?}")),
            E::Invalid { code, message } => (invalid_status(code), code, message),
            E::InvalidRows(rows) => match rows.into_iter().next() {
                Some(p) => (invalid_status(p.code), p.code, format!("row {} ({:?}): {}", p.index, p.id, p.message)),
                None => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_row", "a row is invalid".to_string()),
            },
            E::Conflict { code, message } => (StatusCode::CONFLICT, code, message),
            E::Busy(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "busy", "the database is busy; try again shortly".to_string())
            }
            E::StorageFull(_) => (
                StatusCode::INSUFFICIENT_STORAGE,
                "storage_full",
                "the server is out of storage; nothing was stored".to_string(),
            ),
            E::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side".to_string())
            }
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
