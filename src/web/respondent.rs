//! The respondent's survey page: `GET /s/{token}` shows, `POST /s/{token}` answers.
//! GET and HEAD never change anything: mail scanners open links before people do.
use super::i18n::{Text, fill, text};
use super::pages::{Html, message};
use crate::db::invitations::{self, InvitationInfo};
use crate::db::responses::{self, NewResponse};
use crate::domain::answers::{AnswerProblem, Rejected, check_answers};
use crate::domain::survey::{QuestionType, Survey};
use crate::domain::{Locale, Token, time};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

/// Surveys by id. Safe to cache: a survey that has invitations is frozen, and only those are
/// ever looked up from a link.
#[derive(Clone, Default)]
pub struct SurveyCache(Arc<RwLock<HashMap<String, Arc<Survey>>>>);

impl SurveyCache {
    fn cached(&self, id: &str) -> Option<Arc<Survey>> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    fn keep(&self, survey: Survey) -> Arc<Survey> {
        let survey = Arc::new(survey);
        self.0.write().unwrap_or_else(|p| p.into_inner()).insert(survey.id.clone(), survey.clone());
        survey
    }

    pub async fn get(&self, pool: &sqlx::AnyPool, id: &str) -> Result<Option<Arc<Survey>>, sqlx::Error> {
        if let Some(s) = self.cached(id) {
            return Ok(Some(s));
        }
        let Some(survey) = crate::db::surveys::load(pool, id).await? else {
            return Ok(None);
        };
        Ok(Some(self.keep(survey)))
    }

    /// The same, reading through a connection the caller already holds.
    pub async fn get_on(&self, conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<Arc<Survey>>, sqlx::Error> {
        if let Some(s) = self.cached(id) {
            return Ok(Some(s));
        }
        Ok(crate::db::surveys::load_on(conn, id).await?.map(|s| self.keep(s)))
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{token}", get(show).post(submit))
        .route("/s/{token}/thanks", get(thanks))
        .route("/unsubscribe/{token}", get(super::unsubscribe::show).post(super::unsubscribe::confirm))
}

#[derive(serde::Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
}

/// `?lang=` first (the page's switch), then the respondent's locale, then the browser's.
pub fn pick_locale(query: &LangQuery, stored: Option<&str>, headers: &HeaderMap) -> Locale {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    query.lang.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_else(|| Locale::choose(stored, accept))
}

pub struct ChoiceView {
    pub value: i64,
    pub checked: bool,
}

pub struct QuestionView {
    pub id: String,
    pub text: String,
    pub is_text: bool,
    pub required: bool,
    pub choices: Vec<ChoiceView>,
    pub low: String,
    pub high: String,
    pub kept: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "respondent/form.html")]
struct FormPage<'a> {
    t: &'a Text,
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

fn render_form(
    status: StatusCode,
    token: &Token,
    info: &InvitationInfo,
    survey: &Survey,
    locale: Locale,
    rejected: Option<&Rejected>,
) -> Response {
    let t = text(locale);
    let questions = survey
        .questions
        .iter()
        .map(|q| {
            let kept = rejected.and_then(|r| r.kept.get(&q.id)).cloned().unwrap_or_default();
            let (low, high) = match q.kind {
                QuestionType::Nps => (t.nps_low.to_string(), t.nps_high.to_string()),
                _ => (
                    format!("{} = {}", q.min.unwrap_or_default(), t.scale_low),
                    format!("{} = {}", q.max.unwrap_or_default(), t.scale_high),
                ),
            };
            QuestionView {
                id: q.id.clone(),
                text: q.text_in(locale).to_string(),
                is_text: q.kind == QuestionType::Text,
                required: q.required,
                choices: q
                    .choices()
                    .into_iter()
                    .map(|v| ChoiceView { value: v, checked: kept.trim() == v.to_string() })
                    .collect(),
                low,
                high,
                error: rejected.and_then(|r| r.problems.get(&q.id)).map(|p| problem_text(t, *p)),
                kept,
            }
        })
        .collect();
    let vars = [("subject", info.subject_name.as_str()), ("cycle", info.cycle_title.as_str())];
    let n = info.min_raters.to_string();
    let page = FormPage {
        t,
        page_title: survey.title_in(locale),
        intro: fill(t.intro(info.relation), &vars),
        note: fill(t.note(info.relation, info.relation.is_anonymous(survey.anonymous)), &[("n", &n)]),
        has_errors: rejected.is_some(),
        action: format!("/s/{}?lang={}", token.as_str(), locale.as_str()),
        questions,
    };
    (status, Html(page.render())).into_response()
}

