//! `POST/GET /api/v1/webhooks`, `DELETE /api/v1/webhooks/{id}`.
use super::{AdminKey, ApiJson};
use crate::db::webhooks::{self, Webhook};
use crate::domain::time;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    url: String,
    secret: String,
}

pub async fn create(
    _: AdminKey,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<(StatusCode, Json<Webhook>)> {
    let url = url::Url::parse(&input.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| ApiError::invalid("invalid_webhook", "url must be an http:// or https:// URL"))?;
    if !(16..=256).contains(&input.secret.len()) {
        return Err(ApiError::invalid("invalid_webhook", "secret must be 16 to 256 characters"));
    }
    let hook = webhooks::create(&state.db, url.as_str(), &input.secret, time::now()).await?;
    Ok((StatusCode::CREATED, Json(hook)))
}

pub async fn list(_: AdminKey, State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(serde_json::json!({ "webhooks": webhooks::list(&state.db).await? })))
}

pub async fn delete(_: AdminKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if webhooks::delete(&state.db, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("webhook", &id))
    }
}
