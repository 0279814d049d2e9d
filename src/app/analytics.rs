//! Analytics for managers and HR (CONTRACT §13): teams × indicators pooled as §7 pools periods,
//! participation per team and relation, and the parts a closed cycle stores at close so that
//! both read stored sums instead of every response.
//!
//! Why a team cell never reveals a withheld group, and has no threshold of its own. A cell pools,
//! over the team's subjects the viewer may see (each cycle's org chart decides both the team
//! and the reach) and the closed cycles asked for, only the parts that their own cycle released:
//! an anonymous part enters only with at least its cycle's `min_raters` distinct raters.
//! - A cell is therefore a sum of released parts, each of which the viewer can already read on
//!   that person's report (score and n); a withheld part adds nothing to it, not even its n. Two
//!   cells subtracted (two teams, two periods, a cell and a report) leave released parts only,
//!   so no difference isolates a withheld group, however few people the team has.
//! - Any anonymous part of a cell rests on at least `min_raters` distinct raters, since each
//!   released part in it does: a team threshold would always be met, so none is applied (it
//!   could only hide what every report shows). A team whose groups were all withheld shows
//!   "withheld", never a score; open cycles are left out, as in §7.
use super::{App, Error, Result, access, periods, results};
use crate::db::Db;
use crate::db::analytics::{self as stored, Counts, PartRow};
use crate::db::scores::{self as db_scores, Only};
use crate::db::sessions::Viewer;
use crate::domain::cycle::Cycle;
use crate::domain::{Relation, time};
use crate::scoring::stats::Sums;
use crate::scoring::{
    CUSTOMER_SATISFACTION, GroupInput, GroupScore, IndicatorScore, Rules, SatisfactionCounts, Status, subject_scores,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What an analytics page or export is about: one cycle, or the cycles of a period.
#[derive(Debug)]
pub struct Selection {
    /// The cycle asked for, if one was.
    pub cycle: Option<Cycle>,
    /// The period asked for, if one was (as printed back).
    pub period: Option<String>,
    /// The closed cycles pooled, oldest first.
    pub pooled: Vec<Cycle>,
    /// The open cycles, left out of the scores (their participation is shown).
    pub open: Vec<Cycle>,
}

/// A cycle or a period, exactly one of them (an empty one is given, and wrong).
pub async fn select(app: &App, cycle: Option<&str>, period: Option<&str>) -> Result<Selection> {
    match (cycle, period) {
        (Some(id), None) => {
            let c = super::cycles::load(app, id).await?;
            let (pooled, open) =
                if c.is_open(time::now()) { (vec![], vec![c.clone()]) } else { (vec![c.clone()], vec![]) };
            Ok(Selection { cycle: Some(c), period: None, pooled, open })
        }
        (None, Some(raw)) => {
            let p = periods::parse(raw)?;
            let (pooled, open) = periods::cycles_in(app, p).await?;
            Ok(Selection { cycle: None, period: Some(p.to_string()), pooled, open })
        }
        _ => Err(Error::invalid("cycle_or_period", "give either a cycle or a period")),
    }
}

/// Whom each cycle's subjects the viewer may see: `None` for everyone (an admin, an API key).
type Reach = Option<HashMap<String, HashSet<String>>>;

async fn reach(app: &App, who: Option<&Viewer>, cycles: &[&Cycle]) -> Result<Reach> {
    let Some(viewer) = who.filter(|v| !v.is_admin) else { return Ok(None) };
    let now = time::now();
    let mut out = HashMap::new();
    for c in cycles {
        let org = access::org_chart_of(app, &c.id).await?;
        out.insert(c.id.clone(), access::reach(viewer, &org, !c.is_open(now)).unwrap_or_default());
    }
    Ok(Some(out))
}

fn sees(reach: &Reach, cycle: &str, subject: &str) -> bool {
    reach.as_ref().is_none_or(|r| r.get(cycle).is_some_and(|s| s.contains(subject)))
}

/// A closed cycle's parts computed from its responses: what its close stores, and what is read
/// for a cycle closed before parts were stored. Each is released or not by §4, as on reports.
pub(super) async fn parts_of(db: &Db, cycle: &Cycle) -> Result<Vec<PartRow>> {
    let rules = results::rules(cycle);
    let (groups, counts) = results::released_inputs(db, cycle, Only::All).await?;
    let teams: HashMap<String, Option<String>> =
        db_scores::subjects(&db.pool, &cycle.id, Only::All).await?.into_iter().map(|s| (s.id, s.team)).collect();
    let mut satisfaction: HashMap<(String, Relation, bool), Counts> = counts
        .into_iter()
        .map(|c| {
            let counts = Counts {
                scale_n: c.scale_answers,
                top_two: c.top_two,
                nps_n: c.nps_answers,
                promoters: c.promoters,
                detractors: c.detractors,
            };
            ((c.subject, c.relation, c.anonymous), counts)
        })
        .collect();
    let parts = groups.into_iter().map(|g: GroupInput| {
        let released = !g.anonymous || rules.releases(g.raters);
        let key = (g.subject.clone(), g.relation, g.anonymous);
        let counts = match released && g.indicator == CUSTOMER_SATISFACTION {
            true => satisfaction.remove(&key).unwrap_or_default(),
            false => Counts::default(),
        };
        let sums = if released { g.sums } else { Sums { n: g.sums.n, sum: 0.0, sum_sq: 0.0 } };
        PartRow {
            cycle: cycle.id.clone(),
            team: teams.get(&g.subject).cloned().flatten(),
            subject: g.subject,
            indicator: g.indicator,
            relation: g.relation,
            anonymous: g.anonymous,
            released,
            sums,
            counts,
        }
    });
    Ok(parts.collect())
}

/// The parts of the pooled cycles the viewer may see: summed by team in the database for
/// everyone, else per subject and kept where the viewer reaches.
async fn visible_parts(app: &App, reach: &Reach, cycles: &[Cycle]) -> Result<Vec<PartRow>> {
    let pool = &app.db.pool;
    let ids: Vec<String> = cycles.iter().map(|c| c.id.clone()).collect();
    let with_parts = stored::with_parts(pool, &ids).await?;
    let mut out = match reach {
        None => stored::team_parts(pool, &with_parts).await?,
        Some(r) => {
            let subjects: BTreeSet<&String> = r.values().flatten().collect();
            let subjects: Vec<String> = subjects.into_iter().cloned().collect();
            let rows = stored::subject_parts(pool, &with_parts, &subjects).await?;
            rows.into_iter().filter(|p| sees(reach, &p.cycle, &p.subject)).collect()
        }
    };
    for c in cycles.iter().filter(|c| !with_parts.contains(&c.id)) {
        out.extend(parts_of(&app.db, c).await?.into_iter().filter(|p| sees(reach, &p.cycle, &p.subject)));
    }
    Ok(out)
}

/// One team's row: its cells by indicator, each with its relations.
#[derive(Debug)]
pub struct TeamCells {
    /// `None`: subjects without a team.
    pub team: Option<String>,
    /// The subjects pooled (the viewer may see), across the cycles.
    pub people: usize,
    pub indicators: BTreeMap<String, IndicatorScore>,
}

impl TeamCells {
    /// The cell of an indicator, or of one of its relations.
    pub fn cell(&self, indicator: &str, relation: Option<Relation>) -> GroupScore {
        let none = GroupScore { score: None, n: 0, sd: None, ci95: None, withheld: false, status: Status::NoData };
        let Some(i) = self.indicators.get(indicator) else { return none };
        let whole =
            GroupScore { score: i.score, n: i.n, sd: i.sd, ci95: i.ci95, withheld: i.withheld, status: i.status };
        match relation {
            None => whole,
            Some(r) => match i.by_relation.get(r.as_str()) {
                Some(g) => g.clone(),
                // An indicator only customers answer has no breakdown: its score is theirs.
                None if i.by_relation.is_empty() && r == Relation::Customer && i.status != Status::NoData => whole,
                None => none,
            },
        }
    }
}

#[derive(Debug)]
pub struct Heatmap {
    pub indicators: Vec<String>,
    /// The relations each indicator's pooled groups have, in the CSV's order.
    pub relations: BTreeMap<String, Vec<Relation>>,
    pub teams: Vec<TeamCells>,
}

/// The relations in the order of the CSV's columns.
pub const RELATIONS: [Relation; 5] =
    [Relation::Customer, Relation::Manager, Relation::Peer, Relation::DirectReport, Relation::SelfReview];

type PartKey = (Option<String>, String, Relation, bool);

/// The released parts summed per team, and the n of what was withheld.
#[derive(Default)]
struct TeamPool {
    released: BTreeMap<PartKey, (Sums, Counts)>,
    withheld: BTreeMap<(Option<String>, String, Relation), u64>,
}

impl TeamPool {
    fn add(&mut self, p: PartRow) {
        if p.released {
            let slot = self.released.entry((p.team, p.indicator, p.relation, p.anonymous)).or_default();
            *slot = (slot.0.merge(p.sums), slot.1.merge(p.counts));
        } else if p.sums.n > 0 {
            *self.withheld.entry((p.team, p.indicator, p.relation)).or_default() += p.sums.n;
        }
    }

    /// §4 over each team's released parts (teams numbered as the formula's subjects).
    fn score(self, teams: Vec<(Option<String>, usize)>, rules: &Rules) -> Vec<TeamCells> {
        let index: HashMap<&Option<String>, String> =
            teams.iter().enumerate().map(|(i, (t, _))| (t, i.to_string())).collect();
        let mut indicators: BTreeSet<String> = BTreeSet::new();
        let (mut groups, mut counts) = (Vec::new(), Vec::new());
        for ((team, indicator, relation, anonymous), (sums, c)) in &self.released {
            indicators.insert(indicator.clone());
            let Some(subject) = index.get(team) else { continue };
            groups.push(GroupInput {
                subject: subject.clone(),
                indicator: indicator.clone(),
                relation: *relation,
                anonymous: *anonymous,
                sums: *sums,
                raters: 0,
            });
            if indicator == CUSTOMER_SATISFACTION {
                counts.push(SatisfactionCounts {
                    subject: subject.clone(),
                    relation: *relation,
                    anonymous: *anonymous,
                    scale_answers: c.scale_n,
                    top_two: c.top_two,
                    nps_answers: c.nps_n,
                    promoters: c.promoters,
                    detractors: c.detractors,
                });
            }
        }
        indicators.extend(self.withheld.keys().map(|(_, i, _)| i.clone()));
        let indicators: Vec<String> = indicators.into_iter().collect();
        let ids: Vec<(String, Option<String>)> = (0..teams.len()).map(|i| (i.to_string(), None)).collect();
        let mut scored = subject_scores(&ids, &indicators, &groups, &counts, rules);
        teams
            .into_iter()
            .enumerate()
            .map(|(i, (team, people))| {
                let mut cells: BTreeMap<String, IndicatorScore> = scored
                    .remove(&i.to_string())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.rounded()))
                    .collect();
                for ((t, indicator, relation), n) in &self.withheld {
                    if *t == team
                        && let Some(cell) = cells.get_mut(indicator)
                    {
                        mark_withheld(cell, *relation, *n);
                    }
                }
                TeamCells { team, people, indicators: cells }
            })
            .collect()
    }
}

