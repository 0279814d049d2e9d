//! `POST /api/v1/cycles/{cycle}/invitations`, `…/launch`, `…/reminders`, and revoking and
//! reissuing invitations.
use super::error::{ApiResult, ErrorBody};
use super::openapi::ErrorResponses;
use super::{AdminKey, ApiJson, ApiPath};
use crate::app::App;
use crate::app::invitations::{self, Created, Deliver, RespondentInput, Subjects};
use crate::app::launch::Launch;
use crate::app::nominations::Rule;
use crate::app::reminders::{self, Queued};
use crate::app::revocation::{self, InvitationRef, Reissued, Revoked};
use crate::domain::Relation;
use crate::domain::reviews::{NewInvitation, Peers};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationsBody {
    invitations: Vec<InvitationInput>,
    #[serde(default)]
    deliver: Deliver,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationInput {
    #[schema(schema_with = crate::domain::shapes::id)]
    survey: String,
    #[schema(schema_with = crate::domain::shapes::id)]
    subject: String,
    respondent: RespondentInput,
    relation: Relation,
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/invitations", operation_id = "create_invitations",
    tag = "invitations", params(("cycle" = String, Path, description = "Cycle id")), request_body = InvitationsBody,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Created (links only with deliver=none)", body = Created),
        (status = 409, description = "The cycle is closed, or an invitation names an unknown survey, subject or \
            respondent, someone who left, or a relation that does not fit the survey or the org chart; or a launch or \
            close of the cycle is under way (`launch_under_way`, `closing_under_way`)", body = ErrorBody),
        (status = 422, description = "Invalid input", body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(cycle = %cycle, rows = body.invitations.len()))]
pub async fn create(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(cycle): ApiPath<String>,
    ApiJson(body): ApiJson<InvitationsBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let rows: Vec<NewInvitation> = body
        .invitations
        .into_iter()
        .map(|r| NewInvitation {
            survey_id: r.survey,
            subject_id: r.subject,
            relation: r.relation,
            respondent: r.respondent.into(),
        })
        .collect();
    let created = invitations::create(&app, &actor, &cycle, rows, body.deliver).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchBody {
    #[schema(schema_with = crate::domain::shapes::id)]
    survey: String,
    subjects: Subjects,
    #[serde(default)]
    peers: Peers,
    /// With `peers: nominated`: the fewest colleagues each subject chooses (default 3).
    #[schema(minimum = 1, maximum = 50)]
    min_peers: Option<i64>,
    /// With `peers: nominated`: the most (default 8).
    #[schema(minimum = 1, maximum = 50)]
    max_peers: Option<i64>,
    /// With `peers: nominated`: when submitted lists not yet approved are approved as they stand.
    #[schema(schema_with = crate::domain::shapes::opt_date_time)]
    nominations_due: Option<String>,
    #[serde(default)]
    deliver: Deliver,
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/launch", operation_id = "launch", tag = "invitations",
    params(("cycle" = String, Path, description = "Cycle id")), request_body = LaunchBody, security(("api_key" = [])),
    responses(
        (status = 201, body = Created),
        (status = 409, description = "The cycle is closed, or the survey is unknown or not a peer survey \
            (`cycle_closed`, `unknown_survey`, `relation_mismatch`), or a launch or close of the cycle is under way \
            (`launch_under_way`, `closing_under_way`)", body = ErrorBody),
        (status = 422, description = "Invalid input", body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(cycle = %cycle))]
pub async fn launch(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(cycle): ApiPath<String>,
    ApiJson(body): ApiJson<LaunchBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let rule = nomination_rule(body.min_peers, body.max_peers, body.nominations_due.as_deref())?;
    let created = crate::app::launch::launch(
        &app,
        &actor,
        &cycle,
        Launch { survey: &body.survey, subjects: &body.subjects, peers: body.peers, rule },
        body.deliver,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/reminders", operation_id = "remind", tag = "invitations",
    params(("cycle" = String, Path, description = "Cycle id")), security(("api_key" = [])),
    responses(
        (status = 200, body = Queued),
        (status = 409, description = "The cycle is closed, or was reminded by hand within the hour", body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(cycle = %cycle))]
pub async fn remind(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(cycle): ApiPath<String>,
) -> ApiResult<Json<Queued>> {
    Ok(Json(reminders::remind(&app, &actor, &cycle).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    invitations: Vec<InvitationRef>,
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/invitations/revoke", operation_id = "revoke_invitations",
    tag = "invitations", params(("cycle" = String, Path, description = "Cycle id")), request_body = RevokeBody,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Every link of each answers 410 from now on", body = Revoked),
        (status = 409, description = "An invitation is unknown in this cycle, or listed twice \
            (`unknown_invitation`); nothing was revoked", body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(cycle = %cycle, rows = body.invitations.len()))]
pub async fn revoke(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(cycle): ApiPath<String>,
    ApiJson(body): ApiJson<RevokeBody>,
) -> ApiResult<Json<Revoked>> {
    Ok(Json(revocation::revoke(&app, &actor, &cycle, &body.invitations).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReissueBody {
    invitations: Vec<InvitationRef>,
    #[serde(default)]
    deliver: Deliver,
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/invitations/reissue", operation_id = "reissue", tag = "invitations",
    params(("cycle" = String, Path, description = "Cycle id")), request_body = ReissueBody, security(("api_key" = [])),
    responses(
        (status = 200, description = "Old links answer 404; a fresh one was emailed (or returned with deliver=none)",
            body = Reissued),
        (status = 409, description = "The cycle is closed, or an invitation is unknown, answered, revoked or (by \
            email) has no address (`unknown_invitation`, `already_answered`, `invitation_revoked`, `no_email`)",
            body = ErrorBody),
        (status = 422, description = "An anonymous invitation asked for without email (`anonymous_needs_email`)",
            body = ErrorBody),
        ErrorResponses,
    )
)]
#[tracing::instrument(skip_all, fields(cycle = %cycle, rows = body.invitations.len()))]
pub async fn reissue(
    AdminKey(actor): AdminKey,
    State(app): State<App>,
    ApiPath(cycle): ApiPath<String>,
    ApiJson(body): ApiJson<ReissueBody>,
) -> ApiResult<Json<Reissued>> {
    Ok(Json(revocation::reissue(&app, &actor, &cycle, &body.invitations, body.deliver).await?))
}

/// The nomination settings of a launch, defaults filled in.
fn nomination_rule(min: Option<i64>, max: Option<i64>, due: Option<&str>) -> crate::app::Result<Rule> {
    let default = Rule::default();
    let min_peers = min.unwrap_or(default.min_peers);
    let due_at = due
        .map(|d| {
            // Any time: a past one approves each list as soon as it is submitted.
            chrono::DateTime::parse_from_rfc3339(d)
                .map(|t| t.timestamp())
                .map_err(|_| crate::app::Error::invalid("invalid_time", "nominations_due must be an RFC 3339 time"))
        })
        .transpose()?;
    Ok(Rule { min_peers, max_peers: max.unwrap_or(default.max_peers.max(min_peers)), due_at })
}
