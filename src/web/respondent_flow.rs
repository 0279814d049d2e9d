//! What a respondent does around a form: save it for later, decline the review, and — on the
//! thanks page — see how far they are and start the next review of the same cycle.
use super::WebState;
use super::extract::{ClientAddr, PageLocale, body_within};
use super::pages::{Brand, Html, app_error, message};
use super::respondent::resolve_info;
use crate::app::respondents::{self, Progress};
use crate::app::responses::{self, LinkState};
use crate::domain::{Locale, Token};
use crate::i18n::{FlowText, Text, fill, flow_text, review_kind, text};
use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

/// Saves the form for later under its link (`action=save`); nothing is checked or counted.
pub(super) async fn saved(
    state: &WebState,
    ip: std::net::IpAddr,
    raw: &str,
    token: &Token,
    fields: &[(String, String)],
    page: &PageLocale,
) -> Response {
    let locale = page.locale();
    match respondents::save_draft(&state.app, token, fields).await {
        // Back to the same address, prefilled: the page to bookmark to continue later.
        Ok(true) => Redirect::to(&format!("/s/{raw}?lang={}&saved=1", locale.as_str())).into_response(),
        // Not live: the page that says why (404, 409 or 410).
        Ok(false) => match resolve_info(state, ip, raw, page).await {
            Err(res) => res,
            Ok(_) => message(StatusCode::GONE, text(locale), text(locale).closed_title, text(locale).closed_body),
        },
        Err(e) => app_error(e, locale),
    }
}

#[derive(Template)]
#[template(path = "respondent/decline.html")]
struct DeclinePage<'a> {
    t: &'a Text,
    org: Option<Brand<'a>>,
    f: &'a FlowText,
    page_title: &'a str,
    body: String,
    /// Only attributed relations are asked why; an anonymous rater's reason would be dropped.
    ask_reason: bool,
    action: String,
    back: String,
}

/// `GET /s/{token}/decline`: asks to confirm (GET never changes anything).
pub async fn decline_page(
    State(state): State<WebState>,
    client: ClientAddr,
    Path(raw): Path<String>,
    page: PageLocale,
) -> Response {
    let info = match resolve_info(&state, client.0, &raw, &page).await {
        Ok(info) => info,
        Err(res) => return res,
    };
    let locale = page.with_stored(info.respondent_locale.as_deref());
    let survey = match responses::survey(&state.app, &info.survey_id).await {
        Ok(s) => s,
        Err(e) => return app_error(e, locale),
    };
    let f = flow_text(locale);
    let lang = locale.as_str();
    Html(
        DeclinePage {
            t: text(locale),
            org: state.brand(),
            f,
            page_title: f.decline_title,
            body: fill(f.decline_body, &[("subject", &info.subject_name)]),
            ask_reason: !info.relation.is_anonymous(survey.anonymous),
            action: format!("/s/{raw}/decline?lang={lang}"),
            back: format!("/s/{raw}?lang={lang}"),
        }
        .render(),
    )
    .into_response()
}

/// A decline's body: its reason, at most 500 characters of up to 4 bytes each, percent-encoded
/// (×3), and the field's name. Read only once the link is known to be live, so a guessed link
/// costs its request head and no more.
const DECLINE_FORM_BYTES: usize = respondents::MAX_REASON * 12 + 1024;