/// What was withheld says so where nothing was released in its place.
fn mark_withheld(cell: &mut IndicatorScore, relation: Relation, n: u64) {
    if cell.score.is_none() {
        cell.withheld = true;
        cell.status = Status::BelowThreshold;
    }
    if !cell.by_relation.is_empty() || relation != Relation::Customer {
        let g = cell.by_relation.entry(relation.as_str()).or_insert(GroupScore {
            score: None,
            n: 0,
            sd: None,
            ci95: None,
            withheld: true,
            status: Status::BelowThreshold,
        });
        if g.score.is_none() {
            g.n += n;
        }
    }
}

/// Teams × indicators (and relations) over the selection's closed cycles, for what the viewer
/// may see (`None`: everyone).
pub async fn heatmap(app: &App, who: Option<&Viewer>, sel: &Selection) -> Result<Heatmap> {
    let cycles: Vec<&Cycle> = sel.pooled.iter().collect();
    let reach = reach(app, who, &cycles).await?;
    let ids: Vec<String> = sel.pooled.iter().map(|c| c.id.clone()).collect();
    let mut people: BTreeMap<Option<String>, HashSet<String>> = BTreeMap::new();
    for (cycle, subject, team) in stored::subjects(&app.db.pool, &ids).await? {
        if sees(&reach, &cycle, &subject) {
            people.entry(team).or_default().insert(subject);
        }
    }
    let mut pool = TeamPool::default();
    let mut relations: BTreeMap<String, BTreeSet<Relation>> = BTreeMap::new();
    for p in visible_parts(app, &reach, &sel.pooled).await? {
        relations.entry(p.indicator.clone()).or_default().insert(p.relation);
        pool.add(p);
    }
    // Named teams in order, then the people without one.
    let mut teams: Vec<(Option<String>, usize)> = people.into_iter().map(|(t, s)| (t, s.len())).collect();
    teams.sort_by_key(|(t, _)| (t.is_none(), t.clone()));
    // The weights of the latest cycle pooled, as for a period's scores; by role they weigh one
    // person, not a team.
    let weights = sel.pooled.last().map(|c| c.weights.clone()).unwrap_or_default();
    let rules = Rules { cycle_open: false, min_raters: 0, weights, weights_by_role: BTreeMap::new() };
    let teams = pool.score(teams, &rules);
    let mut indicators: BTreeSet<String> = BTreeSet::new();
    for t in &teams {
        indicators.extend(t.indicators.keys().cloned());
    }
    Ok(Heatmap {
        indicators: indicators.into_iter().collect(),
        relations: relations
            .into_iter()
            .map(|(i, found)| (i, RELATIONS.into_iter().filter(|r| found.contains(r)).collect()))
            .collect(),
        teams,
    })
}

