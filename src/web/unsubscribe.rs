//! `/unsubscribe/{token}`: GET asks, POST (the button, or a mail client's one-click
//! `List-Unsubscribe-Post`) stops every further email to that address.
use super::i18n::{Text, fill, text};
use super::pages::{Html, db_error, message};
use super::respondent::{LangQuery, pick_locale};
use crate::domain::{Token, time};
use crate::state::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "respondent/unsubscribe.html")]
struct UnsubscribePage<'a> {
    t: &'a Text,
    page_title: &'a str,
    body: String,
    action: String,
}

async fn target(state: &AppState, ip: std::net::IpAddr, raw: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let Some(token) = Token::parse(raw) else {
        state.limiter.record_miss(ip);
        return Ok(None);
    };
    let found = crate::db::links::unsubscribe_target(&state.db.pool, &token.hash()).await?;
    if found.is_none() {
        state.limiter.record_miss(ip);
    }
    Ok(found)
}

fn not_found(t: &Text) -> Response {
    message(StatusCode::NOT_FOUND, t, t.not_found_title, t.not_found_body)
}

pub async fn show(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(raw): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let t = text(pick_locale(&q, None, &headers));
    if state.limiter.is_blocked(addr.ip()) {
        return message(StatusCode::TOO_MANY_REQUESTS, t, t.too_many_title, t.too_many_body);
    }
    match target(&state, addr.ip(), &raw).await {
        Ok(Some((_, email))) => {
            let page = UnsubscribePage {
                t,
                page_title: t.unsub_title,
                body: fill(t.unsub_body, &[("name", &email)]),
                action: format!("/unsubscribe/{raw}"),
            };
            Html(page.render()).into_response()
        }
        Ok(None) => not_found(t),
        Err(e) => db_error(e, t),
    }
}

pub async fn confirm(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(raw): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let t = text(pick_locale(&q, None, &headers));
    if state.limiter.is_blocked(addr.ip()) {
        return message(StatusCode::TOO_MANY_REQUESTS, t, t.too_many_title, t.too_many_body);
    }
    match target(&state, addr.ip(), &raw).await {
        Ok(Some((_, email))) => match crate::db::links::suppress(&state.db.pool, &email, time::now()).await {
            Ok(()) => {
                tracing::info!("address unsubscribed");
                message(StatusCode::OK, t, t.unsub_done_title, t.unsub_done_body)
            }
            Err(e) => db_error(e, t),
        },
        Ok(None) => not_found(t),
        Err(e) => db_error(e, t),
    }
}
