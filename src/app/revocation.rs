//! Revoking and reissuing invitations (CONTRACT §8). Revoking makes every link of an
//! invitation answer 410; reissuing replaces its links with a fresh one, emailed or handed
//! back (`deliver: none`), for a link that was lost. Neither tells whether an anonymous
//! invitation was answered: such an invitation is revoked or reissued either way (an answer
//! already sealed stays), and is reissued only by email to the address it was created for
//! (CONTRACT §10), so only its rater learns whether it was answered.
use super::audit::{self, Actor, AuditAction, Target};
use super::invitations::{CreatedLink, Deliver, LinkTarget, RespondentInput, mint_links};
use super::{App, Error, Result, RowProblem};
use crate::db::outbox::{self, Kind};
use crate::db::{invitations, links};
use crate::domain::reviews::Respondent;
use crate::domain::time;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// Names one invitation of a cycle.
#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct InvitationRef {
    #[schema(schema_with = crate::domain::shapes::id)]
    pub survey: String,
    #[schema(schema_with = crate::domain::shapes::id)]
    pub subject: String,
    pub respondent: RespondentInput,
}

impl InvitationRef {
    fn key(&self) -> (String, String, String) {
        (self.survey.clone(), self.subject.clone(), Respondent::from(self.respondent.clone()).key())
    }
}

#[derive(Serialize, ToSchema, Debug, Default)]
pub struct Revoked {
    /// Invitations revoked now.
    pub revoked: usize,
    /// Already revoked, or (attributed relations only) answered; an answer given stays.
    pub unchanged: usize,
}

#[derive(Serialize, ToSchema, Debug, Default)]
pub struct Reissued {
    pub reissued: usize,
    /// How many of them are anonymous: a page says "sent if still open" for those, as whether
    /// they were answered must not show (the API says nothing more than `reissued`).
    #[serde(skip)]
    pub anonymous: usize,
    /// With `deliver: none`: the fresh links, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<CreatedLink>>,
}

/// Each reference's invitation, or every unknown one as a row problem.
async fn resolve(tx: &mut crate::db::Tx, cycle: &str, refs: &[InvitationRef]) -> Result<Vec<invitations::Found>> {
    let keys: Vec<_> = refs.iter().map(InvitationRef::key).collect();
    let mut found = invitations::find(tx, cycle, &keys).await?;
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(refs.len());
    for (i, (r, key)) in refs.iter().zip(&keys).enumerate() {
        match found.remove(key) {
            Some(f) => out.push(f),
            None => problems.push(RowProblem::conflict(
                i,
                &r.subject,
                "unknown_invitation",
                format!(
                    "no invitation of {:?} about {:?} with survey {:?} in this cycle (or it is listed twice)",
                    key.2, r.subject, r.survey
                ),
            )),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(Error::rows(problems)) }
}

/// Revokes the named invitations of a cycle; unknown ones refuse the whole request.
#[tracing::instrument(skip_all, fields(cycle = %cycle, invitations = refs.len()))]
pub async fn revoke(app: &App, actor: &Actor, cycle: &str, refs: &[InvitationRef]) -> Result<Revoked> {
    super::cycles::load(app, cycle).await?;
    let mut tx = app.db.begin().await?;
    let found = resolve(&mut tx, cycle, refs).await?;
    let ids: Vec<i64> = found.iter().filter(|f| !f.revoked && (!f.completed || f.anonymous)).map(|f| f.id).collect();
    invitations::revoke(&mut tx, &ids).await?;
    let detail = format!("revoked {}, unchanged {}", ids.len(), found.len() - ids.len());
    audit::write(&mut tx, actor, AuditAction::RevokeInvitations, Target::Cycle(cycle), &detail).await?;
    tx.commit().await?;
    tracing::info!(cycle, revoked = ids.len(), "invitations revoked");
    Ok(Revoked { revoked: ids.len(), unchanged: found.len() - ids.len() })
}

/// Replaces the links of the named open invitations with fresh ones, emailed or returned. An
/// answered attributed invitation, a revoked one, or (by email) a customer without an address
/// refuses the whole request.
#[tracing::instrument(skip_all, fields(cycle = %cycle, invitations = refs.len()))]
pub async fn reissue(
    app: &App,
    actor: &Actor,
    cycle: &str,
    refs: &[InvitationRef],
    deliver: Deliver,
) -> Result<Reissued> {
    let now = time::now();
    let c = super::cycles::load_open(app, cycle, now).await?;
    let mut tx = app.db.begin().await?;
    let found = resolve(&mut tx, cycle, refs).await?;
    let problems: Vec<RowProblem> = refs
        .iter()
        .zip(&found)
        .enumerate()
        .filter_map(|(i, (r, f))| {
            let id = r.subject.as_str();
            if f.anonymous && (deliver == Deliver::None || f.delivery != "email") {
                // A link in the caller's hands could be answered by anyone and would show whether
                // it was answered; by email it goes to the address of record (CONTRACT §10).
                Some(RowProblem::invalid(
                    i,
                    id,
                    "anonymous_needs_email",
                    "an anonymous review is reissued only by email, to the address it was first sent to: \
                     whether it was answered must stay unknown",
                ))
            } else if f.completed && !f.anonymous {
                let why = "this invitation was answered; there is nothing to reissue";
                Some(RowProblem::conflict(i, id, "already_answered", why))
            } else if f.revoked {
                Some(RowProblem::conflict(i, id, "invitation_revoked", "this invitation was revoked and stays so"))
            } else if deliver == Deliver::Email && !f.reachable {
                let why = "this customer has no email address: reissue with \"deliver\":\"none\"";
                Some(RowProblem::conflict(i, id, "no_email", why))
            } else {
                None
            }
        })
        .collect();
    if !problems.is_empty() {
        return Err(Error::rows(problems));
    }
    let ids: Vec<i64> = found.iter().map(|f| f.id).collect();
    links::delete_for_invitations(&mut tx, &ids).await?;
    let links = match deliver {
        Deliver::Email => {
            invitations::set_delivery(&mut tx, &ids, "email").await?;
            let groups = by_respondent(refs, &ids);
            outbox::queue(&mut tx, Kind::Invitation, &groups, c.opens_at.max(now) * 1000, now).await?;
            None
        }
        Deliver::None => {
            invitations::set_delivery(&mut tx, &ids, "none").await?;
            let targets: Vec<LinkTarget> =
                refs.iter().zip(&ids).map(|(r, &id)| (id, r.subject.clone(), r.respondent.clone())).collect();
            Some(mint_links(app, &mut tx, &targets, now).await?)
        }
    };
    let detail = format!("reissued {}", ids.len());
    audit::write(&mut tx, actor, AuditAction::ReissueInvitations, Target::Cycle(cycle), &detail).await?;
    tx.commit().await?;
    if deliver == Deliver::Email {
        app.wake_outbox();
    }
    tracing::info!(cycle, reissued = ids.len(), "invitations reissued");
    let anonymous = found.iter().filter(|f| f.anonymous).count();
    Ok(Reissued { reissued: ids.len(), anonymous, links })
}

/// One email per respondent, carrying all of their reissued invitations.
fn by_respondent(refs: &[InvitationRef], ids: &[i64]) -> Vec<Vec<i64>> {
    let mut order = Vec::new();
    let mut groups: HashMap<String, Vec<i64>> = HashMap::new();
    for (r, &id) in refs.iter().zip(ids) {
        let key = Respondent::from(r.respondent.clone()).key();
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(id);
    }
    order.into_iter().filter_map(|k| groups.remove(&k)).collect()
}
