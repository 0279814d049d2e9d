//! The outbox: emails to send, written in the same transaction as what caused them.
//! Rows hold ids only; the worker mints each link when it builds the email.
use super::{Backend, Db, Tx, json_rows, placeholders};
use sqlx::Row;

/// What an outbox row carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invitation,
    Reminder,
    Login,
    Webhook,
    /// Asks a subject to choose their reviewers (payload: the cycle id).
    Nomination,
    /// Tells a subject their report is out (payload: the cycle id).
    Results,
    /// Tells an old address that it was replaced (payload: [`AddressChanged`] as JSON).
    AddressChanged,
    /// Tells a person of a step in the review loop (payload: `app::notices::Notice` as JSON).
    Notice,
}

/// The payload of an [`Kind::AddressChanged`] notice: the address it goes to is no longer in
/// the directory, so the row carries it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AddressChanged {
    pub to: String,
    pub name: String,
    pub locale: Option<String>,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Reminder => "reminder",
            Kind::Login => "login",
            Kind::Webhook => "webhook",
            Kind::Nomination => "nomination",
            Kind::Results => "results",
            Kind::AddressChanged => "address_changed",
            Kind::Notice => "notice",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        [
            Kind::Invitation,
            Kind::Reminder,
            Kind::Login,
            Kind::Webhook,
            Kind::Nomination,
            Kind::Results,
            Kind::AddressChanged,
            Kind::Notice,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }
}

/// Where a row ends: `sent`, `failed` (refused for good) or `skipped` (no longer wanted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Final {
    Sent,
    Failed,
    Skipped,
}

impl Final {
    pub fn as_str(self) -> &'static str {
        match self {
            Final::Sent => "sent",
            Final::Failed => "failed",
            Final::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    /// `None` for a kind this version does not know (written by a newer one).
    pub kind: Option<Kind>,
    pub invitation_id: Option<i64>,
    pub person_id: Option<String>,
    pub webhook_id: Option<String>,
    pub payload: Option<String>,
    pub attempts: i64,
}

/// Queues one email of `kind` per group of invitations (one respondent's), not before
/// `not_before_ms`. Each row names its group's first invitation; `outbox_items` lists them all.
pub async fn queue(
    tx: &mut Tx,
    kind: Kind,
    groups: &[Vec<i64>],
    not_before_ms: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let groups: Vec<&Vec<i64>> = groups.iter().filter(|g| !g.is_empty()).collect();
    let rows = groups.iter().map(|g| serde_json::json!([kind.as_str(), g[0], not_before_ms, now, "pending"])).collect();
    let new = json_rows::insert_returning(tx, &NEW_EMAIL, rows, "", &["id", "invitation_id"]).await?;
    let mut lead_to_outbox = std::collections::HashMap::with_capacity(new.len());
    for row in new {
        lead_to_outbox.insert(json_rows::int(&row, 1)?, json_rows::int(&row, 0)?);
    }
    let mut items = Vec::new();
    for g in groups {
        if let Some(&outbox_id) = lead_to_outbox.get(&g[0]) {
            items.extend(g.iter().map(|&inv| serde_json::json!([outbox_id, inv])));
        }
    }
    json_rows::insert(tx, &EMAIL_ITEM, items).await
}

/// The columns of a queued invitation email, and of the invitations it carries.
const NEW_EMAIL: json_rows::Columns = json_rows::Columns {
    table: "outbox",
    names: &["kind", "invitation_id", "next_attempt_ms", "created_at", "status"],
    casts: &["", "::bigint", "::bigint", "::bigint", ""],
};
const EMAIL_ITEM: json_rows::Columns = json_rows::Columns {
    table: "outbox_items",
    names: &["outbox_id", "invitation_id"],
    casts: &["::bigint", "::bigint"],
};

/// Queues one "your address was changed" notice per entry, to the old address.
pub async fn queue_address_notices(tx: &mut Tx, notices: &[AddressChanged], now: i64) -> Result<(), sqlx::Error> {
    for n in notices {
        let payload = serde_json::to_string(n).map_err(|e| sqlx::Error::Encode(e.into()))?;
        sqlx::query(
            "INSERT INTO outbox (kind, payload, status, attempts, next_attempt_ms, created_at) \
             VALUES ('address_changed', $1, 'pending', 0, $2, $3)",
        )
        .bind(payload)
        .bind(now * 1000)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Queues one notice to an active person (none to someone who left).
pub async fn queue_notice(tx: &mut Tx, person: &str, payload: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (kind, person_id, payload, status, attempts, next_attempt_ms, created_at) \
         SELECT 'notice', p.id, $2, 'pending', 0, $3, $4 FROM people p WHERE p.id = $1 AND p.active = TRUE",
    )
    .bind(person)
    .bind(payload)
    .bind(now * 1000)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves `ids` from the email `from` to a new email of the same kind, due now: the reviews of
/// one respondent that go to another address (CONTRACT §10) get an email of their own.
pub async fn split_off(db: &Db, from: i64, kind: Kind, ids: &[i64], now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for chunk in ids.chunks(super::MAX_BINDS - 1) {
        let sql = format!(
            "DELETE FROM outbox_items WHERE outbox_id = $1 AND invitation_id IN {}",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *tx).await?;
    }
    queue(&mut tx, kind, &[ids.to_vec()], now * 1000, now).await?;
    tx.commit().await
}

/// The invitations each of these emails carries, by email.
pub async fn items_of(db: &Db, outbox_ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<i64>>, sqlx::Error> {
    let sql = format!(
        "SELECT outbox_id, invitation_id FROM outbox_items WHERE outbox_id IN {} ORDER BY outbox_id, invitation_id",
        super::json_values(db.backend, "$1", "bigint")
    );
    let ids = serde_json::to_string(outbox_ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let rows = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql)).bind(ids).fetch_all(&db.pool).await?;
    let mut out: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for (outbox_id, invitation_id) in rows {
        out.entry(outbox_id).or_default().push(invitation_id);
    }
    Ok(out)
}

/// Emails of invitations a launch still running wrote wait for it to finish (`db::runs`). With
/// no run under way (nearly always) the check is one look at `cycle_runs`, not one lookup of an
/// invitation per email: counting a backlog of 100,000 for the metrics took 18 ms.
const PUBLISHED: &str = "(invitation_id IS NULL OR NOT EXISTS (SELECT 1 FROM cycle_runs) \
                         OR NOT EXISTS (SELECT 1 FROM invitations pi JOIN cycle_runs pr \
                         ON pr.run = pi.launch_run WHERE pi.id = outbox.invitation_id))";

/// Claims up to `limit` due rows for `lease_ms`: a worker that dies leaves them to be claimed
/// again once the lease runs out. PostgreSQL skips rows another instance is claiming.
pub async fn claim_due(db: &Db, now_ms: i64, lease_ms: i64, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    // Look before writing: on SQLite the UPDATE takes the write lock even when nothing is due,
    // and the worker polls every second while respondents submit.
    let due: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_ms <= $1 AND {PUBLISHED} LIMIT 1) AS d"
    )))
    .bind(now_ms)
    .fetch_one(&db.pool)
    .await?;
    if due == 0 {
        return Ok(Vec::new());
    }
    let lock = match db.backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET next_attempt_ms = $2, attempts = attempts + 1 WHERE id IN \
         (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_ms <= $1 AND {PUBLISHED} \
          ORDER BY next_attempt_ms, id LIMIT $3{lock}) \
         RETURNING id, kind, invitation_id, person_id, webhook_id, payload, attempts"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now_ms)
        .bind(now_ms + lease_ms)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("id")?,
                kind: Kind::parse(&r.try_get::<String, _>("kind")?),
                invitation_id: r.try_get("invitation_id")?,
                person_id: r.try_get("person_id")?,
                webhook_id: r.try_get("webhook_id")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

