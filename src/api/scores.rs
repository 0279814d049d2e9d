//! `GET /api/v1/cycles/{cycle}/scores` and the released comments.
use super::{AdminKey, ReadKey};
use crate::domain::time;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::reports::{self, CycleScores, SubjectComments};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[utoipa::path(get, path = "/api/v1/cycles/{cycle}/scores", tag = "scores", params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses((status = 200, body = CycleScores), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 404, description = "Unknown cycle", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(cycle = %id))]
pub async fn scores(_: ReadKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<CycleScores>> {
    let cycle = super::cycles::load_cycle(&state, &id).await?;
    Ok(Json(reports::cycle_scores(&state.db.pool, &cycle, time::now()).await?))
}

/// The same scores as CSV, one row per subject × indicator.
#[utoipa::path(get, path = "/api/v1/cycles/{cycle}/scores.csv", tag = "scores", params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses((status = 200, description = "CSV: cycle, status, final, subject, name, team, indicator, score, n, sd, ci95_low, ci95_high, csat, nps, withheld", content_type = "text/csv", body = String), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 404, description = "Unknown cycle", body = ErrorBody)))]
pub async fn scores_csv(_: ReadKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let cycle = super::cycles::load_cycle(&state, &id).await?;
    let scores = reports::cycle_scores(&state.db.pool, &cycle, time::now()).await?;
    let body = reports::scores_csv(&scores).map_err(|e| {
        tracing::error!(error = %e, "csv");
        ApiError::internal()
    })?;
    let disposition = format!("attachment; filename=\"candor-{}-scores.csv\"", cycle.id);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentsQuery {
    subject: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Comments {
    cycle: String,
    status: &'static str,
    subjects: BTreeMap<String, SubjectComments>,
}

/// Comments are for admins: the scores scope reads numbers only.
#[utoipa::path(get, path = "/api/v1/cycles/{cycle}/comments", tag = "scores", params(("cycle" = String, Path, description = "Cycle id")), params(("subject" = Option<String>, Query, description = "Only this subject")), security(("api_key" = [])),
    responses((status = 200, body = Comments), (status = 403, body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 404, description = "Unknown cycle", body = ErrorBody)))]
pub async fn comments(
    _: AdminKey,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CommentsQuery>,
) -> ApiResult<Json<Comments>> {
    let now = time::now();
    let cycle = super::cycles::load_cycle(&state, &id).await?;
    let mut subjects = reports::cycle_comments(&state.db.pool, &cycle, now).await?;
    if let Some(s) = q.subject {
        subjects.retain(|k, _| *k == s);
    }
    Ok(Json(Comments { status: cycle.status(now), cycle: cycle.id, subjects }))
}
