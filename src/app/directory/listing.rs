//! Reading the directory page by page, and the CSV imports an admin previewed and has yet to
//! confirm.
use crate::app::{App, Error, Result};
use crate::db::directory;
use crate::domain::directory::{Customer as CustomerRow, Person as PersonRow};
use crate::domain::{ExternalId, time};

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
