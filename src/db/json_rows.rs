//! Many rows in one statement: the rows go in as one JSON array bound as one value, unpacked by
//! the database (`jsonb_each` on SQLite, `json_array_elements` on PostgreSQL), and what the
//! caller needs back of the new rows comes back as one JSON array in one row. A statement of
//! a thousand rows then costs one bind and one row across sqlx's channel to SQLite's thread,
//! not ten thousand binds (looked up by name on SQLite) and a thousand rows sent one by one.
use super::{Backend, backend_of};
use serde_json::Value;
use sqlx::AnyConnection;
use sqlx::Row;

/// A table's columns, and how PostgreSQL reads each from JSON text (`::bigint`, or `""` for
/// text); SQLite takes the JSON values as they are.
pub struct Columns {
    pub table: &'static str,
    pub names: &'static [&'static str],
    pub casts: &'static [&'static str],
}

/// `INSERT INTO table (…) SELECT … FROM` the rows of the JSON array bound as `param`.
pub(super) fn insert_sql(backend: Backend, c: &Columns, param: &str) -> String {
    let (values, source): (Vec<String>, String) = match backend {
        Backend::Sqlite => {
            // `jsonb_each`: each row comes out as JSONB, which `->>` reads as it is; `json_each`
            // gave each row back as JSON text that every `->>` parsed again (unpacking 82,500
            // rows: 0.13 s against 0.20–0.21 s in SQLite 3.51).
            ((0..c.casts.len()).map(|i| format!("value ->> {i}")).collect(), format!("jsonb_each({param})"))
        }
        Backend::Postgres => (
            c.casts.iter().enumerate().map(|(i, cast)| format!("(e ->> {i}){cast}")).collect(),
            format!("json_array_elements({param}::json) e"),
        ),
    };
    // `WHERE true`: SQLite would read an `ON CONFLICT` after a bare `FROM` as a join's.
    format!("INSERT INTO {} ({}) SELECT {} FROM {source} WHERE true", c.table, c.names.join(", "), values.join(", "))
}

/// Inserts `rows` (each a JSON array of the columns' values) into a table whose key is
/// `id INTEGER PRIMARY KEY`, skipping those `on_conflict` names (`""` for none), and returns
/// the `returning` columns of each row inserted, in no set order.
///
/// SQLite returns no rows from an `INSERT` through one call: the new rows are those past the
/// largest id before it. The transaction holds the write lock (`BEGIN IMMEDIATE`), so they are
/// this statement's alone, and their count is checked against what it inserted.
pub async fn insert_returning(
    conn: &mut AnyConnection,
    c: &Columns,
    rows: Vec<Value>,
    on_conflict: &str,
    returning: &[&str],
) -> Result<Vec<Vec<Value>>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let json = Value::Array(rows).to_string();
    let cols = returning.join(", ");
    let found: Option<String> = match backend_of(conn) {
        Backend::Sqlite => {
            let before: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COALESCE(MAX(id), 0) FROM {}", c.table)))
                    .fetch_one(&mut *conn)
                    .await?;
            let sql = format!("{} {on_conflict}", insert_sql(Backend::Sqlite, c, "$1"));
            let inserted = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(json).execute(&mut *conn).await?.rows_affected();
            let sql = format!("SELECT json_group_array(json_array({cols})), COUNT(*) FROM {} WHERE id > $1", c.table);
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).fetch_one(&mut *conn).await?;
            let count: i64 = row.try_get(1)?;
            if u64::try_from(count).ok() != Some(inserted) {
                return Err(sqlx::Error::Protocol(format!("{}: {inserted} rows inserted, {count} found", c.table)));
            }
            row.try_get(0)?
        }
        Backend::Postgres => {
            let sql = format!(
                "WITH new AS ({} {on_conflict} RETURNING {cols}) SELECT json_agg(json_build_array({cols}))::text FROM new",
                insert_sql(Backend::Postgres, c, "$1")
            );
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(json).fetch_one(&mut *conn).await?
        }
    };
    match found {
        Some(json) => serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(e.into())),
        None => Ok(Vec::new()),
    }
}

/// Inserts `rows` as [`insert_returning`] does, returning nothing.
pub async fn insert(conn: &mut AnyConnection, c: &Columns, rows: Vec<Value>) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = insert_sql(backend_of(conn), c, "$1");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(Value::Array(rows).to_string()).execute(&mut *conn).await?;
    Ok(())
}

/// Column `i` of a returned row as an integer.
pub fn int(row: &[Value], i: usize) -> Result<i64, sqlx::Error> {
    row.get(i).and_then(Value::as_i64).ok_or_else(|| sqlx::Error::Decode(format!("column {i}: not an integer").into()))
}

/// Column `i` of a returned row as text.
pub fn text(row: &[Value], i: usize) -> Result<String, sqlx::Error> {
    row.get(i)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| sqlx::Error::Decode(format!("column {i}: not text").into()))
}

/// `SELECT columns rest` whose rows come back as one JSON array in one row, each row an array
/// of the columns (`rest` is the `FROM … WHERE …`, with no `GROUP BY`). For reads of many rows:
/// sqlx hands each row from SQLite's thread to the caller through a channel, a wake-up each,
/// and for the 200,000 values of a large closed cycle that cost more than reading them.
pub fn select_sql(backend: Backend, columns: &str, rest: &str) -> String {
    match backend {
        Backend::Sqlite => format!("SELECT json_group_array(json_array({columns})) {rest}"),
        Backend::Postgres => format!("SELECT COALESCE(json_agg(json_build_array({columns})), '[]')::text {rest}"),
    }
}

/// The rows of a [`select_sql`] query.
pub async fn fetch<'q>(
    conn: &mut AnyConnection,
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
) -> Result<Vec<Vec<Value>>, sqlx::Error> {
    let row = query.fetch_one(&mut *conn).await?;
    let json: String = row.try_get(0)?;
    serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// A floating-point column as text that reads back exactly: JSON from SQLite carries 15
/// significant digits of a REAL, one fewer than a double needs.
pub fn exact(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("printf('%!.17g', {column})"),
        Backend::Postgres => format!("{column}::text"),
    }
}

/// Column `i` of a returned row as a number: one selected as [`exact`] text, or a JSON number.
pub fn float(row: &[Value], i: usize) -> Result<f64, sqlx::Error> {
    let value = match row.get(i) {
        Some(Value::String(text)) => text.parse().ok(),
        Some(number) => number.as_f64(),
        None => None,
    };
    value.ok_or_else(|| sqlx::Error::Decode(format!("column {i}: not a number").into()))
}

/// Column `i` of a returned row as a flag: `true`/`false` from PostgreSQL, 1/0 from SQLite.
pub fn flag(row: &[Value], i: usize) -> Result<bool, sqlx::Error> {
    match row.get(i) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Number(n)) => n.as_i64().map(|v| v != 0),
        _ => None,
    }
    .ok_or_else(|| sqlx::Error::Decode(format!("column {i}: not a flag").into()))
}
