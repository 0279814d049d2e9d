//! A cycle's weights by role (CONTRACT §8 `weights_by_role`), edited on the cycle's admin page
//! (`/admin/cycles/{cycle}/raters`): a row per role in use, three weights each; an empty row
//! leaves that role on the cycle's own weights. Refusals are shown on the page in the reader's
//! language with what was typed kept.
use super::actor;
use crate::app::cycles::WeightsInput;
use crate::app::{self, App};
use crate::domain::cycle::Cycle;
use crate::i18n::identity_text;
use crate::web::extract::{AdminForm, SignedIn};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One role's row: the weights as stored or as typed (empty: the cycle's own).
pub(super) struct WeightRow {
    pub role: String,
    pub manager: String,
    pub peer: String,
    pub direct_report: String,
}

/// The section of the cycle's page.
pub(super) struct WeightsView {
    /// Closed cycles show their weights and take no change.
    pub open: bool,
    pub rows: Vec<WeightRow>,
    pub error: Option<String>,
    /// The cycle's own weights, shown where a row is empty.
    pub default: (f64, f64, f64),
    /// The same, said.
    pub default_text: String,
}

fn number(w: f64) -> String {
    format!("{w}")
}

/// The rows for every role in use or already weighted in this cycle.
pub(super) async fn view(app: &App, cycle: &Cycle, locale: crate::domain::Locale) -> app::Result<WeightsView> {
    let roles: BTreeSet<String> =
        app::people::choices(app).await?.roles.into_iter().chain(cycle.weights_by_role.keys().cloned()).collect();
    let rows = roles
        .into_iter()
        .map(|role| match cycle.weights_by_role.get(&role) {
            Some(w) => WeightRow {
                manager: number(w.manager),
                peer: number(w.peer),
                direct_report: number(w.direct_report),
                role,
            },
            None => WeightRow { role, manager: String::new(), peer: String::new(), direct_report: String::new() },
        })
        .collect();
    let w = &cycle.weights;
    let said = [("m", number(w.manager)), ("p", number(w.peer)), ("d", number(w.direct_report))];
    let vars: Vec<(&str, &str)> = said.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(WeightsView {
        open: cycle.is_open(crate::domain::time::now()),
        rows,
        error: None,
        default: (w.manager, w.peer, w.direct_report),
        default_text: crate::i18n::fill(identity_text(locale).weights_default, &vars),
    })
}

#[derive(Deserialize)]
pub(super) struct WeightsForm {
    /// `role_0`, `manager_0`, `peer_0`, `direct_report_0`, … one group a row.
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

/// The typed rows, in order.
fn typed(form: &WeightsForm) -> Vec<WeightRow> {
    let get = |k: String| form.fields.get(&k).map(|v| v.trim().to_string()).unwrap_or_default();
    (0..)
        .map_while(|i| {
            form.fields.get(&format!("role_{i}")).map(|role| WeightRow {
                role: role.trim().to_string(),
                manager: get(format!("manager_{i}")),
                peer: get(format!("peer_{i}")),
                direct_report: get(format!("direct_report_{i}")),
            })
        })
        .take(1_000)
        .collect()
}

/// Rows with any weight typed, as the use case takes them; none when a number does not parse.
/// An empty cell of such a row is the cycle's own weight for that relation.
fn parsed(rows: &[WeightRow], default: (f64, f64, f64)) -> Option<BTreeMap<String, WeightsInput>> {
    let cell = |raw: &str, fallback: f64| if raw.is_empty() { Some(fallback) } else { raw.parse::<f64>().ok() };
    let mut out = BTreeMap::new();
    for r in rows.iter().filter(|r| !(r.manager.is_empty() && r.peer.is_empty() && r.direct_report.is_empty())) {
        let w = WeightsInput {
            manager: cell(&r.manager, default.0)?,
            peer: cell(&r.peer, default.1)?,
            direct_report: cell(&r.direct_report, default.2)?,
        };
        out.insert(r.role.clone(), w);
    }
    Some(out)
}

pub(super) async fn save(
    State(app): State<App>,
    Path(cycle): Path<String>,
    AdminForm(f): AdminForm<WeightsForm>,
) -> Response {
    let who = &f.who;
    let rows = typed(&f.form);
    let c = match app::cycles::load(&app, &cycle).await {
        Ok(c) => c,
        Err(e) => return crate::web::pages::app_error(e, who.locale),
    };
    let w = &c.weights;
    let result = match parsed(&rows, (w.manager, w.peer, w.direct_report)) {
        Some(by_role) => app::cycles::set_weights_by_role(&app, &actor(who), &cycle, &by_role).await,
        None => Err(app::Error::invalid("invalid_cycle", "not a number")),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/cycles/{cycle}/raters?lang={}&done=weights#weights-h", who.t.lang))
            .into_response(),
        Err(e) if matches!(e.kind(), app::Kind::Invalid | app::Kind::Conflict) => {
            refused(&app, who, &cycle, rows, &e).await
        }
        Err(e) => crate::web::pages::app_error(e, who.locale),
    }
}

async fn refused(app: &App, who: &SignedIn, cycle: &str, rows: Vec<WeightRow>, e: &app::Error) -> Response {
    use super::raters::{Refused, RefusedForm};
    let id = identity_text(who.locale);
    let message = if e.code() == "cycle_closed" { id.weights_closed } else { id.err_weights };
    let status = crate::web::pages::status_of(e.kind());
    let refused = Refused { status, error: message.to_string(), form: RefusedForm::Weights(rows) };
    super::raters::render(app, who, cycle, None, Some(refused)).await
}
