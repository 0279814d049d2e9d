//! Surveys: create or replace (until invited), read back, and a cache for the respondent path.
use super::audit::{self, Actor, AuditAction, Target};
use super::{App, Error, Result, UpsertCounts};
use crate::db::surveys;
use crate::domain::survey::{QuestionInput, Survey, SurveyInput};
use crate::domain::time;
use std::collections::HashMap;
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
        Ok(surveys::load(pool, id).await?.map(|s| self.keep(s)))
    }

    /// The same, reading through a connection the caller already holds.
    pub async fn get_on(&self, conn: &mut sqlx::AnyConnection, id: &str) -> Result<Option<Arc<Survey>>, sqlx::Error> {
        if let Some(s) = self.cached(id) {
            return Ok(Some(s));
        }
        Ok(surveys::load_on(conn, id).await?.map(|s| self.keep(s)))
    }
}

/// The domain's refusal, naming the question it is about when its message names one, so a
/// page can point to it in the reader's language.
fn invalid_survey(input: &SurveyInput, message: String) -> Error {
    let named = input.questions.iter().map(|q| q.id.as_str()).find(|id| {
        !id.is_empty() && (message.starts_with(&format!("question {id}:")) || message.contains(&format!("{id:?}")))
    });
    let e = Error::invalid("invalid_survey", message);
    match named {
        Some(id) => e.naming(id),
        None => e,
    }
}

/// Creates or replaces a survey; one with invitations is frozen (409 `survey_frozen`).
#[tracing::instrument(skip_all)]
pub async fn save(app: &App, actor: &Actor, input: &SurveyInput) -> Result<UpsertCounts> {
    let survey = input.parse().map_err(|e| invalid_survey(input, e))?;
    let mut tx = app.db.begin().await?;
    // Held until commit: no first invitation can slip in between the check and the change.
    crate::db::lock_rows(&mut tx, app.db.backend, "surveys", &[&survey.id], crate::db::RowLock::Update).await?;
    let mut counts = UpsertCounts::default();
    if surveys::exists(&mut tx, &survey.id).await? {
        if surveys::load_on(&mut tx, &survey.id).await?.as_ref() == Some(&survey) {
            counts.unchanged = 1;
            return Ok(counts);
        }
        if surveys::has_invitations(&mut tx, &survey.id).await? {
            return Err(Error::conflict(
                "survey_frozen",
                format!("survey {:?} has invitations, so it can no longer change; create a new survey id", survey.id),
            )
            .naming(&survey.id));
        }
        counts.updated = 1;
    } else {
        counts.created = 1;
    }
    surveys::save(&mut tx, &survey, time::now()).await?;
    audit::write(&mut tx, actor, AuditAction::SaveSurvey, Target::Survey(&survey.id), &counts.summary()).await?;
    tx.commit().await?;
    Ok(counts)
}

/// A survey as it was posted, and whether invitations froze it.
pub async fn show(app: &App, id: &str) -> Result<(SurveyInput, bool)> {
    let survey = surveys::load(&app.db.pool, id).await?.ok_or_else(|| Error::not_found("survey", id))?;
    let frozen = surveys::is_frozen(&app.db.pool, id).await?;
    Ok((to_input(survey), frozen))
}

/// Display names of indicators by locale tag, from every survey that names them (a later
/// survey id wins where two disagree).
pub async fn indicator_names(app: &App) -> Result<IndicatorNames> {
    let mut names = IndicatorNames::new();
    for raw in surveys::indicator_names(&app.db.pool).await? {
        let one: IndicatorNames = serde_json::from_str(&raw).map_err(Error::internal)?;
        names.extend(one);
    }
    Ok(names)
}

pub type IndicatorNames = std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>;

/// (id, kind, title) of every survey, the title in `locale` where the survey has one.
pub async fn list_in(app: &App, locale: crate::domain::Locale) -> Result<Vec<(String, String, String)>> {
    let rows = crate::db::admin::survey_titles(&app.db.pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, title, i18n)| {
            let titles: std::collections::BTreeMap<String, String> = serde_json::from_str(&i18n).unwrap_or_default();
            let title = titles.get(locale.as_str()).cloned().unwrap_or(title);
            (id, kind, title)
        })
        .collect())
}

fn to_input(s: Survey) -> SurveyInput {
    SurveyInput {
        id: s.id,
        kind: s.kind,
        title: s.title,
        title_i18n: s.title_i18n,
        anonymous: s.anonymous,
        indicator_names: s.indicator_names,
        questions: s
            .questions
            .into_iter()
            .map(|q| QuestionInput {
                id: q.id,
                text: q.text,
                kind: q.kind,
                min: q.min,
                max: q.max,
                indicator: q.indicator,
                required: q.required,
                text_i18n: q.text_i18n,
                options: q.extra.options,
                multiple: q.extra.multiple,
                na: q.extra.na,
                text_by_relation: q.extra.text_by_relation,
            })
            .collect(),
    }
}

/// The surveys a cycle asks (frozen, so cached), in id order.
pub async fn of_cycle(app: &App, cycle: &str) -> Result<Vec<Arc<Survey>>> {
    let ids = surveys::ids_of_cycle(&app.db.pool, cycle).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(app.surveys.get(&app.db.pool, &id).await?);
    }
    Ok(out)
}
