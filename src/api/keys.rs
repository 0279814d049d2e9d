//! `GET /api/v1/api-keys`, `DELETE /api/v1/api-keys/{id}`: what keys exist, and revoking one.
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiPath};
use crate::app::App;
use crate::app::integrations;
use crate::domain::time;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// A live key. The key itself is shown once, when it is created, and never again.
#[derive(Serialize, ToSchema)]
pub struct KeyView {
    id: String,
    name: String,
    /// `admin`, `scores` or `scim`.
    scope: String,
    /// RFC 3339.
    created_at: String,
    /// RFC 3339, to the minute; null when never used.
    last_used_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct KeyList {
    api_keys: Vec<KeyView>,
}

#[utoipa::path(get, path = "/api/v1/api-keys", operation_id = "list_api_keys", tag = "integrations",
    security(("api_key" = [])),
    responses(
        (status = 200, body = KeyList),
        ErrorResponses,
    )
)]
pub async fn list(_: AdminKey, State(app): State<App>) -> ApiResult<Json<KeyList>> {
    let api_keys = integrations::keys(&app)
        .await?
        .into_iter()
        .map(|k| KeyView {
            id: k.id,
            name: k.name,
            scope: k.scope,
            created_at: time::to_rfc3339(k.created_at),
            last_used_at: k.last_used_at.map(time::to_rfc3339),
        })
        .collect();
    Ok(Json(KeyList { api_keys }))
}

#[utoipa::path(delete, path = "/api/v1/api-keys/{key}", operation_id = "revoke_api_keys", tag = "integrations",
    params(("key" = String, Path, description = "The key's id")), security(("api_key" = [])),
    responses(
        (status = 204, description = "Revoked: the next call with it is refused"),
        (status = 404, description = "No such live key", body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn revoke(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    integrations::revoke_key(&app, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
