//! People (from HR) and customers (from the CRM): idempotent imports by the caller's ids.
//! Every row is checked before anything is stored; a refused batch stores nothing.
use super::audit::{self, Actor, AuditAction, Target};
use super::{App, Error, Result, RowProblem, UpsertCounts, no_duplicates};
use crate::db::directory;
use crate::db::outbox::AddressChanged;
pub use crate::domain::directory::{Customer as CustomerRow, Person as PersonRow};
use crate::domain::id::{parse_label, parse_name};
use crate::domain::{EmailAddress, ExternalId, Locale, orgchart, time};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[schema(schema_with = crate::domain::shapes::id)]
    pub id: String,
    #[schema(schema_with = crate::domain::shapes::name)]
    pub name: String,
    #[schema(schema_with = crate::domain::shapes::email)]
    pub email: String,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_id)]
    pub manager: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_team)]
    pub team: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_locale)]
    pub locale: Option<String>,
    /// A snake_case label such as `sales` or `sales_manager`: cycles may weigh by it.
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_snake)]
    pub role: Option<String>,
    /// False for someone who left: never a subject or rater of new invitations, their open
    /// invitations are revoked and their sessions ended; their history stays. Default true.
    #[serde(default)]
    pub active: Option<bool>,
}

#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    #[schema(schema_with = crate::domain::shapes::id)]
    pub id: String,
    #[schema(schema_with = crate::domain::shapes::name)]
    pub name: String,
    /// Optional: a customer without one is reached by phone and never emailed.
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_email)]
    pub email: Option<String>,
    /// Digits, spaces and `+ - ( ) .`, 5 to 30 characters.
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_phone)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_id)]
    pub owner: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::domain::shapes::opt_locale)]
    pub locale: Option<String>,
}

fn parse_locale(i: usize, id: &str, raw: Option<&str>) -> Result<Option<String>, RowProblem> {
    raw.map(|l| Locale::parse(l).map(|l| l.as_str().to_string()))
        .transpose()
        .map_err(|e| RowProblem::invalid(i, id, "invalid_locale", e))
}

fn optional_id(raw: Option<&str>) -> Result<Option<String>, String> {
    raw.map(|m| ExternalId::parse(m).map(ExternalId::into_string)).transpose()
}

fn parse_person(i: usize, p: &PersonInput) -> Result<PersonRow, RowProblem> {
    let id = ExternalId::parse(&p.id).map_err(|e| RowProblem::invalid(i, &p.id, "invalid_id", e))?;
    let manager_id = optional_id(p.manager.as_deref()).map_err(|e| RowProblem::invalid(i, &p.id, "invalid_id", e))?;
    let team = p
        .team
        .as_deref()
        .map(|t| parse_label(t, "team", 100))
        .transpose()
        .map_err(|e| RowProblem::invalid(i, &p.id, "invalid_team", e))?;
    Ok(PersonRow {
        name: parse_name(&p.name, "name").map_err(|e| RowProblem::invalid(i, &p.id, "invalid_name", e))?,
        email: EmailAddress::parse(&p.email)
            .map_err(|e| RowProblem::invalid(i, &p.id, "invalid_email", e))?
            .as_str()
            .to_string(),
        manager_id,
        team,
        locale: parse_locale(i, &p.id, p.locale.as_deref())?,
        role: p
            .role
            .as_deref()
            .map(crate::domain::survey::parse_indicator)
            .transpose()
            .map_err(|e| RowProblem::invalid(i, &p.id, "invalid_role", e.replace("indicator", "role")))?,
        active: p.active.unwrap_or(true),
        id: id.into_string(),
    })
}

/// A phone number as people write them; stored as given, trimmed.
fn parse_phone(raw: &str) -> Result<String, String> {
    let phone = raw.trim();
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if (5..=30).contains(&phone.len()) && phone.chars().all(allowed) && digits >= 5 {
        Ok(phone.to_string())
    } else {
        Err(format!("phone {raw:?} is not a phone number (digits, spaces and + - ( ) ., 5 to 30 characters)"))
    }
}

