//! `GET /api/v1/cycles/{cycle}/scores` and the released comments.
use super::error::{ApiError, ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiPath, ApiQuery, ReadKey};
use crate::app::periods::{self, PeriodScores};
use crate::app::results::{self, CycleScores, SubjectComments};
use crate::app::{App, cycles};
use crate::domain::time;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required};

#[utoipa::path(get, path = "/api/v1/cycles/{cycle}/scores", operation_id = "scores", tag = "scores",
    params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses(
        (status = 200, body = CycleScores),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(cycle = %id))]
pub async fn scores(_: ReadKey, State(app): State<App>, ApiPath(id): ApiPath<String>) -> ApiResult<Json<CycleScores>> {
    let cycle = cycles::load(&app, &id).await?;
    Ok(Json(results::cycle_scores(&app, &cycle, time::now()).await?))
}

/// The same scores as CSV, one row per subject × indicator.
#[utoipa::path(get, path = "/api/v1/cycles/{cycle}/scores.csv", operation_id = "scores_csv", tag = "scores",
    params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses(
        (status = 200,
            description = concat!("CSV: cycle, status, final, subject, name, team, indicator, score, n, sd, ci95_low, ",
                "ci95_high, csat, nps, withheld, score_status (ok, open, below_threshold, no_data)"),
            content_type = "text/csv", body = String),
        ErrorResponses,
    )
)]
pub async fn scores_csv(_: ReadKey, State(app): State<App>, ApiPath(id): ApiPath<String>) -> ApiResult<Response> {
    let cycle = cycles::load(&app, &id).await?;
    let scores = results::cycle_scores(&app, &cycle, time::now()).await?;
    csv_response(&scores, &format!("candor-{}-scores.csv", cycle.id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// `YYYY-MM`, `YYYY-Qn` or `YYYY`.
    period: String,
    /// Only this subject.
    subject: Option<String>,
}

/// Written out because the derive drops `required = true` from a field that has `schema_with`
/// (utoipa 5), and `period` must be given.
impl utoipa::IntoParams for PeriodQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        use crate::domain::shapes;
        let query = |name: &str, required: Required, schema: ObjectBuilder| {
            ParameterBuilder::new().name(name).parameter_in(ParameterIn::Query).required(required).schema(Some(schema))
        };
        vec![
            query("period", Required::True, shapes::period()).build(),
            query("subject", Required::False, shapes::id()).build(),
        ]
    }
}

/// Scores pooled over a period: every closed cycle whose period lies inside it (CONTRACT §7).
#[utoipa::path(get, path = "/api/v1/scores", operation_id = "period_scores", tag = "scores", params(PeriodQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, body = PeriodScores),
        (status = 422, description = "Not a period", body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn period_scores(
    _: ReadKey,
    State(app): State<App>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<PeriodScores>> {
    Ok(Json(periods::scores(&app, &q.period, subject_filter(q.subject.as_deref())?).await?))
}

/// The same as CSV, the period in the cycle column.
#[utoipa::path(get, path = "/api/v1/scores.csv", operation_id = "period_scores_csv", tag = "scores",
    params(PeriodQuery), security(("api_key" = [])),
    responses(
        (status = 200, description = "CSV, as the cycle's", content_type = "text/csv", body = String),
        (status = 422, description = "Not a period", body = ErrorBody),
        ErrorResponses,
    )
)]
pub async fn period_scores_csv(
    _: ReadKey,
    State(app): State<App>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Response> {
    let scores = periods::scores(&app, &q.period, subject_filter(q.subject.as_deref())?).await?.as_cycle_scores();
    csv_response(&scores, &format!("candor-{}-scores.csv", scores.cycle))
}

/// A `?subject=` filter: an id, as the people's ids are.
fn subject_filter(raw: Option<&str>) -> ApiResult<Option<&str>> {
    raw.map(|s| crate::domain::id::ExternalId::parse(s).map(|_| s))
        .transpose()
        .map_err(|e| ApiError::from(crate::app::Error::invalid("invalid_subject", e)))
}

fn csv_response(scores: &CycleScores, filename: &str) -> ApiResult<Response> {
    let body =
        crate::app::scores_csv::scores_csv(scores).map_err(|e| ApiError::from(crate::app::Error::internal(e)))?;
    let disposition = format!("attachment; filename=\"{filename}\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CommentsQuery {
    /// Only this subject.
    #[param(schema_with = crate::domain::shapes::id)]
    subject: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Comments {
    cycle: String,
    status: &'static str,
    subjects: BTreeMap<String, SubjectComments>,
}

/// Comments are for admins: the scores scope reads numbers only.
#[utoipa::path(get, path = "/api/v1/cycles/{cycle}/comments", operation_id = "comments", tag = "scores",
    params(("cycle" = String, Path, description = "Cycle id"), CommentsQuery), security(("api_key" = [])),
    responses(
        (status = 200, body = Comments),
        ErrorResponses,
    )
)]
pub async fn comments(
    _: AdminKey,
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<CommentsQuery>,
) -> ApiResult<Json<Comments>> {
    let now = time::now();
    let only = subject_filter(q.subject.as_deref())?.map(str::to_string);
    let cycle = cycles::load(&app, &id).await?;
    let mut subjects = results::cycle_comments(&app, &cycle, now).await?;
    if let Some(s) = only {
        subjects.retain(|k, _| *k == s);
    }
    Ok(Json(Comments { status: cycle.status(now), cycle: cycle.id, subjects }))
}
