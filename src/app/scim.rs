//! Provisioning from the organisation's identity provider through SCIM 2.0 (CONTRACT §11).
//! Every write goes through the directory's import (`directory::import_people`), so a person
//! written by SCIM passes the same checks as one imported by the API or a CSV, and one
//! deactivated by SCIM (`active: false`, or DELETE) leaves as any other: open invitations
//! revoked (links 410), sessions ended, history kept.
//!
//! The kept User document is written after the person, in a transaction of its own: the
//! person is what counts, and a client that retries after a failure in between finds the
//! person by userName (which falls back to the email) and writes the document again.
use super::audit::{self, Actor, AuditAction, Target};
use super::directory::{self, PersonInput};
use super::{App, Error, Kind, Result};
use crate::db::scim::{self as store, ScimFields, ScimPerson};
pub use crate::domain::scim::Filter;
use crate::domain::scim::{self as doc, Problem, Record};
use crate::domain::{EmailAddress, ExternalId, scim_patch, time};
use serde_json::{Map, Value};

/// A User as the transport shows it: its id, its document and its times.
#[derive(Debug, Clone)]
pub struct ScimUser {
    pub id: String,
    pub doc: Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Error {
        Error::invalid(p.scim_type, p.detail)
    }
}

fn user(p: ScimPerson) -> ScimUser {
    let kept = p.resource.as_deref().and_then(|r| serde_json::from_str::<Map<String, Value>>(r).ok());
    let person = &p.person;
    let rec = Record {
        name: &person.name,
        email: &person.email,
        manager: person.manager_id.as_deref(),
        team: person.team.as_deref(),
        role: person.role.as_deref(),
        active: person.active,
    };
    ScimUser {
        doc: doc::reconcile(kept, &rec, &person.id),
        id: p.person.id,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

/// Users a filter finds: a page from `start_index` (1-based), `count` at most, and the total.
pub async fn list(app: &App, filter: &Filter, start_index: i64, count: i64) -> Result<(Vec<ScimUser>, i64)> {
    let (rows, total) = store::list(&app.db, filter, start_index.max(1) - 1, count.max(0)).await?;
    Ok((rows.into_iter().map(user).collect(), total))
}

pub async fn get(app: &App, id: &str) -> Result<ScimUser> {
    store::get(&app.db, id).await?.map(user).ok_or_else(|| Error::not_found("User", id))
}

/// POST: a new person, with the externalId as their id when it is one Candor can take. A
/// person the client deleted before comes back under the same id; an admin-only account with
/// the same address (the first admin, made at the console) joins the org chart as this person.
pub async fn create(app: &App, actor: &Actor, body: &Value) -> Result<ScimUser> {
    let kept = doc::clean(body)?;
    let d = doc::derive(&kept)?;
    let email = EmailAddress::parse(&d.email).map(|e| e.as_str().to_string()).unwrap_or_default();
    if let Some(admin) = store::admin_only_with_email(&app.db, &email).await? {
        return write(app, actor, AuditAction::ScimCreatePerson, &admin, kept, None).await;
    }
    let id = match d.external_id.as_deref().map(ExternalId::parse) {
        Some(Ok(id)) => id.into_string(),
        _ => format!("scim-{}", &crate::domain::token::random_id()[..12]),
    };
    let revived = store::is_deleted(&app.db, &id).await?;
    if !revived && person_exists(app, &id).await? {
        return Err(Error::conflict("uniqueness", format!("a person with id {id:?} exists already")));
    }
    let locale = match revived {
        true => crate::db::people_admin::person_by_id(&app.db.pool, &id).await?.and_then(|p| p.locale),
        false => None,
    };
    write(app, actor, AuditAction::ScimCreatePerson, &id, kept, locale).await
}

async fn person_exists(app: &App, id: &str) -> Result<bool> {
    let mut tx = app.db.begin().await?;
    let found = crate::db::directory::existing_person_ids(&mut tx, &[id.to_string()]).await?;
    tx.rollback().await?;
    Ok(!found.is_empty())
}

/// The person behind a User a client may see (not deleted), with their locale.
async fn visible(app: &App, id: &str) -> Result<(ScimUser, Option<String>)> {
    let p = store::get(&app.db, id).await?.ok_or_else(|| Error::not_found("User", id))?;
    let locale = p.person.locale.clone();
    Ok((user(p), locale))
}

/// PUT: the person as the client now has them.
pub async fn replace(app: &App, actor: &Actor, id: &str, body: &Value) -> Result<ScimUser> {
    let (_, locale) = visible(app, id).await?;
    write(app, actor, AuditAction::ScimReplacePerson, id, doc::clean(body)?, locale).await
}

/// PATCH: the operations applied to the User as it reads now.
pub async fn patch(app: &App, actor: &Actor, id: &str, body: &Value) -> Result<ScimUser> {
    let (current, locale) = visible(app, id).await?;
    let mut kept = current.doc;
    scim_patch::apply(&mut kept, body)?;
    write(app, actor, AuditAction::ScimPatchPerson, id, doc::clean(&Value::Object(kept))?, locale).await
}

/// DELETE: the person is deactivated (as `active: false`) and SCIM knows them no more.
pub async fn delete(app: &App, actor: &Actor, id: &str) -> Result<()> {
    let (current, locale) = visible(app, id).await?;
    let mut kept = current.doc;
    kept.insert("active".into(), Value::Bool(false));
    save(app, (actor, AuditAction::ScimDeactivatePerson), id, kept, locale, true).await
}

async fn write(
    app: &App,
    actor: &Actor,
    action: AuditAction,
    id: &str,
    kept: Map<String, Value>,
    locale: Option<String>,
) -> Result<ScimUser> {
    save(app, (actor, action), id, kept, locale, false).await?;
    get(app, id).await
}

/// Writes the person through the directory (audited there as an import), then the kept
/// document, then what the client asked for under its own name.
async fn save(
    app: &App,
    (actor, action): (&Actor, AuditAction),
    id: &str,
    kept: Map<String, Value>,
    locale: Option<String>,
    deleted: bool,
) -> Result<()> {
    let d = doc::derive(&kept)?;
    if store::user_name_owner(&app.db, &d.user_name, id).await?.is_some() {
        return Err(Error::conflict("uniqueness", "another person has this userName"));
    }
    let input = PersonInput {
        id: id.to_string(),
        name: d.name,
        email: d.email,
        manager: d.manager,
        team: d.team,
        locale: d.locale.map(str::to_string).or(locale),
        role: d.role,
        active: Some(d.active),
    };
    directory::import_people(app, actor, std::slice::from_ref(&input), true).await.map_err(as_scim)?;
    store::join_org(&app.db, id).await?;
    let resource = serde_json::to_string(&kept).map_err(Error::internal)?;
    let fields =
        ScimFields { user_name: &d.user_name, external_id: d.external_id.as_deref(), resource: &resource, deleted };
    store::save(&app.db, id, &fields, time::now()).await?;
    audit::write_alone(app, actor, action, Target::Person(id), "").await
}

/// The directory's refusals in SCIM's words (RFC 7644 §3.12).
fn as_scim(e: Error) -> Error {
    if !matches!(e.kind(), Kind::Invalid | Kind::Conflict) {
        return e;
    }
    let message = match &e {
        Error::Rows(rows) => rows.first().map_or_else(|| "the User cannot be stored".into(), |p| p.message.clone()),
        _ => e.to_string(),
    };
    match e.code() {
        "email_taken" => Error::conflict("uniqueness", message),
        // An administrator's address changes only on the admin pages.
        "admin_email" => Error::invalid("mutability", message),
        // An unknown manager or a loop in the org chart is a value SCIM's client must change.
        _ => Error::invalid("invalidValue", message),
    }
}