fn parse_customer(i: usize, c: &CustomerInput) -> Result<CustomerRow, RowProblem> {
    let id = ExternalId::parse(&c.id).map_err(|e| RowProblem::invalid(i, &c.id, "invalid_id", e))?;
    let owner_id = optional_id(c.owner.as_deref()).map_err(|e| RowProblem::invalid(i, &c.id, "invalid_id", e))?;
    // None is none; an empty string is no address or number, refused like any other (a CSV
    // cell left empty reads as None).
    let email = c
        .email
        .as_deref()
        .map(|e| EmailAddress::parse(e).map(|e| e.as_str().to_string()))
        .transpose()
        .map_err(|e| RowProblem::invalid(i, &c.id, "invalid_email", e))?;
    let phone = c
        .phone
        .as_deref()
        .map(parse_phone)
        .transpose()
        .map_err(|e| RowProblem::invalid(i, &c.id, "invalid_phone", e))?;
    if email.is_none() && phone.is_none() {
        return Err(RowProblem::invalid(i, &c.id, "no_contact", "a customer needs an email address or a phone number"));
    }
    Ok(CustomerRow {
        name: parse_name(&c.name, "name").map_err(|e| RowProblem::invalid(i, &c.id, "invalid_name", e))?,
        email,
        phone,
        owner_id,
        locale: parse_locale(i, &c.id, c.locale.as_deref())?,
        id: id.into_string(),
    })
}

/// Parses every row; all problems, or all rows.
fn parse_all<I, R>(input: &[I], parse: impl Fn(usize, &I) -> Result<R, RowProblem>) -> Result<Vec<R>> {
    let (mut rows, mut problems) = (Vec::with_capacity(input.len()), Vec::new());
    for (i, item) in input.iter().enumerate() {
        match parse(i, item) {
            Ok(r) => rows.push(r),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() { Ok(rows) } else { Err(Error::rows(problems)) }
}

/// Every row's own problems (shape, email, locale…), for a preview that lists them all.
pub fn people_problems(rows: &[PersonInput]) -> Vec<RowProblem> {
    rows.iter().enumerate().filter_map(|(i, p)| parse_person(i, p).err()).collect()
}

pub fn customer_problems(rows: &[CustomerInput]) -> Vec<RowProblem> {
    rows.iter().enumerate().filter_map(|(i, c)| parse_customer(i, c).err()).collect()
}

/// Imports people; with `commit` false it checks everything against the database and rolls
/// back (the admin page's preview). A changed address is told to the old address and named in
/// the audit log (CONTRACT §10): re-pointing someone's email is how an insider would take over
/// their sign-in or their reviews, so it never happens silently. An administrator's address
/// changes only on the admin pages, never through an API key.
#[tracing::instrument(skip_all, fields(rows = input.len(), commit))]
pub async fn import_people(app: &App, actor: &Actor, input: &[PersonInput], commit: bool) -> Result<UpsertCounts> {
    let rows = parse_all(input, parse_person)?;
    no_duplicates("person id", rows.iter().map(|p| p.id.as_str()))?;
    no_duplicates("email", rows.iter().map(|p| p.email.as_str()))?;
    let mut tx = app.db.begin().await?;
    check_people(&mut tx, &rows).await?;
    let ids: Vec<String> = rows.iter().map(|p| p.id.clone()).collect();
    let existing = directory::people_by_id(&mut tx, &ids).await?;
    let admins: HashSet<String> = directory::admin_ids(&mut tx, &ids).await?.into_iter().collect();
    let now = time::now();
    let mut counts = UpsertCounts::default();
    let links: Vec<(String, Option<String>)> = rows.iter().map(|p| (p.id.clone(), p.manager_id.clone())).collect();
    let (mut left, mut moved, mut notices, mut touched) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in orgchart::managers_first(&links) {
        let p = &rows[i];
        match existing.get(&p.id) {
            None => {
                directory::insert_person(&mut tx, p, now).await.map_err(|e| email_conflict(i, p, e))?;
                counts.created += 1;
                touched.push(p.id.as_str());
            }
            Some(old) if old == p => counts.unchanged += 1,
            Some(old) => {
                if old.email != p.email && admins.contains(&p.id) && matches!(actor, Actor::ApiKey(_)) {
                    return Err(Error::conflict(
                        "admin_email",
                        format!(
                            "person {:?} is an administrator: their email address changes only on the admin pages",
                            p.id
                        ),
                    )
                    .naming(&p.id));
                }
                directory::update_person(&mut tx, p, now).await.map_err(|e| email_conflict(i, p, e))?;
                counts.updated += 1;
                touched.push(p.id.as_str());
                if old.active && !p.active {
                    left.push(p.id.clone());
                }
                if old.email != p.email {
                    moved.push(p.id.clone());
                    notices.push(AddressChanged {
                        to: old.email.clone(),
                        name: old.name.clone(),
                        locale: old.locale.clone(),
                    });
                }
            }
        }
    }
    // Someone who left takes part in nothing open; a sign-in stays with the address it was
    // sent to, so a changed address ends the sessions opened through the old one.
    directory::revoke_open_invitations(&mut tx, &left, now).await?;
    crate::db::sessions::end_for(&mut tx, &[left.as_slice(), moved.as_slice()].concat()).await?;
    if !commit {
        tx.rollback().await?;
        return Ok(counts);
    }
    crate::db::outbox::queue_address_notices(&mut tx, &notices, now).await?;
    for id in &moved {
        audit::write(&mut tx, actor, AuditAction::EmailChanged, Target::Person(id), "the old address was told").await?;
    }
    for id in &left {
        audit::write(&mut tx, actor, AuditAction::Deactivated, Target::Person(id), "").await?;
    }
    audit::write(&mut tx, actor, AuditAction::ImportPeople, Target::People, &import_detail(&counts, &touched)).await?;
    tx.commit().await?;
    if !notices.is_empty() {
        app.wake_outbox();
    }
    tracing::info!(created = counts.created, updated = counts.updated, "people imported");
    Ok(counts)
}

/// An import's audit detail: its counts and the ids it created or changed (the first 50), so
/// a person invented or edited through the directory is named in the log.
fn import_detail(counts: &UpsertCounts, touched: &[&str]) -> String {
    const SHOWN: usize = 50;
    let mut ids = touched.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if touched.len() > SHOWN {
        ids.push_str(&format!(" and {} more", touched.len() - SHOWN));
    }
    if ids.is_empty() { counts.summary() } else { format!("{}: {ids}", counts.summary()) }
}

/// Every address stays one person's; the org chart names only known managers and stays a tree.
async fn check_people(tx: &mut crate::db::Tx, rows: &[PersonRow]) -> Result<()> {
    let emails: Vec<String> = rows.iter().map(|p| p.email.clone()).collect();
    let owners = directory::email_owners(tx, &emails).await?;
    let in_batch: HashMap<&str, usize> = rows.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    for (i, p) in rows.iter().enumerate() {
        if let Some(owner) = owners.get(&p.email)
            && owner != &p.id
            && !in_batch.contains_key(owner.as_str())
        {
            return Err(
                RowProblem::conflict(i, &p.id, "email_taken", "this email address belongs to another person").into()
            );
        }
    }
    let mut chart = directory::manager_map(tx).await?;
    for p in rows {
        chart.insert(p.id.clone(), p.manager_id.clone());
    }
    for (i, p) in rows.iter().enumerate() {
        if let Some(m) = &p.manager_id
            && !chart.contains_key(m)
        {
            return Err(RowProblem::conflict(
                i,
                &p.id,
                "unknown_manager",
                format!("manager {m:?} is not a known person"),
            )
            .into());
        }
    }
    let ids: Vec<String> = rows.iter().map(|p| p.id.clone()).collect();
    if let Some(cycle) = orgchart::find_cycle(&chart, &ids) {
        return Err(Error::conflict(
            "management_cycle",
            format!("these people would manage each other: {}", cycle.join(" → ")),
        )
        .naming(cycle.join(" → ")));
    }
    Ok(())
}

/// Two people swapping addresses in one batch can still collide on the unique index.
fn email_conflict(i: usize, p: &PersonRow, e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            RowProblem::conflict(i, &p.id, "email_taken", "this email address belongs to another person").into()
        }
        _ => e.into(),
    }
}

