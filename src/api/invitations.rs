//! `POST /api/v1/cycles/{cycle}/invitations`: validate every row, then insert in batches.
use super::{AdminKey, ApiJson};
use crate::db::directory::{self, PersonRow};
use crate::db::invitations::{self, NewInvitation, Respondent};
use crate::db::links::{self, NewLink};
use crate::db::{Tx, outbox};
use crate::domain::survey::SurveyKind;
use crate::domain::{Relation, Token, time};
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationsBody {
    invitations: Vec<InvitationInput>,
    #[serde(default)]
    deliver: Deliver,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Deliver {
    #[default]
    Email,
    None,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationInput {
    survey: String,
    subject: String,
    respondent: RespondentInput,
    relation: Relation,
}

#[derive(Deserialize, Serialize, Clone, Debug, ToSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum RespondentInput {
    Person(String),
    Customer(String),
}

impl From<&Respondent> for RespondentInput {
    fn from(r: &Respondent) -> Self {
        match r {
            Respondent::Person(p) => RespondentInput::Person(p.clone()),
            Respondent::Customer(c) => RespondentInput::Customer(c.clone()),
        }
    }
}

#[derive(Serialize, Debug, ToSchema)]
pub struct CreatedLink {
    pub subject: String,
    pub respondent: RespondentInput,
    pub url: String,
}

#[derive(Serialize, Debug, Default, ToSchema)]
pub struct Created {
    pub created: usize,
    pub existing: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<CreatedLink>>,
}

fn mismatch(i: usize, msg: impl std::fmt::Display) -> ApiError {
    ApiError::invalid("relation_mismatch", format!("invitation {i}: {msg}"))
}

/// Everything a batch refers to, loaded once.
struct Directory {
    survey_kinds: HashMap<String, SurveyKind>,
    people: HashMap<String, PersonRow>,
    customers: BTreeSet<String>,
}

async fn load_directory(tx: &mut Tx, rows: &[NewInvitation]) -> ApiResult<Directory> {
    let mut survey_kinds = HashMap::new();
    for id in rows.iter().map(|r| r.survey_id.as_str()).collect::<BTreeSet<_>>() {
        // Through the transaction's own connection: never wait on the pool while holding one.
        if let Some(s) = crate::db::surveys::load_on(tx, id).await? {
            survey_kinds.insert(id.to_string(), s.kind);
        }
    }
    let mut person_ids: BTreeSet<String> = rows.iter().map(|r| r.subject_id.clone()).collect();
    let mut customer_ids = BTreeSet::new();
    for r in rows {
        match &r.respondent {
            Respondent::Person(p) => person_ids.insert(p.clone()),
            Respondent::Customer(c) => customer_ids.insert(c.clone()),
        };
    }
    let person_ids: Vec<String> = person_ids.into_iter().collect();
    let customer_ids: Vec<String> = customer_ids.into_iter().collect();
    let people = directory::people_by_id(tx, &person_ids).await?;
    let customers = directory::customers_by_id(tx, &customer_ids).await?.into_keys().collect();
    Ok(Directory { survey_kinds, people, customers })
}

/// A relation must fit the survey's kind and the org chart.
fn check_row(i: usize, r: &NewInvitation, dir: &Directory) -> ApiResult<()> {
    let kind = dir
        .survey_kinds
        .get(&r.survey_id)
        .ok_or_else(|| ApiError::invalid("unknown_survey", format!("invitation {i}: no survey {:?}", r.survey_id)))?;
    let subject = dir
        .people
        .get(&r.subject_id)
        .ok_or_else(|| ApiError::invalid("unknown_subject", format!("invitation {i}: no person {:?}", r.subject_id)))?;
    let unknown =
        |what: &str, id: &str| ApiError::invalid("unknown_respondent", format!("invitation {i}: no {what} {id:?}"));
    match (&r.respondent, kind) {
        (Respondent::Customer(c), SurveyKind::Customer) => {
            if !dir.customers.contains(c) {
                return Err(unknown("customer", c));
            }
            if r.relation != Relation::Customer {
                return Err(mismatch(i, "a customer survey takes relation \"customer\""));
            }
        }
        (Respondent::Person(p), SurveyKind::Peer) => {
            let rater = dir.people.get(p).ok_or_else(|| unknown("person", p))?;
            let is_manager = subject.manager_id.as_deref() == Some(p.as_str());
            let is_report = rater.manager_id.as_deref() == Some(subject.id.as_str());
            let fits = match r.relation {
                Relation::SelfReview => p == &subject.id,
                Relation::Manager => is_manager,
                Relation::DirectReport => is_report,
                Relation::Peer => p != &subject.id && !is_manager && !is_report,
                Relation::Customer => false,
            };
            if !fits {
                return Err(mismatch(
                    i,
                    format!("{p:?} is not {:?} of {:?} in the org chart", r.relation.as_str(), subject.id),
                ));
            }
        }
        (Respondent::Customer(_), SurveyKind::Peer) => {
            return Err(mismatch(i, "a peer survey is answered by people, not customers"));
        }
        (Respondent::Person(_), SurveyKind::Customer) => {
            return Err(mismatch(i, "a customer survey is answered by customers"));
        }
    }
    Ok(())
}

/// Groups new invitations by respondent: a rater gets their reviews in one email.
fn by_respondent(rows: &[NewInvitation], created: &[(i64, usize)]) -> Vec<Vec<i64>> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<i64>> = HashMap::new();
    for &(id, i) in created {
        let key = rows[i].respondent.key();
        groups
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(id);
    }
    order.into_iter().filter_map(|k| groups.remove(&k)).collect()
}

