//! The rows of a batch of submissions, written in a constant number of statements whose text
//! never changes: each table's rows go in as one JSON array, unpacked by the database
//! (`json_each` on SQLite, `json_array_elements` on PostgreSQL). Prepared once and cached,
//! they bind one value each, however many rows a batch has; on SQLite they, the marking of
//! the invitations answered and the commit run in one call to the database's thread.
use super::Backend;
use super::json_rows::{Columns, insert_sql};
use super::responses::{NewResponse, answered_sql};
use serde_json::{Value, json};
use sqlx::Executor;

const RESPONSES: Columns = Columns {
    table: "responses",
    names: &["id", "cycle_id", "survey_id", "subject_id", "relation", "submitted_on", "invitation_id"],
    casts: &["", "", "", "", "", "", "::bigint"],
};
const ANSWERS: Columns = Columns {
    table: "answers",
    names: &["response_id", "question_id", "value", "text"],
    casts: &["", "", "::bigint", ""],
};
const SCORES: Columns = Columns {
    table: "response_scores",
    names: &[
        "cycle_id",
        "subject_id",
        "indicator",
        "relation",
        "anonymous",
        "response_id",
        "value",
        "scale_n",
        "top_two",
        "nps_n",
        "promoters",
        "detractors",
    ],
    casts: &[
        "",
        "",
        "",
        "",
        "::boolean",
        "",
        "::double precision",
        "::bigint",
        "::bigint",
        "::bigint",
        "::bigint",
        "::bigint",
    ],
};
const SEALED: Columns = Columns {
    table: "sealed_responses",
    names: &["id", "cycle_id", "sealed", "tail_id"],
    casts: &["", "", "", "::bigint"],
};
const SEALED_TAILS: Columns = Columns { table: "sealed_tails", names: &["id", "tail"], casts: &["::bigint", ""] };

/// The drafts of the answered invitations go with their answers.
fn delete_drafts_sql(backend: Backend, param: &str) -> String {
    match backend {
        Backend::Sqlite => format!("DELETE FROM drafts WHERE invitation_id IN (SELECT value FROM json_each({param}))"),
        Backend::Postgres => format!(
            "DELETE FROM drafts WHERE invitation_id IN (SELECT (json_array_elements_text({param}::json))::bigint)"
        ),
    }
}

/// The JSON arrays of responses, answers and per-indicator values of `rows` (each with its id).
fn tables(rows: &[(NewResponse<'_>, String)], day: &str) -> [Value; 3] {
    let (mut responses, mut answers, mut scores) = (Vec::new(), Vec::new(), Vec::new());
    for (r, id) in rows {
        let invitation = (!r.anonymous).then_some(r.invitation_id);
        responses.push(json!([id, r.cycle_id, r.survey_id, r.subject_id, r.relation, day, invitation]));
        answers.extend(r.answers.iter().map(|a| json!([id, a.question_id, a.value, a.text])));
        scores.extend(r.values.iter().map(|v| {
            json!([
                r.cycle_id,
                r.subject_id,
                v.indicator,
                r.relation,
                r.anonymous,
                id,
                v.value,
                v.scale_n,
                v.top_two,
                v.nps_n,
                v.promoters,
                v.detractors
            ])
        }));
    }
    [Value::Array(responses), Value::Array(answers), Value::Array(scores)]
}

/// Stores `rows` (responses with their answers and values, in the order given) and `sealed`
/// records (id, cycle, both parts), deletes the drafts of the `answered` invitations, and
/// commits the transaction [`super::submissions::begin_and_lookup`] opened.
///
/// On SQLite the same call also marks the `answered` invitations answered: that lookup ran
/// under the write lock this transaction holds, so what it found live is still live, and
/// nothing is claimed in a call of its own (on PostgreSQL [`super::submissions::claim_many`]
/// took them before). The database's thread stops at the first statement that fails, so the
/// commit runs only after every row went in. After an error the transaction's state is
/// unknown: the caller closes the connection.
pub async fn write_and_commit(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    rows: &[(NewResponse<'_>, String)],
    sealed: &[(String, &str, super::sealed::Stored)],
    day: &str,
    answered: &[i64],
) -> Result<(), sqlx::Error> {
    let [responses, answers, scores] = tables(rows, day);
    let tail_id = |id: &str, record: &super::sealed::Stored| record.tail.as_ref().map(|_| super::sealed::tail_id(id));
    let tails = sealed.iter().filter_map(|(id, _, r)| Some(json!([tail_id(id, r)?, r.tail.as_ref()?]))).collect();
    let sealed = sealed.iter().map(|(id, cycle, r)| json!([id, cycle, r.head, tail_id(id, r)])).collect();
    let values = [responses, answers, scores, Value::Array(sealed), Value::Array(tails), json!(answered)];
    // SQLite runs them in one call, numbering the values across them; PostgreSQL prepares
    // one statement at a time, each taking its own value as `$1`.
    let param = |i: usize| match backend {
        Backend::Sqlite => format!("${i}"),
        Backend::Postgres => "$1".to_string(),
    };
    let statements = [
        insert_sql(backend, &RESPONSES, &param(1)),
        insert_sql(backend, &ANSWERS, &param(2)),
        insert_sql(backend, &SCORES, &param(3)),
        insert_sql(backend, &SEALED, &param(4)),
        insert_sql(backend, &SEALED_TAILS, &param(5)),
        delete_drafts_sql(backend, &param(6)),
    ];
    match backend {
        Backend::Sqlite => {
            let mark = answered_sql("IN (SELECT value FROM json_each($6))", "$7");
            let sql = format!("{mark}; {}; COMMIT", statements.join("; "));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for v in values {
                q = q.bind(v.to_string());
            }
            q.bind(day).execute(&mut *conn).await?;
        }
        Backend::Postgres => {
            for (sql, v) in statements.into_iter().zip(values) {
                if v.as_array().is_some_and(|rows| !rows.is_empty()) {
                    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(v.to_string()).execute(&mut *conn).await?;
                }
            }
            conn.execute("COMMIT").await?;
        }
    }
    Ok(())
}
