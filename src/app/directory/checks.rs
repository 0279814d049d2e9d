//! What an import's rows are checked against: each other (an id or address listed twice) and
//! what is stored (another person's address, an unknown manager or owner). Every row's problems
//! are found, not only the first, so a preview can mark each refused row.
use super::rows::{CustomerInput, PersonInput, parse_customer, parse_person};
use crate::app::{App, Error, Result, RowProblem};
use crate::db::directory;
use crate::domain::directory::{Customer as CustomerRow, Person as PersonRow};
use crate::domain::orgchart;
use std::collections::{HashMap, HashSet};

/// Problems of rows that do not fit what is stored: first every address of another person,
/// then every unknown manager (so the API, which says the first, says what it said before).
pub(super) async fn people_conflicts(tx: &mut crate::db::Tx, rows: &[PersonRow]) -> Result<Vec<RowProblem>> {
    let emails: Vec<String> = rows.iter().map(|p| p.email.clone()).collect();
    let owners = directory::email_owners(tx, &emails).await?;
    let in_batch: HashSet<&str> = rows.iter().map(|p| p.id.as_str()).collect();
    let mut problems: Vec<RowProblem> = rows
        .iter()
        .enumerate()
        .filter(|(_, p)| owners.get(&p.email).is_some_and(|o| o != &p.id && !in_batch.contains(o.as_str())))
        .map(|(i, p)| RowProblem::conflict(i, &p.id, "email_taken", "this email address belongs to another person"))
        .collect();
    let chart = chart_with(tx, rows).await?;
    problems.extend(rows.iter().enumerate().filter_map(|(i, p)| {
        let m = p.manager_id.as_ref().filter(|m| !chart.contains_key(*m))?;
        Some(RowProblem::conflict(i, &p.id, "unknown_manager", format!("manager {m:?} is not a known person")))
    }));
    Ok(problems)
}

/// The stored org chart with these rows in it.
async fn chart_with(tx: &mut crate::db::Tx, rows: &[PersonRow]) -> Result<HashMap<String, Option<String>>> {
    let mut chart = directory::manager_map(tx).await?;
    for p in rows {
        chart.insert(p.id.clone(), p.manager_id.clone());
    }
    Ok(chart)
}

/// Every address stays one person's; the org chart names only known managers and stays a tree.
pub(super) async fn check_people(tx: &mut crate::db::Tx, rows: &[PersonRow]) -> Result<()> {
    let problems = people_conflicts(tx, rows).await?;
    if !problems.is_empty() {
        return Err(Error::rows(problems));
    }
    let chart = chart_with(tx, rows).await?;
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

/// Every customer whose owner is not a known person.
pub(super) async fn customer_conflicts(tx: &mut crate::db::Tx, rows: &[CustomerRow]) -> Result<Vec<RowProblem>> {
    let owners: Vec<String> = rows.iter().filter_map(|c| c.owner_id.clone()).collect();
    let known = directory::existing_person_ids(tx, &owners).await?;
    Ok(rows
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let o = c.owner_id.as_ref().filter(|o| !known.contains(*o))?;
            Some(RowProblem::conflict(i, &c.id, "unknown_owner", format!("owner {o:?} is not a known person")))
        })
        .collect())
}

/// Each repeat of a value already seen on an earlier row, as a problem with `code`.
fn repeats<'a>(
    values: impl Iterator<Item = (usize, &'a str, &'a str)>,
    code: &'static str,
    what: &str,
) -> Vec<RowProblem> {
    let mut seen = HashSet::new();
    values
        .filter(|(_, _, v)| !seen.insert(*v))
        .map(|(i, id, v)| RowProblem::invalid(i, id, code, format!("{what} {v:?} is listed twice")))
        .collect()
}

/// The rows that parse, each with its position in the input; the others' problems.
fn parsed<I, R>(
    input: &[I],
    parse: impl Fn(usize, &I) -> std::result::Result<R, RowProblem>,
) -> (Vec<(usize, R)>, Vec<RowProblem>) {
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    for (i, item) in input.iter().enumerate() {
        match parse(i, item) {
            Ok(r) => rows.push((i, r)),
            Err(p) => problems.push(p),
        }
    }
    (rows, problems)
}

/// Problems found on the parsed rows, numbered as the input numbers them.
fn renumbered(found: Vec<RowProblem>, at: &[usize]) -> impl Iterator<Item = RowProblem> + '_ {
    found.into_iter().map(|p| RowProblem { index: at[p.index], ..p })
}

/// Every problem of an import of people, each on its row, ordered by row: what a preview marks.
/// Nothing is written. An empty list means only a check of the whole batch (a management
/// cycle) can still refuse it.
pub async fn people_import_problems(app: &App, input: &[PersonInput]) -> Result<Vec<RowProblem>> {
    let (rows, mut problems) = parsed(input, parse_person);
    let at: Vec<usize> = rows.iter().map(|(i, _)| *i).collect();
    let rows: Vec<PersonRow> = rows.into_iter().map(|(_, r)| r).collect();
    problems.extend(repeats(rows.iter().enumerate().map(|(i, p)| (at[i], &*p.id, &*p.id)), "duplicate_id", "id"));
    let emails = rows.iter().enumerate().map(|(i, p)| (at[i], &*p.id, &*p.email));
    problems.extend(repeats(emails, "duplicate_email", "email"));
    let mut tx = app.db.begin().await?;
    let conflicts = people_conflicts(&mut tx, &rows).await?;
    tx.rollback().await?;
    problems.extend(renumbered(conflicts, &at));
    problems.sort_by_key(|p| p.index);
    Ok(problems)
}

/// The same for an import of customers.
pub async fn customer_import_problems(app: &App, input: &[CustomerInput]) -> Result<Vec<RowProblem>> {
    let (rows, mut problems) = parsed(input, parse_customer);
    let at: Vec<usize> = rows.iter().map(|(i, _)| *i).collect();
    let rows: Vec<CustomerRow> = rows.into_iter().map(|(_, r)| r).collect();
    problems.extend(repeats(rows.iter().enumerate().map(|(i, c)| (at[i], &*c.id, &*c.id)), "duplicate_id", "id"));
    let mut tx = app.db.begin().await?;
    let conflicts = customer_conflicts(&mut tx, &rows).await?;
    tx.rollback().await?;
    problems.extend(renumbered(conflicts, &at));
    problems.sort_by_key(|p| p.index);
    Ok(problems)
}
