//! The admin page's cycle forms: creating a cycle with all its settings, and a cycle's
//! actions (launch, invite customers, remind, close), each confirmed where it cannot be undone.
use super::typed::{Typed, typed_cycle};
use super::{Notice, actor, back, days, done, not_confirmed, render, show_error_with};
use crate::app::cycles::{self, CycleInput};
use crate::app::invitations::{AllKeyword, Deliver, SmallGroup, Subjects};
use crate::app::{self, App};
use crate::domain::calendar::Calendar;
use crate::domain::reviews::Peers;
use crate::web::extract::{AdminForm, SignedIn};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Clone)]
pub(super) struct CycleForm {
    pub(super) id: String,
    pub(super) title: String,
    /// The title in Chinese; empty for none.
    #[serde(default)]
    pub(super) title_zh: String,
    /// `YYYY-MM`, `YYYY-Qn` or `YYYY`; empty for none.
    #[serde(default)]
    pub(super) period: String,
    pub(super) opens: String,
    pub(super) closes: String,
    pub(super) min_raters: Option<i64>,
    /// How the 360 groups weigh in each indicator's total; empty means 1.
    #[serde(default)]
    pub(super) weight_manager: String,
    #[serde(default)]
    pub(super) weight_peer: String,
    #[serde(default)]
    pub(super) weight_direct_report: String,
    /// Reminder schedule: every N days, at most M reminders; empty for none.
    #[serde(default)]
    pub(super) remind_every_days: String,
    #[serde(default)]
    pub(super) max_reminders: String,
}

/// An optional number typed in a form: empty is none; anything else must parse.
fn optional_number<T: std::str::FromStr>(raw: &str, field: &str) -> app::Result<Option<T>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| app::Error::invalid("invalid_cycle", format!("{field}: {raw:?} is not a number")).naming(raw))
}

/// The form's days are local days (CONTRACT §15).
fn cycle_input(form: CycleForm, calendar: &Calendar) -> app::Result<CycleInput> {
    let weight = |raw: &str, field| optional_number::<f64>(raw, field).map(|w| w.unwrap_or(1.0));
    let (opens_at, closes_at) = days::instants(calendar, &form.opens, &form.closes)?;
    Ok(CycleInput {
        id: form.id.trim().to_string(),
        title: form.title,
        title_i18n: Some(form.title_zh.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(|t| [("zh-CN".to_string(), t)].into())
            .unwrap_or_default(),
        period: Some(form.period.trim().to_string()).filter(|p| !p.is_empty()),
        opens_at,
        closes_at,
        min_raters: Some(form.min_raters.unwrap_or(3)),
        weights: Some(crate::app::cycles::WeightsInput {
            manager: weight(&form.weight_manager, "manager weight")?,
            peer: weight(&form.weight_peer, "peer weight")?,
            direct_report: weight(&form.weight_direct_report, "direct report weight")?,
        }),
        weights_by_role: None,
        remind_every_days: optional_number(&form.remind_every_days, "remind every (days)")?,
        max_reminders: optional_number(&form.max_reminders, "reminders at most")?,
    })
}

pub(super) async fn create_cycle(State(app): State<App>, AdminForm(f): AdminForm<CycleForm>) -> Response {
    let created = match cycle_input(f.form.clone(), &app.calendar) {
        Ok(input) => cycles::create(&app, &actor(&f.who), &input).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(_) => back(&app, &f.who, Ok(("cycle_created", None))).await,
        Err(e) => show_error_with(&app, &f.who, e, typed_cycle(f.form)).await,
    }
}

#[derive(Deserialize)]
pub(super) struct ActionForm {
    survey: Option<String>,
    peers: Option<String>,
    /// Closing and reminding ask for this box to be ticked.
    confirm: Option<String>,
}

pub(super) async fn cycle_action(
    State(app): State<App>,
    Path((cycle, action)): Path<(String, String)>,
    AdminForm(f): AdminForm<ActionForm>,
) -> Response {
    let survey = f.form.survey.clone().unwrap_or_default();
    if matches!(action.as_str(), "remind" | "close") && f.form.confirm.is_none() {
        return not_confirmed(&app, &f.who).await;
    }
    let by = actor(&f.who);
    let peers_typed = f.form.peers.clone().unwrap_or_default();
    // Only the launch and the customers' invitation have something typed to keep.
    let form = match action.as_str() {
        "launch" => "launch",
        "invite-customers" => "invite",
        _ => "",
    };
    let typed = Typed::new(form, vec![("cycle", cycle.clone()), ("survey", survey.clone()), ("peers", peers_typed)]);
    let result = match action.as_str() {
        "launch" => {
            let peers = match f.form.peers.as_deref() {
                Some("team") => Peers::Team,
                Some("nominated") => Peers::Nominated,
                _ => Peers::None,
            };
            let all = Subjects::All(AllKeyword::All);
            let what = app::launch::Launch { survey: &survey, subjects: &all, peers, rule: Default::default() };
            match app::launch::launch(&app, &by, &cycle, what, Deliver::Email).await {
                Ok(c) if !c.too_small.is_empty() => {
                    let note = too_small_note(&f.who, &c.too_small);
                    let notice = Notice {
                        flash: Some(crate::i18n::fill(f.who.t.launched_done, &[("n", &c.created.to_string())])),
                        error: Some(note),
                        ..Notice::default()
                    };
                    return render(&app, &f.who, StatusCode::OK, notice).await;
                }
                other => other.map(|c| ("launched", Some(c.created))),
            }
        }
        "invite-customers" => app::launch::invite_customers(&app, &by, &cycle, &survey, &Default::default())
            .await
            .map(|c| ("invited", Some(c.created))),
        "remind" => app::reminders::remind(&app, &by, &cycle).await.map(|q| ("reminded", Some(q.queued))),
        "close" => cycles::close(&app, &by, &cycle).await.map(|_| ("closed", None)),
        _ => return crate::web::pages::not_found(f.who.locale),
    };
    match result {
        Ok((key, n)) => done(&f.who, key, n),
        Err(e) => show_error_with(&app, &f.who, e, Notice { typed, ..Notice::default() }).await,
    }
}

/// Which launched subjects' anonymous groups can never be shown, and why.
fn too_small_note(who: &SignedIn, groups: &[SmallGroup]) -> String {
    let t = who.t;
    let list: Vec<String> = groups
        .iter()
        .map(|g| {
            let relation = crate::i18n::relation_label(who.locale, g.relation.as_str());
            format!("{} ({relation}{}{}/{})", g.subject, t.colon, g.raters, g.min_raters)
        })
        .collect();
    format!("{} {}", t.too_small, list.join(", "))
}
