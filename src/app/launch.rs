//! Invitations made from the directory rather than listed one by one: a 360 launched from the
//! org chart (`launch`), and every salesperson's customers asked about them
//! (`invite_customers`). Both go through `invitations::create_recorded`, so they pass the same
//! checks as invitations the API lists.
use super::audit::{Actor, AuditAction};
use super::invitations::{AllKeyword, Created, Deliver, Recorded, SmallGroup, Subjects, create_recorded};
use super::{App, Error, Result};
use crate::db::{directory, invitations};
use crate::domain::orgchart::OrgPerson;
use crate::domain::reviews::{NewInvitation, OrgIndex, Peers, Respondent};
use crate::domain::survey::SurveyKind;
use crate::domain::{Relation, time};
use std::collections::{HashMap, HashSet};

/// What a launch asks for: whom to review, with which survey, and who picks the peers.
pub struct Launch<'a> {
    pub survey: &'a str,
    pub subjects: &'a Subjects,
    pub peers: Peers,
    pub rule: super::nominations::Rule,
}

/// 360 invitations for the chosen subjects from the org chart.
#[tracing::instrument(skip_all, fields(cycle = %cycle, survey = %l.survey))]
pub async fn launch(app: &App, actor: &Actor, cycle: &str, l: Launch<'_>, deliver: Deliver) -> Result<Created> {
    let Launch { survey: survey_id, subjects, peers, rule } = l;
    if peers == Peers::Nominated {
        rule.check()?;
        if deliver == Deliver::None {
            return Err(Error::invalid(
                "anonymous_needs_email",
                "nominated peers review anonymously, and anonymous reviews are only emailed (use \"deliver\":\"email\")",
            ));
        }
    }
    let survey = crate::db::surveys::load(&app.db.pool, survey_id)
        .await?
        .ok_or_else(|| Error::conflict("unknown_survey", format!("no survey {survey_id:?}")).naming(survey_id))?;
    if survey.kind != SurveyKind::Peer {
        return Err(Error::conflict("relation_mismatch", "launch takes a peer survey; invite customers directly")
            .naming(survey_id));
    }
    // Those who left are neither subjects nor raters of anything new.
    let everyone = directory::active_org_chart(&app.db.pool).await?;
    // The whole reporting line, those who left included: see `check_row`.
    let all = directory::org_chart(&app.db.pool).await?;
    let picked = pick_subjects(&everyone, subjects)?;
    // Linear in the org chart, but for tens of thousands of people still CPU work: off the
    // async threads, so other requests are not held up.
    let survey_id = survey.id.clone();
    let (rows, subjects) = tokio::task::spawn_blocking(move || {
        let index = OrgIndex::new(&everyone).with_reporting_line(&all);
        let chosen: Vec<OrgPerson> = picked.iter().map(|&i| everyone[i].clone()).collect();
        // One past the limit is enough to refuse: memory stays bounded by the limit.
        let rows: Vec<NewInvitation> = chosen
            .iter()
            .flat_map(|s| index.review_set(&survey_id, s, peers))
            .take(super::invitations::MAX_PER_CALL + 1)
            .collect();
        (rows, chosen)
    })
    .await
    .map_err(Error::internal)?;
    super::invitations::within_limit(rows.len())?;
    let what = format!("survey {}, peers {}", survey.id, peers.as_str());
    let mut created =
        create_recorded(app, Recorded { actor, action: AuditAction::Launch, what }, cycle, rows, deliver).await?;
    if peers == Peers::Nominated {
        let open = super::cycles::load_open(app, cycle, time::now()).await?;
        let ids: Vec<String> = subjects.iter().map(|s| s.id.clone()).collect();
        created.nominating = super::nominations::ask(app, &open, &survey.id, &ids, rule, deliver).await?;
    }
    let subjects: Vec<&OrgPerson> = subjects.iter().collect();
    created.too_small = too_small(app, cycle, &subjects, peers).await?;
    Ok(created)
}

/// The launched subjects' anonymous groups that can never reach `min_raters`: peer groups
/// (when peers were asked for) and direct-report groups of one or more.
async fn too_small(app: &App, cycle: &str, subjects: &[&OrgPerson], peers: Peers) -> Result<Vec<SmallGroup>> {
    let min_raters = super::cycles::load(app, cycle).await?.min_raters;
    let counts = invitations::anonymous_rater_counts(&app.db.pool, cycle).await?;
    let mut out = Vec::new();
    for s in subjects {
        for relation in [Relation::Peer, Relation::DirectReport] {
            let raters = counts.get(&(s.id.clone(), relation.as_str().to_string())).copied().unwrap_or(0);
            let expected = raters > 0 || (relation == Relation::Peer && peers == Peers::Team);
            if expected && raters < min_raters {
                out.push(SmallGroup { subject: s.id.clone(), relation, raters, min_raters });
            }
        }
    }
    Ok(out)
}

/// The positions in `everyone` of the subjects asked for; an unknown id is an error, a repeated
/// one counts once.
fn pick_subjects(everyone: &[OrgPerson], subjects: &Subjects) -> Result<Vec<usize>> {
    match subjects {
        Subjects::All(AllKeyword::All) => Ok((0..everyone.len()).collect()),
        Subjects::Listed(ids) => {
            let by_id: HashMap<&str, usize> = everyone.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
            let mut seen = HashSet::new();
            ids.iter()
                .filter(|id| seen.insert(id.as_str()))
                .map(|id| {
                    by_id.get(id.as_str()).copied().ok_or_else(|| {
                        Error::conflict("unknown_subject", format!("no person {id:?}")).naming(id.as_str())
                    })
                })
                .collect()
        }
    }
}

/// Every customer with an owner is asked about that owner, but those in `except`.
#[tracing::instrument(skip_all, fields(cycle = %cycle, survey = %survey))]
pub async fn invite_customers(
    app: &App,
    actor: &Actor,
    cycle: &str,
    survey: &str,
    except: &std::collections::HashSet<String>,
) -> Result<Created> {
    let rows: Vec<NewInvitation> = crate::db::admin::owned_customers(&app.db.pool)
        .await?
        .into_iter()
        .filter(|(customer, _)| !except.contains(customer))
        .map(|(customer, owner)| NewInvitation {
            survey_id: survey.to_string(),
            subject_id: owner,
            relation: Relation::Customer,
            respondent: Respondent::Customer(customer),
        })
        .collect();
    let what = format!("survey {survey}, every customer about their owner");
    create_recorded(app, Recorded { actor, action: AuditAction::CreateInvitations, what }, cycle, rows, Deliver::Email)
        .await
}
