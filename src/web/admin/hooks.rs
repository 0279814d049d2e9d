//! The admin page's webhooks: each receiver with its latest deliveries, and a test event.
use super::{ConfirmForm, back};
use crate::app::{self, App, integrations};
use crate::web::extract::AdminForm;
use axum::extract::{Path, State};
use axum::response::Response;

pub struct HookView {
    pub id: String,
    pub url: String,
    /// "2026-11-28 07:30 · webhook.test · delivered · 2xx · 12 ms", newest first.
    pub deliveries: Vec<String>,
}

/// Every receiver with its three latest delivery attempts.
pub(super) async fn views(
    app: &App,
    t: &crate::i18n::DashText,
    hooks: Vec<integrations::Webhook>,
) -> app::Result<Vec<HookView>> {
    let mut out = Vec::with_capacity(hooks.len());
    for h in hooks {
        let deliveries = integrations::deliveries(app, &h.id)
            .await?
            .into_iter()
            .take(3)
            .map(|d| {
                // The API's UTC instant, read on the organisation's calendar, to the minute.
                let local = crate::domain::time::parse_rfc3339(&d.at, "at").map(|t| app.calendar.date_time(t));
                let at = local.unwrap_or_else(|_| d.at.replace('T', " ")).chars().take(16).collect::<String>();
                let outcome = match d.outcome.as_str() {
                    "delivered" => t.delivery_outcomes[0],
                    "retrying" => t.delivery_outcomes[1],
                    "failed" => t.delivery_outcomes[2],
                    other => other,
                };
                format!("{at} · {} · {outcome} · {} · {} ms", d.event, d.status, d.latency_ms)
            })
            .collect();
        out.push(HookView { id: h.id, url: h.url, deliveries });
    }
    Ok(out)
}

/// `POST /admin/webhooks/{id}/test`: sends a signed test event.
pub(super) async fn test(
    State(app): State<App>,
    Path(id): Path<String>,
    AdminForm(f): AdminForm<ConfirmForm>,
) -> Response {
    let result = integrations::test_webhook(&app, &super::actor(&f.who), &id).await.map(|_| ("webhook_tested", None));
    back(&app, &f.who, result).await
}
