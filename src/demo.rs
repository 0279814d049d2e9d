//! `candor demo`: a realistic small sales organisation with a closed and an open cycle, so a
//! newcomer sees a full dashboard at once. Seeding is skipped when the demo is already there.
//! The directory and surveys go in through the use cases, answers through
//! `responses::submit_for_invitation` and the close through `app::cycles::close`. Three steps
//! write storage themselves, because the use cases refuse them by design: cycles that opened
//! months ago, anonymous invitations created without emailing anyone (the demo's raters are
//! fictional), and the demo admin's sign-in link to its own public address.
use crate::app::App;
use crate::app::audit::Actor;
use crate::app::directory::{self, CustomerInput, PersonInput};
use crate::db::cycles;
use crate::db::invitations;
use crate::db::sessions;
use crate::domain::answers::Answer;
use crate::domain::cycle::{Cycle, Weights};
use crate::domain::orgchart::OrgPerson;
use crate::domain::reviews::{NewInvitation, OrgIndex, Peers, Respondent};
use crate::domain::survey::SurveyInput;
use crate::domain::{Relation, time};

/// id, name, email, manager, team, locale.
type DemoPerson = (&'static str, &'static str, &'static str, Option<&'static str>, &'static str, Option<&'static str>);

const PEOPLE: &[DemoPerson] = &[
    ("E100", "Wang Fang", "wang.fang@demo.example", None, "Leadership", Some("zh-CN")),
    ("E110", "Li Na", "li.na@demo.example", Some("E100"), "East", Some("zh-CN")),
    ("E111", "Zhang Wei", "zhang.wei@demo.example", Some("E110"), "East", Some("zh-CN")),
    ("E112", "Sam Carter", "sam.carter@demo.example", Some("E110"), "East", None),
    ("E113", "Priya Nair", "priya.nair@demo.example", Some("E110"), "East", None),
    ("E120", "Tom Baker", "tom.baker@demo.example", Some("E100"), "West", None),
    ("E121", "Chen Jie", "chen.jie@demo.example", Some("E120"), "West", Some("zh-CN")),
    ("E122", "Maria Lopez", "maria.lopez@demo.example", Some("E120"), "West", None),
    ("E123", "Ken Sato", "ken.sato@demo.example", Some("E120"), "West", None),
];

const COMMENTS: &[&str] = &[
    "Always answers within the hour.",
    "Shares leads with the team without being asked.",
    "Could write up meeting notes more often.",
    "Very clear proposals.",
    "沟通及时，方案清楚。",
    "Helped me close the Hangzhou deal.",
];

/// A small deterministic generator: the demo looks the same every time.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn surveys_json() -> [serde_json::Value; 2] {
    [
        serde_json::json!({"id":"demo-csat","kind":"customer","title":"How did we do?","title_i18n":{"zh-CN":"我们做得怎么样？"},
            "questions":[
              {"id":"q1","text":"Overall, how satisfied are you with your salesperson?","type":"scale","min":1,"max":5,
               "indicator":"customer_satisfaction","required":true,"text_i18n":{"zh-CN":"总体而言，您对销售代表的满意度如何？"}},
              {"id":"q2","text":"How likely are you to recommend us to a colleague?","type":"nps","indicator":"customer_satisfaction",
               "text_i18n":{"zh-CN":"您向同事推荐我们的可能性有多大？"}},
              {"id":"q3","text":"Anything else we should know?","type":"text","text_i18n":{"zh-CN":"还有其他意见吗？"}}]}),
        serde_json::json!({"id":"demo-360","kind":"peer","title":"360 review","title_i18n":{"zh-CN":"360 度评价"},
            "questions":[
              {"id":"t1","text":"Works well with the team","type":"scale","min":1,"max":5,"indicator":"teamwork","required":true,
               "text_i18n":{"zh-CN":"与团队合作良好"}},
              {"id":"c1","text":"Communicates clearly and on time","type":"scale","min":1,"max":5,"indicator":"communication","required":true,
               "text_i18n":{"zh-CN":"沟通清晰及时"}},
              {"id":"n1","text":"What should they keep doing?","type":"text","text_i18n":{"zh-CN":"他们应该继续保持什么？"}}]}),
    ]
}

