//! A rater's reviews: what `/me` and the thanks page list, declining one, and fresh links.
use super::Tx;
use crate::domain::Relation;
pub use crate::domain::reviews::ReviewState;
use sqlx::Row;

/// One review a rater was asked for in an open cycle.
#[derive(Debug, Clone)]
pub struct Review {
    pub invitation_id: i64,
    pub cycle_id: String,
    pub cycle_title: String,
    pub cycle_title_i18n: std::collections::BTreeMap<String, String>,
    pub subject_id: String,
    pub subject_name: String,
    pub relation: Relation,
    pub state: ReviewState,
}

/// The reviews, each anonymous one marked `moved` unless it was sent to `reached` (an SQL
/// expression: the address the asking link went to, or NULL for the respondent's own address).
fn select(reached: &str) -> String {
    format!(
        "SELECT i.id, i.cycle_id, c.title, c.title_i18n, i.subject_id, p.name, i.relation, i.completed, i.declined, \
         ({} AND LOWER(COALESCE(i.sent_to, '')) <> LOWER(COALESCE({reached}, rp.email, rc.email, ''))) AS moved \
         FROM live_invitations i JOIN cycles c ON c.id = i.cycle_id JOIN people p ON p.id = i.subject_id \
         LEFT JOIN people rp ON rp.id = i.respondent_person_id \
         LEFT JOIN customers rc ON rc.id = i.respondent_customer_id \
         WHERE i.revoked = FALSE AND c.status = 'open' AND c.opens_at <= $2 AND c.closes_at > $2",
        super::ANONYMOUS_INVITATION
    )
}

fn review(r: &sqlx::any::AnyRow) -> Result<Review, sqlx::Error> {
    let relation: String = r.try_get("relation")?;
    // An anonymous review sent elsewhere says nothing of itself, not even whether it is done.
    let state = if super::get_bool(r, "moved")? {
        ReviewState::Elsewhere
    } else if super::get_bool(r, "completed")? {
        ReviewState::Done
    } else if super::get_bool(r, "declined")? {
        ReviewState::Declined
    } else {
        ReviewState::Open
    };
    Ok(Review {
        invitation_id: r.try_get("id")?,
        cycle_id: r.try_get("cycle_id")?,
        cycle_title: r.try_get("title")?,
        cycle_title_i18n: crate::domain::cycle::title_i18n_from_json(&r.try_get::<String, _>("title_i18n")?),
        subject_id: r.try_get("subject_id")?,
        subject_name: r.try_get("name")?,
        relation: Relation::parse(&relation).ok_or_else(|| sqlx::Error::Decode("relation".into()))?,
        state,
    })
}

/// Every review a person is asked for in the open cycles, by cycle and subject.
pub async fn of_person(pool: &sqlx::AnyPool, person: &str, now: i64) -> Result<Vec<Review>, sqlx::Error> {
    let sql =
        format!("{} AND i.respondent_person_id = $1 ORDER BY c.closes_at, i.cycle_id, p.name, i.id", select("NULL"));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(person).bind(now).fetch_all(pool).await?;
    rows.iter().map(review).collect()
}

/// Every review one respondent (`p:ID` or `c:ID`) is asked for in one open cycle, seen from a
/// link that went to `reached` (an anonymous review sent elsewhere is `Elsewhere`).
pub async fn in_cycle(
    pool: &sqlx::AnyPool,
    respondent_key: &str,
    cycle: &str,
    now: i64,
    reached: Option<&str>,
) -> Result<Vec<Review>, sqlx::Error> {
    let sql = format!("{} AND i.respondent_key = $1 AND i.cycle_id = $3 ORDER BY p.name, i.id", select("$4"));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(respondent_key)
        .bind(now)
        .bind(cycle)
        .bind(reached)
        .fetch_all(pool)
        .await?;
    rows.iter().map(review).collect()
}

/// Declines an open invitation of an open cycle and drops its drafts; false if it was not open.
/// `reason` is stored only when the caller says the relation is attributed.
pub async fn decline(tx: &mut Tx, invitation: i64, reason: Option<&str>, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invitations SET declined = TRUE, decline_reason = $2 \
         WHERE id = $1 AND completed = FALSE AND revoked = FALSE AND declined = FALSE \
         AND EXISTS (SELECT 1 FROM cycles c WHERE c.id = invitations.cycle_id AND c.status = 'open' AND c.closes_at > $3)",
    )
    .bind(invitation)
    .bind(reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    super::drafts::delete_for(tx, &[invitation]).await?;
    Ok(true)
}
