//! The respondent's survey page: `GET /s/{token}` shows, `POST /s/{token}` answers.
//! GET and HEAD never change anything: mail scanners open links before people do.
use super::WebState;
use super::extract::{ClientAddr, PageLocale};
use super::pages::{Brand, Html, app_error, message, message_from};
use crate::app::respondents;
use crate::app::responses::{self, InvitationInfo, LinkState, SubmitOutcome};
use crate::domain::answers::{AnswerProblem, NOT_APPLICABLE, Rejected};
use crate::domain::survey::{Question, QuestionType, Survey};
use crate::domain::{Locale, Token};
use crate::i18n::{FlowText, Text, fill, flow_text, text};
use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/s/{token}", get(show).post(submit))
        .route("/s/{token}/thanks", get(super::respondent_flow::thanks))
        .route("/s/{token}/next", axum::routing::post(super::respondent_flow::next))
        .route("/s/{token}/decline", get(super::respondent_flow::decline_page).post(super::respondent_flow::decline))
        .route("/unsubscribe/{token}", get(super::unsubscribe::show).post(super::unsubscribe::confirm))
}

pub struct ChoiceView {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct QuestionView {
    pub id: String,
    pub text: String,
    pub is_text: bool,
    /// A choice question: its options as a list (`multiple`: checkboxes).
    pub is_choice: bool,
    pub multiple: bool,
    pub required: bool,
    pub choices: Vec<ChoiceView>,
    /// "Can't judge", offered after a scale's points.
    pub na: Option<ChoiceView>,
    pub low: String,
    pub high: String,
    pub kept: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "respondent/form.html")]
struct FormPage<'a> {
    t: &'a Text,
    /// The organisation asking, when one is configured.
    org: Option<Brand<'a>>,
    /// The same words, by the name the shared question markup uses.
    rt: &'a Text,
    f: &'a FlowText,
    /// The answers shown come from a draft saved for later.
    restored: bool,
    /// Just saved: say so, and that this page's address is the way back.
    saved: bool,
    decline_href: String,
    page_title: &'a str,
    intro: String,
    note: String,
    has_errors: bool,
    action: String,
    questions: Vec<QuestionView>,
}

fn problem_text(t: &Text, p: AnswerProblem) -> &'static str {
    match p {
        AnswerProblem::Required => t.err_required,
        AnswerProblem::NotAChoice => t.err_not_a_choice,
        AnswerProblem::TooLong => t.err_too_long,
        AnswerProblem::InvalidCharacters => t.err_invalid_characters,
        AnswerProblem::Duplicated => t.err_duplicated,
    }
}

