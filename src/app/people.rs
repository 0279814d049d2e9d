//! The people directory in the browser (`/admin/people`, CONTRACT §11): search, a page at a
//! time, who manages whom, and one person edited. An edit is an import of one row through
//! `directory::import_people`, so it passes the API's checks and a deactivation does what
//! `active: false` does (open invitations revoked, sessions ended, history kept).
use super::audit::Actor;
use super::directory::{self, PersonInput, PersonRow};
use super::{App, Error, Result};
use crate::db::people_admin as store;

/// People on one page.
pub const PAGE_SIZE: i64 = 25;
/// People a manager field offers to choose from, at most.
const CHOICES: i64 = 2_000;

/// One person as the page lists them.
pub struct PersonLine {
    pub person: PersonRow,
    pub manager_name: Option<String>,
    /// Whom they manage directly: (id, name).
    pub reports: Vec<(String, String)>,
}

pub struct PeoplePage {
    pub lines: Vec<PersonLine>,
    pub total: i64,
    /// From 1.
    pub page: i64,
    pub pages: i64,
}

/// The people whose name, email, id or team contains `q`, page `page` (from 1).
pub async fn page(app: &App, q: &str, page: i64) -> Result<PeoplePage> {
    let page = page.max(1);
    let (people, total) = store::search(&app.db.pool, q, (page - 1) * PAGE_SIZE, PAGE_SIZE).await?;
    let managers: Vec<String> = people.iter().filter_map(|p| p.manager_id.clone()).collect();
    let names = store::names(&app.db.pool, &managers).await?;
    let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    let reports = store::reports(&app.db.pool, &ids).await?;
    let lines = people
        .into_iter()
        .map(|p| PersonLine {
            manager_name: p.manager_id.as_ref().and_then(|m| names.get(m).cloned()),
            reports: reports.iter().filter(|r| r.0 == p.id).map(|r| (r.1.clone(), r.2.clone())).collect(),
            person: p,
        })
        .collect();
    Ok(PeoplePage { lines, total, page, pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1) })
}

/// What the edit forms offer: active people (id, name), teams and roles in use.
pub struct Choices {
    pub people: Vec<(String, String)>,
    pub teams: Vec<String>,
    pub roles: Vec<String>,
}

pub async fn choices(app: &App) -> Result<Choices> {
    let (people, teams, roles) = store::choices(&app.db.pool, CHOICES).await?;
    Ok(Choices { people, teams, roles })
}

/// A person as the form sends them; empty manager, team and role are none.
#[derive(Debug, Clone, Default)]
pub struct PersonEdit {
    pub id: String,
    pub name: String,
    pub email: String,
    pub manager: String,
    pub team: String,
    pub role: String,
    pub active: bool,
}

/// Saves one person, recorded in the audit log under `actor` by the import; their locale stays
/// as it is. Deactivating someone needs `confirmed` (`not_confirmed`); other refusals are the
/// import's (a row problem with its code, or `management_cycle`).
pub async fn edit(app: &App, actor: &Actor, e: &PersonEdit, confirmed: bool) -> Result<()> {
    let current = store::person_by_id(&app.db.pool, &e.id).await?.ok_or_else(|| Error::not_found("person", &e.id))?;
    if current.active && !e.active && !confirmed {
        return Err(Error::invalid("not_confirmed", "tick the box to confirm the deactivation"));
    }
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let input = PersonInput {
        id: e.id.clone(),
        name: e.name.clone(),
        email: e.email.clone(),
        manager: some(&e.manager),
        team: some(&e.team),
        locale: current.locale.clone(),
        role: some(&e.role),
        active: Some(e.active),
    };
    directory::import_people(app, actor, std::slice::from_ref(&input), true).await?;
    Ok(())
}