/// Seeds the demo (once) and returns a sign-in link for its admin.
pub async fn seed(app: &App, public_base: &str) -> anyhow::Result<String> {
    let db = &app.db;
    let admin = sessions::ensure_admin(db, "admin@demo.example").await?;
    if cycles::load(&db.pool, "demo-2026-Q3").await?.is_none() {
        seed_data(app).await?;
    }
    let token = sessions::mint_login_link(db, &admin).await?;
    Ok(format!("{public_base}/login/{}", token.as_str()))
}

async fn seed_data(app: &App) -> anyhow::Result<()> {
    let db = &app.db;
    let now = time::now();
    let actor = Actor::Cli;
    let failed = |e: crate::app::Error| anyhow::anyhow!(e.chain());
    // The directory and the surveys go in as an admin's import would: through the use cases.
    let people: Vec<PersonInput> = PEOPLE
        .iter()
        .map(|(id, name, email, manager, team, locale)| PersonInput {
            id: id.to_string(),
            name: name.to_string(),
            email: email.to_string(),
            manager: manager.map(str::to_string),
            team: Some(team.to_string()),
            locale: locale.map(str::to_string),
            role: None,
            active: None,
        })
        .collect();
    directory::import_people(app, &actor, &people, true).await.map_err(failed)?;
    let buyers = ["Acme Trading", "Blue River Foods", "Golden Gate Tools", "华东电子", "Northwind", "晨光贸易"];
    let mut customers = Vec::new();
    for (i, (id, ..)) in PEOPLE.iter().enumerate().filter(|(_, p)| p.3.is_some_and(|m| m != "E100")) {
        for k in 0..4 {
            customers.push(CustomerInput {
                id: format!("C{i}{k}"),
                name: format!("{} {}", buyers[(i + k) % buyers.len()], k + 1),
                email: Some(format!("buyer{i}{k}@customer.example")),
                phone: None,
                owner: Some(id.to_string()),
                locale: (k % 3 == 0).then(|| "zh-CN".to_string()),
            });
        }
    }
    directory::import_customers(app, &actor, &customers, true).await.map_err(failed)?;
    for s in surveys_json() {
        crate::app::surveys::save(app, &actor, &serde_json::from_value::<SurveyInput>(s)?).await.map_err(failed)?;
    }

    let day = 86_400;
    let q3 = cycle("demo-2026-Q3", ("Q3 2026", "2026 年第三季度"), "2026-Q3", now - 120 * day, now + 30 * day);
    // The open cycle ends as an admin would type it: at the end of a day in the organisation's
    // zone (Asia/Shanghai in the demo), which its invitations state as 23:59 local.
    let calendar = &app.calendar;
    let q4_ends = calendar.day_end(&calendar.day(now + 40 * day)).map_err(anyhow::Error::msg)?;
    let q4 = cycle("demo-2026-Q4", ("Q4 2026", "2026 年第四季度"), "2026-Q4", now - 20 * day, q4_ends);
    let mut dice = Dice(7);
    for (c, answer_rate, shift) in [(&q3, 90, 0), (&q4, 60, 1)] {
        let mut tx = db.begin().await?;
        cycles::save(&mut tx, c, now).await?;
        crate::app::cycle_keys::ensure(app, &mut tx, &c.id).await.map_err(|e| anyhow::anyhow!(e.chain()))?;
        tx.commit().await?;
        answer_cycle(app, c, &mut dice, answer_rate, shift).await?;
    }
    // The past cycle ends (its results are released); the current one stays open.
    let mut past = q3.clone();
    past.closes_at = now - 30 * day;
    let mut tx = db.begin().await?;
    cycles::save(&mut tx, &past, now).await?;
    tx.commit().await?;
    match crate::app::cycles::close(app, &crate::app::audit::Actor::Cli, &past.id).await {
        Ok(_) => Ok(()),
        // A server's worker saw the cycle due and is closing it already: wait for that close.
        Err(e) if e.code() == "closing_under_way" => closed_by_the_worker(app, &past.id).await,
        Err(e) => Err(anyhow::anyhow!(e.chain())),
    }
}

