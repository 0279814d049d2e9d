//! `POST /api/v1/surveys` and `GET /api/v1/surveys/{survey}`.
use super::{AdminKey, ApiJson, UpsertCounts};
use crate::db::surveys;
use crate::domain::survey::{QuestionInput, Survey, SurveyInput};
use crate::domain::time;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};

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
        let current = surveys::load(&state.db.pool, &survey.id).await?;
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

#[derive(serde::Serialize)]
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

pub async fn show(_: AdminKey, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<SurveyView>> {
    let survey = surveys::load(&state.db.pool, &id).await?.ok_or_else(|| ApiError::not_found("survey", &id))?;
    let mut tx = state.db.pool.begin().await?;
    let frozen = surveys::has_invitations(&mut tx, &id).await?;
    tx.rollback().await?;
    Ok(Json(SurveyView { input: to_input(survey), frozen }))
}
