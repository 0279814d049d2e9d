//! `POST /api/v1/cycles/{cycle}/launch` (360 reviews from the org chart) and
//! `POST /api/v1/cycles/{cycle}/reminders`.
use super::invitations::{Created, Deliver, create_invitations};
use super::{AdminKey, ApiJson};
use crate::db::directory::{self, OrgPerson};
use crate::db::invitations::{NewInvitation, Respondent};
use crate::db::{outbox, reminders};
use crate::domain::survey::SurveyKind;
use crate::domain::{Relation, time};
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

/// `"all"` or a list of person ids.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Subjects {
    All(AllKeyword),
    Listed(Vec<String>),
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AllKeyword {
    All,
}

#[derive(Deserialize, Default, PartialEq, Eq, Clone, Copy, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Peers {
    Team,
    #[default]
    None,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchBody {
    survey: String,
    subjects: Subjects,
    #[serde(default)]
    peers: Peers,
    #[serde(default)]
    deliver: Deliver,
}

/// Self, manager, every direct report and (with `peers: team`) every same-team colleague who is
/// neither the subject's manager nor report: the review set of one subject.
pub fn review_set(survey: &str, subject: &OrgPerson, everyone: &[OrgPerson], peers: Peers) -> Vec<NewInvitation> {
    let invite = |who: &str, relation| NewInvitation {
        survey_id: survey.to_string(),
        subject_id: subject.id.clone(),
        relation,
        respondent: Respondent::Person(who.to_string()),
    };
    let mut out = vec![invite(&subject.id, Relation::SelfReview)];
    if let Some(m) = &subject.manager_id {
        out.push(invite(m, Relation::Manager));
    }
    for p in everyone {
        let reports_to_subject = p.manager_id.as_deref() == Some(subject.id.as_str());
        if reports_to_subject {
            out.push(invite(&p.id, Relation::DirectReport));
        } else if peers == Peers::Team
            && p.id != subject.id
            && subject.team.is_some()
            && p.team == subject.team
            && subject.manager_id.as_deref() != Some(p.id.as_str())
        {
            out.push(invite(&p.id, Relation::Peer));
        }
    }
    out
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/launch", tag = "invitations", params(("cycle" = String, Path, description = "Cycle id")), request_body = LaunchBody, security(("api_key" = [])),
    responses((status = 201, body = Created), (status = 409, description = "The cycle is closed", body = ErrorBody), (status = 400, description = "Malformed body or unknown field", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(cycle = %cycle))]
pub async fn launch(
    _: AdminKey,
    State(state): State<AppState>,
    Path(cycle): Path<String>,
    ApiJson(body): ApiJson<LaunchBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let created = launch_reviews(&state, &cycle, &body.survey, &body.subjects, body.peers, body.deliver).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// 360 invitations for the chosen subjects from the org chart (the API and the admin page).
pub async fn launch_reviews(
    state: &AppState,
    cycle: &str,
    survey_id: &str,
    subjects: &Subjects,
    peers: Peers,
    deliver: Deliver,
) -> ApiResult<Created> {
    let survey = crate::db::surveys::load(&state.db.pool, survey_id)
        .await?
        .ok_or_else(|| ApiError::invalid("unknown_survey", format!("no survey {survey_id:?}")))?;
    if survey.kind != SurveyKind::Peer {
        return Err(ApiError::invalid("relation_mismatch", "launch takes a peer survey; invite customers directly"));
    }
    let everyone = directory::org_chart(&state.db.pool).await?;
    let subjects: Vec<&OrgPerson> = match subjects {
        Subjects::All(AllKeyword::All) => everyone.iter().collect(),
        Subjects::Listed(ids) => {
            let mut picked = Vec::with_capacity(ids.len());
            for id in ids {
                let p = everyone
                    .iter()
                    .find(|p| &p.id == id)
                    .ok_or_else(|| ApiError::invalid("unknown_subject", format!("no person {id:?}")))?;
                picked.push(p);
            }
            picked
        }
    };
    let rows: Vec<NewInvitation> =
        subjects.into_iter().flat_map(|s| review_set(&survey.id, s, &everyone, peers)).collect();
    create_invitations(state, cycle, rows, deliver).await
}

#[derive(Serialize, ToSchema)]
pub struct Queued {
    /// Invitations reminded.
    pub queued: usize,
    /// Emails that carry them (one per respondent).
    pub emails: usize,
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/reminders", tag = "invitations", params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses((status = 200, body = Queued), (status = 409, description = "The cycle is closed", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 404, description = "Unknown cycle", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(cycle = %cycle))]
pub async fn remind(_: AdminKey, State(state): State<AppState>, Path(cycle): Path<String>) -> ApiResult<Json<Queued>> {
    queue_reminders(&state, &cycle).await.map(Json)
}

/// One reminder, with a fresh link, to every unanswered invitation of an open cycle.
pub async fn queue_reminders(state: &AppState, cycle: &str) -> ApiResult<Queued> {
    let now = time::now();
    let c = super::cycles::load_cycle(state, cycle).await?;
    if !c.is_open(now) {
        return Err(ApiError::conflict("cycle_closed", format!("cycle {cycle:?} is closed")));
    }
    let mut tx = state.db.begin().await?;
    let pending = reminders::open_in_cycle(&mut tx, &c.id).await?;
    let groups = reminders::group(&pending);
    outbox::queue(&mut tx, "reminder", &groups, now * 1000, now).await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    let distinct: HashSet<i64> = pending.iter().map(|p| p.invitation_id).collect();
    Ok(Queued { queued: distinct.len(), emails: groups.len() })
}