/// Finds what a live link leads to, or answers with the page that says why it leads nowhere:
/// 429 for an address that guessed too often, 404, 409 answered, 410 closed.
async fn resolve_info(
    state: &AppState,
    ip: std::net::IpAddr,
    raw: &str,
    headers: &HeaderMap,
    q: &LangQuery,
) -> Result<(Token, InvitationInfo), Response> {
    let fallback = text(pick_locale(q, None, headers));
    if state.limiter.is_blocked(ip) {
        return Err(message(StatusCode::TOO_MANY_REQUESTS, fallback, fallback.too_many_title, fallback.too_many_body));
    }
    let found = match Token::parse(raw) {
        Some(token) => match invitations::info_by_link(&state.db.pool, &token.hash(), time::now()).await {
            Ok(found) => found.map(|info| (token, info)),
            Err(e) => return Err(super::pages::db_error(e, fallback)),
        },
        None => None,
    };
    let Some((token, info)) = found else {
        state.limiter.record_miss(ip);
        return Err(message(StatusCode::NOT_FOUND, fallback, fallback.not_found_title, fallback.not_found_body));
    };
    let t = text(pick_locale(q, info.respondent_locale.as_deref(), headers));
    if info.completed {
        return Err(message(StatusCode::CONFLICT, t, t.done_title, t.done_body));
    }
    if !info.cycle_open || info.revoked {
        return Err(message(StatusCode::GONE, t, t.closed_title, t.closed_body));
    }
    Ok((token, info))
}

async fn load_survey(state: &AppState, survey_id: &str) -> Result<Arc<Survey>, sqlx::Error> {
    state.surveys.get(&state.db.pool, survey_id).await?.ok_or(sqlx::Error::RowNotFound)
}

#[tracing::instrument(skip_all)]
async fn show(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(raw): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (token, info) = match resolve_info(&state, addr.ip(), &raw, &headers, &q).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let locale = pick_locale(&q, info.respondent_locale.as_deref(), &headers);
    match load_survey(&state, &info.survey_id).await {
        Ok(survey) => render_form(StatusCode::OK, &token, &info, &survey, locale, None),
        Err(e) => super::pages::db_error(e, text(locale)),
    }
}

/// The hot path: the write transaction opens at once and its first statement claims the
/// invitation through the link's hash; answers are checked against the cached survey inside it
/// (no other read), then stored in one more round trip. Anything else rolls back.
#[tracing::instrument(skip_all)]
async fn submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(raw): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Our own form always says which language it was shown in.
    let locale = pick_locale(&q, None, &headers);
    let t = text(locale);
    if state.limiter.is_blocked(addr.ip()) {
        return message(StatusCode::TOO_MANY_REQUESTS, t, t.too_many_title, t.too_many_body);
    }
    let Some(token) = Token::parse(&raw) else {
        state.limiter.record_miss(addr.ip());
        return message(StatusCode::NOT_FOUND, t, t.not_found_title, t.not_found_body);
    };
    let (now, today) = (time::now(), time::today());
    let stored = async {
        let mut tx = state.db.begin().await?;
        let Some(target) = responses::claim(&mut tx, &token.hash(), now, &today).await? else {
            tx.rollback().await?;
            return Ok(Err(None));
        };
        let survey = state.surveys.get_on(&mut tx, &target.survey_id).await?.ok_or(sqlx::Error::RowNotFound)?;
        let fields: Vec<(String, String)> =
            url::form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let answers = match check_answers(&survey.questions, &fields) {
            Ok(a) => a,
            Err(rejected) => {
                tx.rollback().await?;
                return Ok(Err(Some((survey, rejected))));
            }
        };
        let values = crate::scoring::response_values(&survey.questions, &answers);
        let anonymous = target.relation.is_anonymous(survey.anonymous);
        let response = NewResponse {
            values: &values,
            invitation_id: target.id,
            cycle_id: &target.cycle_id,
            survey_id: &target.survey_id,
            subject_id: &target.subject_id,
            relation: target.relation.as_str(),
            anonymous,
            answers: &answers,
        };
        responses::store(&mut tx, state.db.backend, &response, &today).await?;
        tx.commit().await?;
        if anonymous {
            responses::restamp(&state.db, target.id).await?;
        }
        Ok::<_, sqlx::Error>(Ok(()))
    };
    match stored.await {
        Ok(Ok(())) => Redirect::to(&format!("/s/{}/thanks?lang={}", token.as_str(), locale.as_str())).into_response(),
        // Nothing claimed: unknown (404, counted against the address), answered (409) or closed (410).
        Ok(Err(None)) => match resolve_info(&state, addr.ip(), &raw, &headers, &q).await {
            Err(page) => page,
            Ok(_) => message(StatusCode::GONE, t, t.closed_title, t.closed_body),
        },
        // Invalid answers: the claim was rolled back; the form comes back with its problems.
        Ok(Err(Some((survey, rejected)))) => match resolve_info(&state, addr.ip(), &raw, &headers, &q).await {
            Ok((token, info)) => {
                let locale = pick_locale(&q, info.respondent_locale.as_deref(), &headers);
                render_form(StatusCode::UNPROCESSABLE_ENTITY, &token, &info, &survey, locale, Some(&rejected))
            }
            Err(page) => page,
        },
        Err(e) => super::pages::db_error(e, t),
    }
}

async fn thanks(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(raw): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    match resolve_info(&state, addr.ip(), &raw, &headers, &q).await {
        // Answered: this is the page the form redirects to.
        Err(page) if page.status() == StatusCode::CONFLICT => {
            let t = text(pick_locale(&q, None, &headers));
            message(StatusCode::OK, t, t.thanks_title, t.thanks_body)
        }
        Err(page) => page,
        Ok((token, _)) => Redirect::to(&format!("/s/{}", token.as_str())).into_response(),
    }
}
