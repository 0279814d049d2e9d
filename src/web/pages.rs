//! Helpers shared by the HTML pages, and the one place where a use-case error becomes a page:
//! 404 for what is not there, 503 only when the database is busy, 507 for a full disk, 500 for
//! a bug — each a page in the reader's language with a way back, the cause logged once.
use crate::app;
use crate::domain::Locale;
use crate::i18n::{Text, text};
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The organisation asking (`CANDOR_ORG_NAME`), and whether it has a logo at `/assets/logo`.
#[derive(Clone, Copy, Debug)]
pub struct Brand<'a> {
    pub name: &'a str,
    pub logo: bool,
}

impl super::WebState {
    pub fn brand(&self) -> Option<Brand<'_>> {
        self.app.config.org_name.as_deref().map(|name| Brand { name, logo: self.logo.is_some() })
    }
}

/// A rendered template; a rendering failure becomes a logged 500.
pub struct Html(pub Result<String, askama::Error>);

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        match self.0 {
            Ok(body) => axum::response::Html(body).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    t: &'a Text,
    page_title: &'a str,
    body: &'a str,
    back: Option<&'a str>,
    /// The organisation asking, on pages a respondent's link leads to.
    org: Option<Brand<'a>>,
}

/// A page with a heading and one paragraph, in the respondent's language.
pub fn message(status: StatusCode, t: &Text, title: &str, body: &str) -> Response {
    message_from(None, status, t, title, body)
}

/// The same, naming the organisation that asked (`CANDOR_ORG_NAME`), for the pages a
/// respondent's or customer's link leads to.
pub fn message_from(org: Option<Brand<'_>>, status: StatusCode, t: &Text, title: &str, body: &str) -> Response {
    (status, Html(MessagePage { t, page_title: title, body, back: None, org }.render())).into_response()
}

/// The same with a link back to the start, for pages reached from a signed-in area.
fn message_with_way_back(status: StatusCode, t: &Text, title: &str, body: &str) -> Response {
    (status, Html(MessagePage { t, page_title: title, body, back: Some("/dashboard"), org: None }.render()))
        .into_response()
}

/// Not there, or not for this reader: the two look the same.
pub fn not_found(locale: Locale) -> Response {
    let t = text(locale);
    message_with_way_back(StatusCode::NOT_FOUND, t, t.not_found_title, t.not_found_body)
}

/// A form whose CSRF token is not the session's (it was opened before a sign-out, or forged).
pub fn stale_form(locale: Locale) -> Response {
    let t = crate::i18n::dash_text(locale);
    message_with_way_back(StatusCode::FORBIDDEN, text(locale), t.stale_form_title, t.stale_form_body)
}

/// A form that does not have the fields its page sends.
pub fn bad_form(locale: Locale) -> Response {
    let t = crate::i18n::dash_text(locale);
    message_with_way_back(StatusCode::BAD_REQUEST, text(locale), t.stale_form_title, t.stale_form_body)
}

/// The status a page answers for each kind of use-case error: the one place pages decide it
/// (the API decides its own in `api/error.rs`, from the same kinds).
pub fn status_of(kind: app::Kind) -> StatusCode {
    match kind {
        app::Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        app::Kind::Conflict => StatusCode::CONFLICT,
        app::Kind::NotFound => StatusCode::NOT_FOUND,
        app::Kind::Busy => StatusCode::SERVICE_UNAVAILABLE,
        app::Kind::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
        app::Kind::Bug => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A refusal in the reader's language, looked up by its code, naming the row or the value it
/// is about. Never the error's own (English) message.
pub fn refusal_text(e: &app::Error, locale: Locale) -> String {
    match e {
        app::Error::Rows(rows) => match rows.first() {
            Some(p) => crate::i18n::row_refusal(locale, p.index + 1, &p.id, p.code),
            None => crate::i18n::refusal(locale, e.code(), None),
        },
        _ => crate::i18n::refusal(locale, e.code(), e.value()),
    }
}

/// A use-case error as a page. Invalid input and conflicts are normally shown on the page
/// that sent them, with what was typed; this is the fallback.
pub fn app_error(e: app::Error, locale: Locale) -> Response {
    let t = text(locale);
    let status = status_of(e.kind());
    match e.kind() {
        app::Kind::NotFound => not_found(locale),
        app::Kind::Invalid | app::Kind::Conflict => {
            message_with_way_back(status, t, t.error_title, &refusal_text(&e, locale))
        }
        app::Kind::Busy => {
            tracing::warn!(error = %e.chain(), "database busy");
            let mut res = message(status, t, t.busy_title, t.busy_body);
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            res
        }
        app::Kind::StorageFull => {
            tracing::error!(error = %e.chain(), "database full");
            message(status, t, t.full_title, t.full_body)
        }
        app::Kind::Bug => {
            tracing::error!(error = %e.chain(), "request failed");
            message_with_way_back(status, t, t.error_title, t.error_body)
        }
    }
}

/// Any address no route knows: the 404 page in the browser's language, with a way back.
pub async fn fallback(headers: axum::http::HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    not_found(crate::i18n::negotiate(None, None, accept))
}

/// A page asked for with a method it does not take.
pub async fn method_not_allowed(headers: axum::http::HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let t = text(crate::i18n::negotiate(None, None, accept));
    message_with_way_back(StatusCode::METHOD_NOT_ALLOWED, t, t.not_found_title, t.not_found_body)
}
