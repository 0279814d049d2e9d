//! `POST /api/v1/surveys` and `GET /api/v1/surveys/{survey}`.
use super::{AdminKey, ApiJson, UpsertCounts};
use crate::db::surveys;
use crate::domain::survey::{QuestionInput, Survey, SurveyInput};
use crate::domain::time;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};

#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", request_body = SurveyInput, security(("api_key" = [])),
    responses((status = 200, description = "Created, replaced or unchanged", body = UpsertCounts), (status = 409, description = "The survey has invitations and is frozen", body = ErrorBody), (status = 400, description = "Malformed body or unknown field", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(survey = %input.id))]
pub async fn save(
    _: AdminKey,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<SurveyInput>,
) -> ApiResult<Json<UpsertCounts>> {
    let survey = input.parse().map_err(|e| ApiError::invalid("invalid_survey", e))?;
    let mut tx = state.db.begin().await?;
    let existed = surveys::exists(&mut tx, &survey.id).await?;
    let mut counts = UpsertCounts::default();
    if existed {
        let current = surveys::load_on(&mut tx, &survey.id).await?;
        if current.as_ref() == Some(&survey) {
            counts.unchanged = 1;
            return Ok(Json(counts));
        }
        if surveys::has_invitations(&mut tx, &survey.id).await? {
            return Err(ApiError::conflict(
                "survey_frozen",
                format!("survey {:?} has invitations, so it can no longer change; create a new survey id", survey.id),
            ));
        }
        counts.updated = 1;
    } else {
        counts.created = 1;
    }
    surveys::save(&mut tx, &survey, time::now()).await?;
    tx.commit().await?;
    Ok(Json(counts))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SurveyView {
    #[serde(flatten)]
    input: SurveyInput,
    frozen: bool,
}

fn to_input(s: Survey) -> SurveyInput {
    SurveyInput {
        id: s.id,
        kind: s.kind,
        title: s.title,
        title_i18n: s.title_i18n,
        anonymous: s.anonymous,
        questions: s
            .questions
            .into_iter()
            .map(|q| QuestionInput {
                id: q.id,
                text: q.text,
                kind: q.kind,
                min: q.min,
                max: q.max,
                indicator: q.indicator,
                required: q.required,
                text_i18n: q.text_i18n,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/surveys/{survey}", tag = "surveys", params(("survey" = String, Path, description = "Survey id")), security(("api_key" = [])),
    responses((status = 200, body = SurveyView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(_: AdminKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<SurveyView>> {
    let survey = surveys::load(&state.db.pool, &id).await?.ok_or_else(|| ApiError::not_found("survey", &id))?;
    let mut tx = state.db.pool.begin().await?;
    let frozen = surveys::has_invitations(&mut tx, &id).await?;
    tx.rollback().await?;
    Ok(Json(SurveyView { input: to_input(survey), frozen }))
}