/// What a round settles for one row: where it ends, or when it is tried again.
#[derive(Debug, Clone, Copy)]
pub enum Settle<'a> {
    Final(Final, Option<&'a str>),
    /// The next attempt's time (unix ms), and why this one failed.
    Retry(i64, &'a str),
}

/// Records how each row of a round went, in one transaction: one commit for the round rather
/// than one per email, which on SQLite is most of what sending costs.
pub async fn settle(db: &Db, rows: &[(i64, Settle<'_>)], now: i64) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    // Most of a round was sent: those rows in one statement.
    let is_sent = |s: &Settle<'_>| matches!(s, Settle::Final(Final::Sent, None));
    let sent: Vec<i64> = rows.iter().filter(|(_, s)| is_sent(s)).map(|(id, _)| *id).collect();
    if !sent.is_empty() {
        let list = serde_json::to_string(&sent).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let sql = format!(
            "UPDATE outbox SET status = 'sent', last_error = NULL, sent_at = $2 WHERE id IN {}",
            super::json_values(db.backend, "$1", "bigint")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(list).bind(now).execute(&mut *tx).await?;
    }
    for (id, s) in rows.iter().filter(|(_, s)| !is_sent(s)) {
        match *s {
            Settle::Final(status, error) => {
                sqlx::query(
                    "UPDATE outbox SET status = $2, last_error = $3, \
                     sent_at = CASE WHEN $2 = 'sent' THEN $4 ELSE NULL END WHERE id = $1",
                )
                .bind(id)
                .bind(status.as_str())
                .bind(error)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            Settle::Retry(next_ms, error) => {
                sqlx::query("UPDATE outbox SET next_attempt_ms = $2, last_error = $3 WHERE id = $1")
                    .bind(id)
                    .bind(next_ms)
                    .bind(error)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await
}

/// Rows waiting to be sent (due or not), and the due time of the longest-overdue one, for the
/// metrics: `(pending, Some(oldest due, unix ms))`. Rows being sent are leased into the future,
/// so they are not overdue.
pub async fn backlog(db: &Db, now_ms: i64) -> Result<(i64, Option<i64>), sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS pending, MIN(CASE WHEN next_attempt_ms <= $1 THEN next_attempt_ms END) AS oldest \
         FROM outbox WHERE status = 'pending' AND {PUBLISHED}"
    )))
    .bind(now_ms)
    .fetch_one(&db.pool)
    .await?;
    Ok((row.try_get("pending")?, row.try_get("oldest")?))
}