/// `POST /s/{token}/decline`: declines the review, then the thanks page with what is next.
pub async fn decline(
    State(state): State<WebState>,
    client: ClientAddr,
    Path(raw): Path<String>,
    page: PageLocale,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let info = match resolve_info(&state, client.0, &raw, &page).await {
        Ok(info) => info,
        Err(res) => return res,
    };
    let locale = page.with_stored(info.respondent_locale.as_deref());
    let Some(token) = Token::parse(&raw) else { return super::pages::not_found(locale) };
    let Some(body) = body_within(&headers, body, DECLINE_FORM_BYTES).await else { return too_large(locale) };
    let reason = form_field(&body, "reason").unwrap_or_default();
    match respondents::decline(&state.app, &token, &reason).await {
        Ok(_) => Redirect::to(&format!("/s/{raw}/thanks?lang={}", locale.as_str())).into_response(),
        Err(e) => app_error(e, locale),
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn too_large(locale: Locale) -> Response {
    let t = text(locale);
    message(StatusCode::PAYLOAD_TOO_LARGE, t, t.too_large_title, t.too_large_body)
}

#[derive(Template)]
#[template(path = "respondent/thanks.html")]
struct ThanksPage<'a> {
    t: &'a Text,
    org: Option<Brand<'a>>,
    f: &'a FlowText,
    page_title: &'a str,
    body: &'a str,
    progress: Option<String>,
    /// The next open review: its name, what it is, and the form that opens it.
    next: Option<NextView>,
    /// After the last review, a colleague's page of reviews and results.
    home: Option<String>,
    action: String,
}

struct NextView {
    label: String,
    kind: &'static str,
    invitation: i64,
}

/// `GET /s/{token}/thanks`: after an answer or a decline, how far the rater is and what is next.
pub async fn thanks(
    State(state): State<WebState>,
    client: ClientAddr,
    Path(raw): Path<String>,
    page: PageLocale,
) -> Response {
    let found = match responses::resolve(&state.app, &raw).await {
        Ok(found) => found,
        Err(e) => return app_error(e, page.locale()),
    };
    let (info, declined) = match found {
        LinkState::Answered(info) => (info, false),
        LinkState::Declined(info) => (info, true),
        // Still open: back to the form; otherwise the page that says why.
        LinkState::Live(_) => return Redirect::to(&format!("/s/{raw}")).into_response(),
        _ => {
            return resolve_info(&state, client.0, &raw, &page).await.err().unwrap_or_else(|| page_gone(page.locale()));
        }
    };
    let locale = page.with_stored(info.respondent_locale.as_deref());
    let progress = match respondents::progress_after(&state.app, &raw).await {
        Ok(p) => p,
        Err(e) => return app_error(e, locale),
    };
    render_thanks(&raw, (locale, state.brand()), declined, progress)
}

fn page_gone(locale: Locale) -> Response {
    let t = text(locale);
    message(StatusCode::GONE, t, t.closed_title, t.closed_body)
}

fn render_thanks(
    raw: &str,
    (locale, org): (Locale, Option<Brand<'_>>),
    declined: bool,
    progress: Option<Progress>,
) -> Response {
    let (t, f) = (text(locale), flow_text(locale));
    let (title, mut body) =
        if declined { (f.declined_title, f.declined_body) } else { (t.thanks_title, t.thanks_body) };
    // With more than one review, "you can close this page" is said only after the last.
    let several = progress.as_ref().is_some_and(|p| p.total > 1);
    if several && !declined {
        body = f.received;
    }
    let next = progress.as_ref().and_then(|p| p.next.as_ref()).map(|r| NextView {
        label: fill(f.next_is, &[("name", &r.subject_name)]),
        kind: review_kind(locale, r.relation),
        invitation: r.invitation_id,
    });
    let done_text = progress
        .as_ref()
        .filter(|_| several)
        .map(|p| fill(f.progress, &[("done", &p.done.to_string()), ("total", &p.total.to_string())]));
    let page = ThanksPage {
        t,
        org,
        f,
        page_title: title,
        body: if several && next.is_none() { f.all_done } else { body },
        progress: done_text,
        home: progress
            .as_ref()
            .filter(|p| p.colleague && p.next.is_none())
            .map(|_| format!("/me?lang={}", locale.as_str())),
        next,
        action: format!("/s/{raw}/next?lang={}", locale.as_str()),
    };
    Html(page.render()).into_response()
}

/// The next review's form carries one number.
const NEXT_FORM_BYTES: usize = 1024;

/// `POST /s/{token}/next`: a fresh link to the respondent's next review, and there. The
/// address's budget and the token's shape are checked from the head, then a body of a number.
pub async fn next(
    State(state): State<WebState>,
    client: ClientAddr,
    Path(raw): Path<String>,
    page: PageLocale,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let locale = page.locale();
    let t = text(locale);
    if state.limiter.is_blocked(client.0) {
        return message(StatusCode::TOO_MANY_REQUESTS, t, t.too_many_title, t.too_many_body);
    }
    if Token::parse(&raw).is_none() {
        state.limiter.record_miss(client.0);
        return message(StatusCode::NOT_FOUND, t, t.not_found_title, t.not_found_body);
    }
    let Some(body) = body_within(&headers, body, NEXT_FORM_BYTES).await else { return too_large(locale) };
    let Some(invitation) = form_field(&body, "invitation").and_then(|v| v.parse::<i64>().ok()) else {
        return super::pages::bad_form(locale);
    };
    match respondents::open_next(&state.app, &raw, invitation).await {
        Ok(token) => Redirect::to(&format!("/s/{}?lang={}", token.as_str(), locale.as_str())).into_response(),
        Err(e) => {
            if matches!(e, crate::app::Error::NotFound { .. }) {
                state.limiter.record_miss(client.0);
            }
            app_error(e, locale)
        }
    }
}
