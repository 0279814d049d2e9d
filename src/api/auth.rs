//! Bearer API keys. `admin` may call everything under `/api/v1`; `scores` may only read;
//! `scim` may only provision people through `/scim/v2`.
use super::error::ApiError;
use crate::app::audit::Actor;
use crate::app::{App, integrations};
use crate::domain::api_key::Scope;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

async fn scope_of(parts: &Parts, app: &App) -> Result<(Scope, String), ApiError> {
    let unauthorized = || {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "send a valid API key as Authorization: Bearer <key>")
    };
    let header = parts.headers.get(axum::http::header::AUTHORIZATION).ok_or_else(unauthorized)?;
    let key = header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).ok_or_else(unauthorized)?;
    integrations::verify_key(app, key).await?.ok_or_else(unauthorized)
}

/// A caller whose key has the `admin` scope; the key's name is who the audit log names.
pub struct AdminKey(pub Actor);

/// A caller with a key that may read: `scores` or `admin`.
pub struct ReadKey;

/// What a `scim` key is told when it calls `/api/v1`.
fn scim_only() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this key has the scim scope, which may only call /scim/v2")
}

impl FromRequestParts<App> for AdminKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        match scope_of(parts, app).await? {
            (Scope::Admin, name) => Ok(AdminKey(Actor::ApiKey(name))),
            (Scope::Scores, _) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this key has the scores scope, which may only read scores and progress",
            )),
            (Scope::Scim, _) => Err(scim_only()),
        }
    }
}

impl FromRequestParts<App> for ReadKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        match scope_of(parts, app).await? {
            (Scope::Scim, _) => Err(scim_only()),
            _ => Ok(ReadKey),
        }
    }
}