/// Waits (a minute at most) for a close the worker began to end.
async fn closed_by_the_worker(app: &App, cycle: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        if crate::app::cycles::load(app, cycle).await.map_err(|e| anyhow::anyhow!(e.chain()))?.closed {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the demo's past cycle {cycle} did not close within a minute")
}

/// A cycle named for its quarter, so the demo's periods can be pooled and compared.
fn cycle(id: &str, (title, zh): (&str, &str), period: &str, opens_at: i64, closes_at: i64) -> Cycle {
    Cycle {
        id: id.into(),
        title: title.into(),
        title_i18n: [("zh-CN".to_string(), zh.to_string())].into(),
        period: Some(period.into()),
        opens_at,
        closes_at,
        // Teams of three: two peers per person, so the demo releases groups of two.
        min_raters: 2,
        weights: Weights { manager: 1.0, peer: 1.0, direct_report: 1.0 },
        weights_by_role: Default::default(),
        remind_every_days: None,
        max_reminders: None,
        closed: false,
    }
}

async fn answer_cycle(app: &App, c: &Cycle, dice: &mut Dice, rate: u64, shift: i64) -> anyhow::Result<()> {
    let db = &app.db;
    let org: Vec<OrgPerson> = crate::db::directory::org_chart(&db.pool).await?;
    let index = OrgIndex::new(&org);
    let mut rows: Vec<NewInvitation> = org
        .iter()
        .filter(|p| PEOPLE.iter().any(|d| d.0 == p.id))
        .flat_map(|p| index.review_set("demo-360", p, Peers::Team))
        .filter(|i| PEOPLE.iter().any(|d| matches!(&i.respondent, Respondent::Person(r) if r == d.0)))
        .collect();
    for (i, (id, ..)) in PEOPLE.iter().enumerate().filter(|(_, p)| p.3.is_some_and(|m| m != "E100")) {
        for k in 0..4 {
            rows.push(NewInvitation {
                survey_id: "demo-csat".into(),
                subject_id: id.to_string(),
                relation: Relation::Customer,
                respondent: Respondent::Customer(format!("C{i}{k}")),
            });
        }
    }
    let mut addresses: std::collections::HashMap<String, String> =
        PEOPLE.iter().map(|p| (format!("p:{}", p.0), p.2.to_string())).collect();
    for (i, _) in PEOPLE.iter().enumerate() {
        addresses.extend((0..4).map(|k| (format!("c:C{i}{k}"), format!("buyer{i}{k}@customer.example"))));
    }
    let mut tx = db.begin().await?;
    let created = invitations::insert_new(&mut tx, &c.id, &rows, &addresses, time::now(), None).await?;
    tx.commit().await?;
    for (id, i) in created {
        if dice.roll(100) >= rate {
            continue;
        }
        let row = &rows[i];
        // Each person has a steady level, nudged between cycles.
        let level = 3 + (row.subject_id.bytes().map(u64::from).sum::<u64>() % 2) as i64 + shift;
        let pick = |dice: &mut Dice| (level + dice.roll(3) as i64 - 1).clamp(1, 5);
        let answers = if row.relation == Relation::Customer {
            let mut a = vec![num("q1", pick(dice)), num("q2", (pick(dice) * 2).min(10))];
            if dice.roll(3) == 0 {
                a.push(text("q3", COMMENTS[dice.roll(COMMENTS.len() as u64) as usize]));
            }
            a
        } else {
            let mut a = vec![num("t1", pick(dice)), num("c1", pick(dice))];
            if dice.roll(2) == 0 {
                a.push(text("n1", COMMENTS[dice.roll(COMMENTS.len() as u64) as usize]));
            }
            a
        };
        crate::app::responses::submit_for_invitation(app, id, answers).await.map_err(|e| anyhow::anyhow!(e.chain()))?;
    }
    Ok(())
}

fn num(q: &str, v: i64) -> Answer {
    Answer { question_id: q.into(), value: Some(v), text: None }
}

fn text(q: &str, t: &str) -> Answer {
    Answer { question_id: q.into(), value: None, text: Some(t.into()) }
}
