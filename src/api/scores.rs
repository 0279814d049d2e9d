//! `GET /api/v1/cycles/{cycle}/scores` and the released comments.
use super::{AdminKey, ReadKey};
use crate::domain::time;
use crate::error::{ApiError, ApiResult};
use crate::reports::{self, CycleScores, SubjectComments};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[tracing::instrument(skip_all, fields(cycle = %id))]
pub async fn scores(_: ReadKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<CycleScores>> {
    let cycle = super::cycles::load_cycle(&state, &id).await?;
    Ok(Json(reports::cycle_scores(&state.db.pool, &cycle, time::now()).await?))
}

/// The same scores as CSV, one row per subject × indicator.
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

#[derive(Serialize)]
pub struct Comments {
    cycle: String,
    status: &'static str,
    subjects: BTreeMap<String, SubjectComments>,
}

/// Comments are for admins: the scores scope reads numbers only.
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
