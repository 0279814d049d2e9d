//! The respondent's survey page: `GET /s/{token}` shows, `POST /s/{token}` answers.
use crate::domain::survey::Survey;
use crate::state::AppState;
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Surveys by id. Safe to cache: a survey that has invitations is frozen, and only those are
/// ever looked up from a link.
#[derive(Clone, Default)]
pub struct SurveyCache(Arc<RwLock<HashMap<String, Arc<Survey>>>>);

impl SurveyCache {
    pub async fn get(&self, pool: &sqlx::AnyPool, id: &str) -> Result<Option<Arc<Survey>>, sqlx::Error> {
        if let Some(s) = self.0.read().unwrap_or_else(|p| p.into_inner()).get(id) {
            return Ok(Some(s.clone()));
        }
        let Some(survey) = crate::db::surveys::load(pool, id).await? else {
            return Ok(None);
        };
        let survey = Arc::new(survey);
        self.0.write().unwrap_or_else(|p| p.into_inner()).insert(id.to_string(), survey.clone());
        Ok(Some(survey))
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
}
