//! `GET /api/v1/audit`: the audit log, newest first, a page at a time.
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiQuery};
use crate::app::App;
use crate::app::audit::{self, AuditEntry};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this cycle's entries.
    #[param(schema_with = crate::domain::shapes::id)]
    cycle: Option<String>,
    /// The `next` of the previous page; omit for the newest.
    #[param(minimum = 1)]
    before: Option<i64>,
    /// 1 to 1,000; default 100.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; null on the last.
    next: Option<i64>,
}

/// Every change made through the API, the admin pages or the CLI: who, when, what. Never a
/// respondent's answer.
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "list_audit", tag = "integrations", params(AuditQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, body = AuditPage),
        (status = 422, description = "Invalid limit or cycle", body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn list(
    _: AdminKey,
    State(app): State<App>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    if let Some(c) = q.cycle.as_deref() {
        crate::domain::id::ExternalId::parse(c).map_err(|e| crate::app::Error::invalid("invalid_cycle", e))?;
    }
    if q.before.is_some_and(|b| b < 1) {
        return Err(crate::app::Error::invalid("invalid_before", "before is a positive entry id").into());
    }
    let limit = q.limit.unwrap_or(100);
    let entries = audit::page(&app, q.cycle.as_deref(), q.before, Some(limit)).await?;
    let next = (entries.len() as i64 == limit).then(|| entries.last().map(|e| e.id)).flatten();
    Ok(Json(AuditPage { entries, next }))
}
