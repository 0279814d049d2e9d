//! Sign-in: login links (15 minutes, single use) and sessions (only hashes stored).
use super::Db;
use crate::domain::{Token, time};
use sqlx::Row;

pub use crate::domain::viewer::Viewer;

pub const LOGIN_LINK_SECONDS: i64 = 15 * 60;
pub const SESSION_SECONDS: i64 = 12 * 60 * 60;

/// The person an address belongs to, if any: (id, is_admin, active).
pub async fn person_by_email(db: &Db, email: &str) -> Result<Option<(String, bool, bool)>, sqlx::Error> {
    let row = sqlx::query("SELECT id, is_admin, active FROM people WHERE email = $1")
        .bind(email)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get("id")?, super::get_bool(&r, "is_admin")?, super::get_bool(&r, "active")?))).transpose()
}

/// Makes an admin of this address, creating an account for it when it belongs to nobody: an
/// account outside the org chart, never a subject nor a rater.
pub async fn ensure_admin(db: &Db, email: &str) -> Result<String, sqlx::Error> {
    if let Some((id, ..)) = person_by_email(db, email).await? {
        sqlx::query("UPDATE people SET is_admin = TRUE WHERE id = $1").bind(&id).execute(&db.pool).await?;
        return Ok(id);
    }
    let id = format!("admin-{}", &crate::domain::token::random_id()[..8]);
    let name = email.split('@').next().unwrap_or("admin").to_string();
    let now = time::now();
    sqlx::query(
        "INSERT INTO people (id, name, email, is_admin, org_member, created_at, updated_at) \
         VALUES ($1, $2, $3, TRUE, FALSE, $4, $4)",
    )
    .bind(&id)
    .bind(name)
    .bind(email)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// A fresh login link token for this person, valid for 15 minutes.
pub async fn mint_login_link(db: &Db, person_id: &str) -> Result<Token, sqlx::Error> {
    let token = Token::mint();
    let now = time::now();
    sqlx::query(
        "INSERT INTO links (token_hash, kind, person_id, expires_at, created_at) VALUES ($1, 'login', $2, $3, $4)",
    )
    .bind(token.hash())
    .bind(person_id)
    .bind(now + LOGIN_LINK_SECONDS)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// Whether a login link is live (unused, unexpired); GET shows the button only then.
pub async fn login_link_is_live(db: &Db, token: &Token) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM links WHERE token_hash = $1 AND kind = 'login' AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token.hash())
    .bind(time::now())
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Consumes a login link and opens a session; returns the session token, once.
pub async fn sign_in(db: &Db, link: &Token) -> Result<Option<Token>, sqlx::Error> {
    let now = time::now();
    let mut tx = db.begin().await?;
    let person: Option<String> = sqlx::query_scalar(
        "UPDATE links SET used_at = $2 WHERE token_hash = $1 AND kind = 'login' AND used_at IS NULL AND expires_at > $2 \
         RETURNING person_id",
    )
    .bind(link.hash())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(person) = person else {
        tx.rollback().await?;
        return Ok(None);
    };
    let session = insert_session(&mut tx, &person, now).await?;
    tx.commit().await?;
    Ok(Some(session))
}

/// A new session for a person whose identity provider vouched for them (OpenID Connect): the
/// same session as a sign-in link opens.
pub async fn open_session(db: &Db, person: &str) -> Result<Token, sqlx::Error> {
    let mut tx = db.begin().await?;
    let session = insert_session(&mut tx, person, time::now()).await?;
    tx.commit().await?;
    Ok(session)
}

async fn insert_session(tx: &mut super::Tx, person: &str, now: i64) -> Result<Token, sqlx::Error> {
    let session = Token::mint();
    sqlx::query(
        "INSERT INTO sessions (token_hash, person_id, csrf_token, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(session.hash())
    .bind(person)
    .bind(Token::mint().as_str())
    .bind(now + SESSION_SECONDS)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(session)
}

pub async fn viewer(db: &Db, session: &Token) -> Result<Option<Viewer>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.id, p.name, p.email, p.locale, p.is_admin, s.csrf_token, \
         EXISTS (SELECT 1 FROM people r WHERE r.manager_id = p.id AND r.active = TRUE) AS manages \
         FROM sessions s JOIN people p ON p.id = s.person_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.active = TRUE",
    )
    .bind(session.hash())
    .bind(time::now())
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok(Viewer {
            person_id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            locale: r.try_get("locale")?,
            is_admin: super::get_bool(&r, "is_admin")?,
            manages: super::get_bool(&r, "manages")?,
            csrf: r.try_get("csrf_token")?,
        })
    })
    .transpose()
}

