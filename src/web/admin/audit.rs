//! `/admin/audit`: who changed what and when, newest first, a page at a time, by cycle.
use crate::app::{App, audit, cycles};
use crate::i18n::DashText;
use crate::web::dashboard::{CycleOption, urlencode};
use crate::web::extract::AdminViewer;
use crate::web::nav::{Nav, nav};
use crate::web::pages::{Html, app_error};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

const PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub(super) struct AuditQuery {
    cycle: Option<String>,
    before: Option<i64>,
}

pub struct EntryView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub cycle: String,
    pub target: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage<'a> {
    t: &'a DashText,
    nav: Nav,
    page_title: &'a str,
    /// The "when" column's heading, naming the zone of its times.
    when: String,
    cycles: Vec<CycleOption>,
    entries: Vec<EntryView>,
    older: Option<String>,
}

pub(super) async fn page(
    State(app): State<App>,
    AdminViewer(who): AdminViewer,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let cycle = q.cycle.as_deref().filter(|c| !c.is_empty());
    let found = async {
        Ok::<_, crate::app::Error>((audit::page(&app, cycle, q.before, Some(PAGE)).await?, cycles::list(&app).await?))
    };
    let (entries, all) = match found.await {
        Ok(x) => x,
        Err(e) => return app_error(e, who.locale),
    };
    let older = (entries.len() as i64 == PAGE).then(|| entries.last().map(|e| e.id)).flatten().map(|id| {
        format!(
            "/admin/audit?lang={}&before={id}{}",
            who.t.lang,
            cycle.map(|c| format!("&cycle={}", urlencode(c))).unwrap_or_default()
        )
    });
    let entries = entries
        .into_iter()
        .map(|e| EntryView {
            // Stored and served by the API in UTC; read here on the organisation's calendar.
            at: crate::domain::time::parse_rfc3339(&e.at, "at")
                .map(|t| app.calendar.date_time(t))
                .unwrap_or_else(|_| e.at.clone()),
            actor: crate::i18n::audit::actor(who.locale, &e.actor_kind, &e.actor),
            action: crate::i18n::audit::action(who.locale, &e.action),
            cycle: e.cycle.unwrap_or_default(),
            target: crate::i18n::audit::target(who.locale, &e.target),
            detail: e.detail,
        })
        .collect();
    let page = AuditPage {
        t: who.t,
        nav: nav(&who.viewer, who.t, "/admin/audit"),
        page_title: who.t.audit_title,
        when: crate::i18n::fill(who.t.audit_when, &[("zone", app.calendar.name())]),
        cycles: all
            .into_iter()
            .map(|c| CycleOption {
                selected: Some(c.id.as_str()) == cycle,
                title: crate::domain::cycle::title_in(&c.title, &c.title_i18n, who.locale).to_string(),
                id: c.id,
            })
            .collect(),
        entries,
        older,
    };
    Html(page.render()).into_response()
}

#[cfg(test)]
mod tests {
    use crate::app::audit::AuditAction;
    use crate::domain::Locale;

    #[test]
    fn every_action_has_a_chinese_name() {
        for a in AuditAction::ALL {
            let zh = crate::i18n::audit::action(Locale::ZhCn, a.as_str());
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{}: {zh}", a.as_str());
            assert_eq!(crate::i18n::audit::action(Locale::En, a.as_str()), a.as_str().replace('_', " "));
        }
    }
}