/// Invitations of one team and relation in one cycle: counts only, never who.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipationLine {
    pub cycle: String,
    pub cycle_title: String,
    pub cycle_title_i18n: BTreeMap<String, String>,
    pub team: Option<String>,
    pub relation: Relation,
    pub invited: i64,
    pub answered: i64,
    pub declined: i64,
}

impl ParticipationLine {
    /// Answered of invited, 0–1.
    pub fn rate(&self) -> Option<f64> {
        (self.invited > 0).then(|| self.answered as f64 / self.invited as f64)
    }
}

/// Participation per team and relation for every cycle of the selection, open ones included.
pub async fn participation(app: &App, who: Option<&Viewer>, sel: &Selection) -> Result<Vec<ParticipationLine>> {
    let mut cycles: Vec<&Cycle> = sel.pooled.iter().chain(&sel.open).collect();
    cycles.sort_by(|a, b| (a.opens_at, &a.id).cmp(&(b.opens_at, &b.id)));
    let reach = reach(app, who, &cycles).await?;
    let now = time::now();
    let mut closed_ids = Vec::new();
    let mut rows = Vec::new();
    for c in &cycles {
        if c.is_open(now) || !super::closed::is_stored(&app.db, c).await? {
            rows.extend(stored::participation_live(&app.db.pool, &c.id).await?);
        } else {
            closed_ids.push(c.id.clone());
        }
    }
    rows.extend(stored::participation_stored(&app.db.pool, &closed_ids).await?);
    let order: HashMap<&str, usize> = cycles.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
    let rank = |r: Relation| RELATIONS.iter().position(|x| *x == r).unwrap_or(RELATIONS.len());
    let mut sums: BTreeMap<(usize, bool, Option<String>, usize), ParticipationLine> = BTreeMap::new();
    for r in rows.into_iter().filter(|r| sees(&reach, &r.cycle, &r.subject)) {
        let Some(&i) = order.get(r.cycle.as_str()) else { continue };
        let key = (i, r.team.is_none(), r.team.clone(), rank(r.relation));
        let line = sums.entry(key).or_insert_with(|| ParticipationLine {
            cycle: cycles[i].id.clone(),
            cycle_title: cycles[i].title.clone(),
            cycle_title_i18n: cycles[i].title_i18n.clone(),
            team: r.team.clone(),
            relation: r.relation,
            invited: 0,
            answered: 0,
            declined: 0,
        });
        line.invited += r.invited;
        line.answered += r.answered;
        line.declined += r.declined;
    }
    Ok(sums.into_values().collect())
}

/// The selection's scores as the CSV has them, for what the viewer may see (`None`: everyone),
/// of one team if asked. A period's subject is shown to whoever reached them in one of its cycles.
pub async fn scores(
    app: &App,
    who: Option<&Viewer>,
    sel: &Selection,
    team: Option<&str>,
) -> Result<results::CycleScores> {
    let now = time::now();
    let (mut scores, cycles): (results::CycleScores, Vec<&Cycle>) = match (&sel.cycle, &sel.period) {
        (Some(c), _) => (results::cycle_scores(app, c, now).await?, vec![c]),
        (None, Some(p)) => (periods::scores(app, p, None).await?.as_cycle_scores(), sel.pooled.iter().collect()),
        (None, None) => return Err(Error::invalid("cycle_or_period", "give either a cycle or a period")),
    };
    let reach = reach(app, who, &cycles).await?;
    scores.subjects.retain(|s| {
        let visible = cycles.iter().any(|c| sees(&reach, &c.id, &s.subject));
        visible && team.is_none_or(|t| s.team.as_deref() == Some(t))
    });
    Ok(scores)
}