/// The survey form of one link; `(info, survey)` is what the link leads to, `org` who asks.
fn render_form(
    status: StatusCode,
    token: &str,
    (info, survey): (&InvitationInfo, &Survey),
    (locale, org): (Locale, Option<Brand<'_>>),
    rejected: Option<&Rejected>,
    restored: Restored,
) -> Response {
    let t = text(locale);
    let questions = survey
        .questions
        .iter()
        .map(|q| {
            let kept = rejected.and_then(|r| r.kept.get(&q.id)).cloned().unwrap_or_default();
            question_view(q, info.relation.as_str(), locale, t, kept, rejected)
        })
        .collect();
    let cycle = crate::domain::cycle::title_in(&info.cycle_title, &info.cycle_title_i18n, locale);
    let vars = [("subject", info.subject_name.as_str()), ("cycle", cycle)];
    let n = crate::domain::cycle::others_in_group(info.min_raters).to_string();
    let named = org;
    let org = org.map_or(t.org_fallback, |b| b.name);
    let page = FormPage {
        t,
        rt: t,
        f: flow_text(locale),
        restored: restored == Restored::Draft,
        saved: restored == Restored::JustSaved,
        decline_href: format!("/s/{token}/decline?lang={}", locale.as_str()),
        page_title: survey.title_in(locale),
        intro: fill(t.intro(info.relation), &vars),
        note: fill(
            t.note(info.relation, info.relation.is_anonymous(survey.anonymous)),
            &[("n", &n), ("org", org), ("subject", &info.subject_name)],
        ),
        org: named,
        has_errors: rejected.is_some_and(|r| !r.problems.is_empty()),
        action: format!("/s/{token}?lang={}", locale.as_str()),
        questions,
    };
    (status, Html(page.render())).into_response()
}

/// One question as the form shows it, in the respondent's language and relation's wording.
pub(super) fn question_view(
    q: &Question,
    relation: &str,
    locale: Locale,
    t: &'static Text,
    kept: String,
    rejected: Option<&Rejected>,
) -> QuestionView {
    let picked: Vec<&str> = kept.split(',').map(str::trim).collect();
    let (low, high) = match q.kind {
        QuestionType::Nps => (t.nps_low.to_string(), t.nps_high.to_string()),
        _ => (
            format!("{} = {}", q.min.unwrap_or_default(), t.scale_low),
            format!("{} = {}", q.max.unwrap_or_default(), t.scale_high),
        ),
    };
    let choices = match q.kind {
        QuestionType::Choice => q
            .extra
            .options
            .iter()
            .map(|o| ChoiceView {
                checked: picked.contains(&o.id.as_str()),
                label: o.text_i18n.get(locale.as_str()).cloned().unwrap_or_else(|| o.text.clone()),
                value: o.id.clone(),
            })
            .collect(),
        _ => q
            .choices()
            .into_iter()
            .map(|v| ChoiceView { value: v.to_string(), label: v.to_string(), checked: kept.trim() == v.to_string() })
            .collect(),
    };
    let na = q.extra.na.then(|| ChoiceView {
        value: NOT_APPLICABLE.to_string(),
        label: t.cant_judge.to_string(),
        checked: kept.trim() == NOT_APPLICABLE,
    });
    QuestionView {
        id: q.id.clone(),
        text: q.text_for(relation, locale).to_string(),
        is_text: q.kind == QuestionType::Text,
        is_choice: q.kind == QuestionType::Choice,
        multiple: q.extra.multiple,
        required: q.required,
        choices,
        na,
        low,
        high,
        error: rejected.and_then(|r| r.problems.get(&q.id)).map(|p| problem_text(t, *p)),
        kept,
    }
}

/// Finds what a live link leads to, or answers with the page that says why it leads nowhere:
/// 429 for an address that guessed too often, 404, 409 answered, 410 closed.
pub(super) async fn resolve_info(
    state: &WebState,
    ip: std::net::IpAddr,
    raw: &str,
    page: &PageLocale,
) -> Result<InvitationInfo, Response> {
    let fallback = text(page.locale());
    if state.limiter.is_blocked(ip) {
        return Err(message_from(
            state.brand(),
            StatusCode::TOO_MANY_REQUESTS,
            fallback,
            fallback.too_many_title,
            fallback.too_many_body,
        ));
    }
    let found = responses::resolve(&state.app, raw).await.map_err(|e| app_error(e, page.locale()))?;
    let in_their_language = |info: &InvitationInfo| text(page.with_stored(info.respondent_locale.as_deref()));
    match found {
        LinkState::Unknown => {
            state.limiter.record_miss(ip);
            Err(message_from(
                state.brand(),
                StatusCode::NOT_FOUND,
                fallback,
                fallback.not_found_title,
                fallback.not_found_body,
            ))
        }
        LinkState::Answered(info) => {
            let t = in_their_language(&info);
            Err(message_from(state.brand(), StatusCode::CONFLICT, t, t.done_title, t.done_body))
        }
        LinkState::Declined(info) => {
            let t = in_their_language(&info);
            let f = flow_text(page.with_stored(info.respondent_locale.as_deref()));
            Err(message_from(state.brand(), StatusCode::CONFLICT, t, f.declined_title, f.declined_body))
        }
        LinkState::Closed(info) => {
            let t = in_their_language(&info);
            Err(message_from(state.brand(), StatusCode::GONE, t, t.closed_title, t.closed_body))
        }
        LinkState::Live(info) => Ok(info),
    }
}

#[tracing::instrument(skip_all)]
async fn show(
    State(state): State<WebState>,
    client: ClientAddr,
    Path(raw): Path<String>,
    page: PageLocale,
    shown: Result<axum::extract::Query<Shown>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let shown = shown.map(|q| q.0).unwrap_or_default();
    let info = match resolve_info(&state, client.0, &raw, &page).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let locale = page.with_stored(info.respondent_locale.as_deref());
    let survey = match responses::survey(&state.app, &info.survey_id).await {
        Ok(survey) => survey,
        Err(e) => return app_error(e, locale),
    };
    // A draft this link saved comes back prefilled; one it cannot open is as good as none.
    let draft = match Token::parse(&raw) {
        Some(token) => respondents::draft(&state.app, &token).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e.chain(), "could not read a draft");
            None
        }),
        None => None,
    };
    let how = match (&draft, shown.saved.is_some()) {
        (None, _) => Restored::Nothing,
        (Some(_), true) => Restored::JustSaved,
        (Some(_), false) => Restored::Draft,
    };
    let restored = draft.map(|fields| Rejected { problems: Default::default(), kept: kept_fields(&fields) });
    let org = state.brand();
    render_form(StatusCode::OK, &raw, (&info, &survey), (locale, org), restored.as_ref(), how)
}