/// Imports customers (a preview with `commit` false). A customer asked for an anonymous review
/// in an open cycle whose address changes is told at the old address, and the change is named
/// in the audit log: their review stays with the address it was sent to.
#[tracing::instrument(skip_all, fields(rows = input.len(), commit))]
pub async fn import_customers(app: &App, actor: &Actor, input: &[CustomerInput], commit: bool) -> Result<UpsertCounts> {
    let rows = parse_all(input, parse_customer)?;
    no_duplicates("customer id", rows.iter().map(|c| c.id.as_str()))?;
    let mut tx = app.db.begin().await?;
    let owners: Vec<String> = rows.iter().filter_map(|c| c.owner_id.clone()).collect();
    let known = directory::existing_person_ids(&mut tx, &owners).await?;
    for (i, c) in rows.iter().enumerate() {
        if let Some(o) = &c.owner_id
            && !known.contains(o)
        {
            return Err(
                RowProblem::conflict(i, &c.id, "unknown_owner", format!("owner {o:?} is not a known person")).into()
            );
        }
    }
    let ids: Vec<String> = rows.iter().map(|c| c.id.clone()).collect();
    let existing = directory::customers_by_id(&mut tx, &ids).await?;
    let now = time::now();
    let mut counts = UpsertCounts::default();
    let (mut moved, mut touched) = (Vec::new(), Vec::new());
    for c in &rows {
        match existing.get(&c.id) {
            Some(old) if old == c => counts.unchanged += 1,
            found => {
                directory::upsert_customer(&mut tx, c, now).await?;
                touched.push(c.id.as_str());
                if found.is_some() {
                    counts.updated += 1
                } else {
                    counts.created += 1
                }
                if let Some(old) = found.filter(|old| old.email.is_some() && old.email != c.email) {
                    moved.push(old);
                }
            }
        }
    }
    if !commit {
        tx.rollback().await?;
        return Ok(counts);
    }
    let moved_ids: Vec<String> = moved.iter().map(|c| c.id.clone()).collect();
    let asked: HashSet<String> =
        directory::customers_in_open_anonymous(&mut tx, &moved_ids).await?.into_iter().collect();
    let notices: Vec<AddressChanged> = moved
        .iter()
        .filter(|c| asked.contains(&c.id))
        .map(|c| AddressChanged {
            to: c.email.clone().unwrap_or_default(),
            name: c.name.clone(),
            locale: c.locale.clone(),
        })
        .collect();
    crate::db::outbox::queue_address_notices(&mut tx, &notices, now).await?;
    for id in moved_ids.iter().filter(|id| asked.contains(*id)) {
        audit::write(&mut tx, actor, AuditAction::EmailChanged, Target::Customer(id), "the old address was told")
            .await?;
    }
    audit::write(&mut tx, actor, AuditAction::ImportCustomers, Target::Customers, &import_detail(&counts, &touched))
        .await?;
    tx.commit().await?;
    if !notices.is_empty() {
        app.wake_outbox();
    }
    tracing::info!(created = counts.created, updated = counts.updated, "customers imported");
    Ok(counts)
}

