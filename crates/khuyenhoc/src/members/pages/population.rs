//! A unit's population by year.

use super::{refusal, Refusal};
use crate::auth::{perm, Viewer};
use crate::error::PageResult;
use crate::members::model::{self, Population};
use crate::members::service::{self};
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome, FormErrors};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "members_population.html")]
pub struct PopulationPage {
    pub c: Chrome,
    pub unit: Unit,
    pub populations: Vec<Population>,
    pub active: i64,
    pub share: Option<(i64, i64, String)>,
    pub can_manage: bool,
    pub this_year: i64,
    /// This year's figures, to edit (every field is sent again on saving).
    pub current: Population,
    pub errors: FormErrors,
}

impl PopulationPage {
    pub fn number(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
    /// A recorded count grouped, or a dash when not recorded.
    pub fn maybe(&self, n: &Option<i64>) -> String {
        n.map_or_else(|| "—".to_owned(), |n| self.number(&n))
    }
    /// A recorded count as the form shows it again (empty when not recorded).
    pub fn field(&self, n: &Option<i64>) -> String {
        n.map(|n| n.to_string()).unwrap_or_default()
    }
}

pub(super) async fn population_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    refused: Option<Refusal>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let populations = model::populations(&state.db, unit.id).await?;
    let (active, _) = model::active_under(&state.db, unit.id).await?;
    let share = service::share(&state.db, &unit).await?;
    let can_manage = v.position_for(perm::MEMBER_MANAGE, &unit.path).is_some();
    let (status, errors, _) = refused.unwrap_or((StatusCode::OK, FormErrors::default(), None));
    let this_year = service::this_year();
    let current = populations
        .iter()
        .find(|p| p.year == this_year)
        .cloned()
        .unwrap_or_default();
    let page = PopulationPage {
        c,
        unit,
        populations,
        active,
        share,
        can_manage,
        this_year,
        current,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn population(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    population_view(&state, c, &v, &code, None).await
}

#[derive(Deserialize, Default)]
pub struct PopulationForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub population: String,
    #[serde(default)]
    pub households: String,
    #[serde(default)]
    pub clans: String,
    #[serde(default)]
    pub communities: String,
    #[serde(default)]
    pub organisations: String,
}

pub async fn set_population(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<PopulationForm>,
) -> PageResult<Response> {
    let year = serde_json::Value::String(f.year);
    let counts = service::TargetCounts {
        households: f.households,
        clans: f.clans,
        communities: f.communities,
        organisations: f.organisations,
    };
    match service::set_population(&state.db, &v, &code, &year, &f.population, &counts).await {
        Ok(_) => Ok(Redirect::to(&format!("/units/{}/population", code.trim())).into_response()),
        Err(e) => {
            let refused = refusal(e)?;
            population_view(&state, c, &v, &code, Some(refused)).await
        }
    }
}