/// (id, name, email) of every person with admin rights, by name.
pub async fn admins(db: &Db) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, email FROM people WHERE is_admin = TRUE ORDER BY name, id")
        .fetch_all(&db.pool)
        .await
}

/// Removes a person's admin rights; false when they had none.
pub async fn remove_admin(tx: &mut super::Tx, person: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE people SET is_admin = FALSE WHERE id = $1 AND is_admin = TRUE")
        .bind(person)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of one person; how many there were.
pub async fn end_sessions(tx: &mut super::Tx, person: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE person_id = $1").bind(person).execute(&mut **tx).await?;
    Ok(done.rows_affected())
}

/// Ends every session of these people (they left, or their address changed).
/// Ends these people's sessions and deletes their unused sign-in links: a link sent to an
/// address they no longer have must not sign anyone in as them.
pub async fn end_for(tx: &mut super::Tx, people: &[String]) -> Result<(), sqlx::Error> {
    for chunk in people.chunks(super::MAX_BINDS) {
        for table in
            ["DELETE FROM sessions WHERE person_id IN", "DELETE FROM links WHERE kind = 'login' AND person_id IN"]
        {
            let sql = format!("{table} {}", super::placeholders(1, chunk.len()));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id);
            }
            q.execute(&mut **tx).await?;
        }
    }
    Ok(())
}

pub async fn sign_out(db: &Db, session: &Token) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(session.hash()).execute(&db.pool).await.map(|_| ())
}

/// Name, email and locale of a person, for an email to them.
pub async fn contact(db: &Db, person_id: &str) -> Result<Option<(String, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as("SELECT name, email, locale FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(&db.pool)
        .await
}

/// Sign-in emails one person may be sent in [`LOGIN_EMAIL_WINDOW`] seconds.
pub const LOGIN_EMAILS_PER_WINDOW: i64 = 3;
pub const LOGIN_EMAIL_WINDOW: i64 = 15 * 60;

/// Queues a sign-in email for the person this address belongs to, unless they were sent
/// enough lately. Known and unknown addresses run the same statements in the same write
/// transaction (a no-op write stands in for the insert), so neither the time taken nor a
/// locked database tells them apart; returns whether an email was queued.
/// `next` (`me`, or none) says where the link leads after signing in.
pub async fn queue_login_if_known(db: &Db, email: &str, next: Option<&str>, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let person: Option<String> = sqlx::query_scalar("SELECT id FROM people WHERE email = $1 AND active = TRUE")
        .bind(email)
        .fetch_optional(&mut *tx)
        .await?;
    let recent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'login' AND person_id = $1 AND created_at > $2")
            .bind(person.as_deref().unwrap_or(""))
            .bind(now - LOGIN_EMAIL_WINDOW)
            .fetch_one(&mut *tx)
            .await?;
    let queue = person.is_some() && recent < LOGIN_EMAILS_PER_WINDOW;
    let sql = if queue {
        "INSERT INTO outbox (kind, person_id, status, attempts, next_attempt_ms, created_at, payload) \
         VALUES ('login', $1, 'pending', 0, $2, $3, $4)"
    } else {
        "UPDATE outbox SET attempts = attempts WHERE id = -1 AND person_id = $1 AND next_attempt_ms = $2 AND created_at = $3 \
         AND COALESCE(payload, '') = COALESCE($4, '')"
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(person.as_deref().unwrap_or(""))
        .bind(now * 1000)
        .bind(now)
        .bind(next)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(queue)
}

/// Queues a login email; the worker mints the link when it builds it.
pub async fn queue_login_email(db: &Db, person_id: &str) -> Result<(), sqlx::Error> {
    let now = time::now();
    sqlx::query(
        "INSERT INTO outbox (kind, person_id, status, attempts, next_attempt_ms, created_at) VALUES ('login', $1, 'pending', 0, $2, $3)",
    )
    .bind(person_id)
    .bind(now * 1000)
    .bind(now)
    .execute(&db.pool)
    .await
    .map(|_| ())
}
