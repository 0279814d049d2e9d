//! `/unsubscribe/{token}`: GET asks, POST (the button, or a mail client's one-click
//! `List-Unsubscribe-Post`) stops every further email to that address.
use super::WebState;
use super::extract::{ClientAddr, PageLocale};
use super::pages::{Brand, Html, app_error, message_from};
use crate::app::accounts;
use crate::domain::Token;
use crate::i18n::{Text, fill, text};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "respondent/unsubscribe.html")]
struct UnsubscribePage<'a> {
    t: &'a Text,
    org: Option<Brand<'a>>,
    page_title: &'a str,
    body: String,
    action: String,
}

/// The address behind a link, or the page that answers instead (429, 404, or an error).
async fn target(
    state: &WebState,
    ip: std::net::IpAddr,
    raw: &str,
    t: &Text,
    page: &PageLocale,
) -> Result<String, Response> {
    if state.limiter.is_blocked(ip) {
        return Err(message_from(state.brand(), StatusCode::TOO_MANY_REQUESTS, t, t.too_many_title, t.too_many_body));
    }
    let found = match Token::parse(raw) {
        Some(token) => {
            accounts::unsubscribe_target(&state.app, &token).await.map_err(|e| app_error(e, page.locale()))?
        }
        None => None,
    };
    found.ok_or_else(|| {
        state.limiter.record_miss(ip);
        message_from(state.brand(), StatusCode::NOT_FOUND, t, t.not_found_title, t.not_found_body)
    })
}

pub async fn show(
    State(state): State<WebState>,
    client: ClientAddr,
    Path(raw): Path<String>,
    page: PageLocale,
) -> Response {
    let t = text(page.locale());
    match target(&state, client.0, &raw, t, &page).await {
        Ok(email) => {
            let page = UnsubscribePage {
                t,
                org: state.brand(),
                page_title: t.unsub_title,
                body: fill(t.unsub_body, &[("name", &email)]),
                action: format!("/unsubscribe/{raw}"),
            };
            Html(page.render()).into_response()
        }
        Err(res) => res,
    }
}

pub async fn confirm(
    State(state): State<WebState>,
    client: ClientAddr,
    Path(raw): Path<String>,
    page: PageLocale,
) -> Response {
    let t = text(page.locale());
    match target(&state, client.0, &raw, t, &page).await {
        Ok(email) => match accounts::unsubscribe(&state.app, &email).await {
            Ok(()) => message_from(state.brand(), StatusCode::OK, t, t.unsub_done_title, t.unsub_done_body),
            Err(e) => app_error(e, page.locale()),
        },
        Err(res) => res,
    }
}