/// One page of the directory, by id: what `GET /api/v1/people` and `/customers` return.
pub struct Page<T> {
    pub items: Vec<T>,
    /// The id to pass as `after` for the next page; none on the last.
    pub next: Option<String>,
}

/// Rows per page when the caller names no limit, and at most.
pub const PAGE_DEFAULT: usize = 500;
pub const PAGE_MAX: usize = 5_000;

fn page_limit(limit: Option<usize>) -> Result<usize> {
    match limit.unwrap_or(PAGE_DEFAULT) {
        n @ 1..=PAGE_MAX => Ok(n),
        _ => Err(Error::invalid("invalid_limit", format!("limit is 1 to {PAGE_MAX}"))),
    }
}

/// Where a page starts: after an id (`next` of the page before), or at the start.
fn page_after(after: Option<&str>) -> Result<&str> {
    match after.unwrap_or("") {
        "" => Ok(""),
        id => ExternalId::parse(id).map(|_| id).map_err(|e| Error::invalid("invalid_after", e)),
    }
}

fn paged<T>(mut items: Vec<T>, limit: usize, id: impl Fn(&T) -> String) -> Page<T> {
    let next = (items.len() > limit).then(|| {
        items.truncate(limit);
        items.last().map(&id).unwrap_or_default()
    });
    Page { items, next }
}

/// People after `after` (by id), `limit` at most (default 500).
pub async fn people(app: &App, after: Option<&str>, limit: Option<usize>) -> Result<Page<PersonRow>> {
    let limit = page_limit(limit)?;
    let rows = directory::people_after(&app.db.pool, page_after(after)?, limit + 1).await?;
    Ok(paged(rows, limit, |p| p.id.clone()))
}

/// Customers after `after` (by id), `limit` at most (default 500).
pub async fn customers(app: &App, after: Option<&str>, limit: Option<usize>) -> Result<Page<CustomerRow>> {
    let limit = page_limit(limit)?;
    let rows = directory::customers_after(&app.db.pool, page_after(after)?, limit + 1).await?;
    Ok(paged(rows, limit, |c| c.id.clone()))
}

/// Keeps a previewed CSV import for its confirmation; returns the id to confirm it by.
pub async fn stage_import(app: &App, person: &str, kind: &str, csv: &str) -> Result<String> {
    let id = crate::domain::token::random_id();
    crate::db::imports::stage(&app.db, &id, person, kind, csv, time::now()).await?;
    Ok(id)
}

/// The staged import (kind, csv) that this person previewed, if still there.
pub async fn staged_import(app: &App, person: &str, id: &str) -> Result<(String, String)> {
    crate::db::imports::staged(&app.db, id, person, time::now())
        .await?
        .ok_or_else(|| Error::conflict("import_expired", "this preview has expired; upload the file again"))
}

pub async fn forget_import(app: &App, id: &str) -> Result<()> {
    Ok(crate::db::imports::forget(&app.db, id).await?)
}