/// Creates the invitations that do not exist yet and queues their emails (or mints their
/// links), in one transaction. Shared by the invitations and launch endpoints.
pub async fn create_invitations(
    state: &AppState,
    cycle_id: &str,
    rows: Vec<NewInvitation>,
    deliver: Deliver,
) -> ApiResult<Created> {
    let now = time::now();
    let cycle = super::cycles::load_cycle(state, cycle_id).await?;
    if !cycle.is_open(now) {
        return Err(ApiError::conflict("cycle_closed", format!("cycle {cycle_id:?} is closed")));
    }
    let mut tx = state.db.begin().await?;
    let dir = load_directory(&mut tx, &rows).await?;
    for (i, r) in rows.iter().enumerate() {
        check_row(i, r, &dir)?;
    }
    let created = invitations::insert_new(&mut tx, cycle_id, &rows, now).await?;
    let ids: Vec<i64> = created.iter().map(|(id, _)| *id).collect();
    let links = match deliver {
        Deliver::Email => {
            // Emails wait for the cycle to open.
            let not_before_ms = cycle.opens_at.max(now) * 1000;
            outbox::queue(&mut tx, "invitation", &by_respondent(&rows, &created), not_before_ms, now).await?;
            None
        }
        Deliver::None => {
            let mut new_links = Vec::with_capacity(created.len());
            let mut shown = Vec::with_capacity(created.len());
            for &(id, i) in &created {
                let token = Token::mint();
                new_links.push(NewLink::respond(token.hash(), id));
                shown.push(CreatedLink {
                    subject: rows[i].subject_id.clone(),
                    respondent: (&rows[i].respondent).into(),
                    url: format!("{}/s/{}", state.config.public_base(), token.as_str()),
                });
            }
            links::insert_many(&mut tx, &new_links, now).await?;
            Some(shown)
        }
    };
    tx.commit().await?;
    if deliver == Deliver::Email && !ids.is_empty() {
        state.outbox_wake.notify_one();
    }
    tracing::info!(created = created.len(), "invitations created");
    Ok(Created { created: created.len(), existing: rows.len() - created.len(), links })
}

#[utoipa::path(post, path = "/api/v1/cycles/{cycle}/invitations", tag = "invitations", params(("cycle" = String, Path, description = "Cycle id")), request_body = InvitationsBody, security(("api_key" = [])),
    responses((status = 201, description = "Created (links only with deliver=none)", body = Created), (status = 409, description = "The cycle is closed", body = ErrorBody), (status = 400, description = "Malformed body or unknown field", body = ErrorBody), (status = 401, description = "Missing or wrong API key", body = ErrorBody), (status = 403, description = "Key scope too narrow", body = ErrorBody), (status = 422, description = "Invalid input", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(cycle = %cycle, rows = body.invitations.len()))]
pub async fn create(
    _: AdminKey,
    State(state): State<AppState>,
    Path(cycle): Path<String>,
    ApiJson(body): ApiJson<InvitationsBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let rows: Vec<NewInvitation> = body
        .invitations
        .into_iter()
        .map(|r| NewInvitation {
            survey_id: r.survey,
            subject_id: r.subject,
            relation: r.relation,
            respondent: match r.respondent {
                RespondentInput::Person(p) => Respondent::Person(p),
                RespondentInput::Customer(c) => Respondent::Customer(c),
            },
        })
        .collect();
    let created = create_invitations(&state, &cycle, rows, body.deliver).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
