//! People (from HR) and customers (from the CRM): idempotent imports by the caller's ids.
//! Every row is checked before anything is stored; a refused batch stores nothing.
mod checks;
mod listing;
mod rows;

pub use checks::{customer_import_problems, people_import_problems};
pub use listing::{PAGE_DEFAULT, PAGE_MAX, Page, customers, forget_import, people, stage_import, staged_import};
pub use rows::{CustomerInput, PersonInput, customer_problems, people_problems};

use super::audit::{self, Actor, AuditAction, Target};
use super::{App, Error, Result, RowProblem, UpsertCounts, no_duplicates};
use crate::db::directory;
use crate::db::outbox::AddressChanged;
pub use crate::domain::directory::{Customer as CustomerRow, Person as PersonRow};
use crate::domain::{orgchart, time};
use rows::{parse_all, parse_customer, parse_person};
use std::collections::HashSet;

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
    checks::check_people(&mut tx, &rows).await?;
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
    let unknown = checks::customer_conflicts(&mut tx, &rows).await?;
    if !unknown.is_empty() {
        return Err(Error::rows(unknown));
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