/// Where a form's answers come from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Restored {
    Nothing,
    /// A draft saved earlier through this link.
    Draft,
    /// The draft saved a moment ago (`?saved=1`).
    JustSaved,
}

#[derive(serde::Deserialize, Default)]
struct Shown {
    saved: Option<String>,
}

/// A form's fields as the form puts them back: one string per question, several values
/// (checkboxes) joined by commas.
pub(super) fn kept_fields(fields: &[(String, String)]) -> std::collections::HashMap<String, String> {
    let mut kept: std::collections::HashMap<String, String> = Default::default();
    for (name, value) in fields {
        kept.entry(name.clone()).and_modify(|v| *v = format!("{v},{value}")).or_insert_with(|| value.clone());
    }
    kept
}

/// A form body this small is read at once; a larger one only after its link is known to lead
/// to a survey whose answers can be that long.
const SMALL_FORM: usize = 64 * 1024;

/// Reads the form body, no larger than the link's survey allows; `Err` is the page to answer.
async fn read_form(
    state: &WebState,
    ip: std::net::IpAddr,
    raw: &str,
    headers: &HeaderMap,
    body: Body,
    page: &PageLocale,
) -> Result<Bytes, Response> {
    let t = text(page.locale());
    let too_large = || message(StatusCode::PAYLOAD_TOO_LARGE, t, t.too_large_title, t.too_large_body);
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let limit = match declared {
        Some(n) if n <= SMALL_FORM => SMALL_FORM,
        // Unknown, answered or closed links get their own page, before the body is read.
        _ => {
            let info = resolve_info(state, ip, raw, page).await?;
            responses::survey(&state.app, &info.survey_id)
                .await
                .map_err(|e| app_error(e, page.locale()))?
                .max_form_bytes()
        }
    };
    super::extract::body_within(headers, body, limit).await.ok_or_else(too_large)
}

/// Claims and stores in one transaction (`app::responses::submit`). Before reading a byte of
/// the body this handler checks the address's budget and the token's shape; then it reads no
/// more than the survey can need, and words the outcome.
#[tracing::instrument(skip_all)]
async fn submit(
    State(state): State<WebState>,
    client: ClientAddr,
    Path(raw): Path<String>,
    page: PageLocale,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Our own form always says which language it was shown in.
    let locale = page.locale();
    let t = text(locale);
    let ip = client.0;
    if state.limiter.is_blocked(ip) {
        return message(StatusCode::TOO_MANY_REQUESTS, t, t.too_many_title, t.too_many_body);
    }
    let Some(token) = Token::parse(&raw) else {
        state.limiter.record_miss(ip);
        return message(StatusCode::NOT_FOUND, t, t.not_found_title, t.not_found_body);
    };
    let body = match read_form(&state, ip, &raw, &headers, body, &page).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let mut fields: Vec<(String, String)> =
        url::form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let save = fields.iter().any(|(k, v)| k == "action" && v == "save");
    fields.retain(|(k, _)| k != "action");
    if save {
        return super::respondent_flow::saved(&state, ip, &raw, &token, &fields, &page).await;
    }
    match responses::submit(&state.app, &token, fields).await {
        Ok(SubmitOutcome::Stored) => {
            Redirect::to(&format!("/s/{}/thanks?lang={}", token.as_str(), locale.as_str())).into_response()
        }
        // Nothing claimed: unknown (404, counted against the address), answered (409) or closed (410).
        Ok(SubmitOutcome::NotClaimed) => match resolve_info(&state, ip, &raw, &page).await {
            Err(page) => page,
            Ok(_) => message(StatusCode::GONE, t, t.closed_title, t.closed_body),
        },
        // Invalid answers: the claim was rolled back; the form comes back with its problems.
        Ok(SubmitOutcome::Rejected { survey, rejected }) => match resolve_info(&state, ip, &raw, &page).await {
            Ok(info) => {
                let locale = page.with_stored(info.respondent_locale.as_deref());
                let org = state.brand();
                let target = (&info, survey.as_ref());
                render_form(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &raw,
                    target,
                    (locale, org),
                    Some(&rejected),
                    Restored::Nothing,
                )
            }
            Err(page) => page,
        },
        Err(e) => app_error(e, locale),
    }
}
