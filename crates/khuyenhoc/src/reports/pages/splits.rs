//! The shares of a province's split communes: every old commune split across several new ones,
//! its successors with their share and the rule in force, and a form per split to set them
//! (typed in percent, from the population of each piece, or equal); a refusal is shown beside
//! the split it concerns, with what was typed kept.

use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::reports::splits::{self, PieceInput, SharesInput, Split};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "succession_splits.html")]
pub struct SplitsPage {
    pub c: Chrome,
    pub code: String,
    pub name: String,
    pub splits: Vec<Split>,
    /// The split a refusal concerns, and the refusal in both languages.
    pub problem: Option<(i64, String, String)>,
}

impl SplitsPage {
    /// A share in permille as people type it: "37,5".
    pub fn percent(permille: &i64) -> String {
        format!("{},{}", permille / 10, permille % 10)
    }
}

async fn page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    problem: Option<(i64, String, String)>,
) -> PageResult<Html<String>> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let splits = splits::of_unit(&state.db, v, code).await?;
    render(&SplitsPage {
        c,
        code: unit.code,
        name: unit.name,
        splits,
        problem,
    })
}

pub async fn splits_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    page(&state, c, &v, &code, None).await
}

use khuyenhoc_sheets::shares::permille;

pub async fn set_shares(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, id)): Path<(String, String)>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let id = crate::accounts::pages::parse_id(&id)?;
    let rule = f.get("rule").cloned().unwrap_or_default();
    let mut shares = vec![];
    for (k, value) in &f {
        if let Some(succ) = k.strip_prefix("pct_") {
            if rule == "set" {
                shares.push(PieceInput {
                    successor: succ.to_owned(),
                    permille: Some(permille(value).unwrap_or(-1)),
                    population: None,
                });
            }
        } else if let Some(succ) = k.strip_prefix("pop_") {
            if rule == "population" {
                shares.push(PieceInput {
                    successor: succ.to_owned(),
                    permille: None,
                    population: Some(value.trim().replace('.', "").parse().unwrap_or(-1)),
                });
            }
        }
    }
    match splits::set(&state.db, &v, id, &SharesInput { rule, shares }).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/units/{code}/successions/splits#split-{id}")).into_response(),
        ),
        Err(AppError::Invalid(fields)) => {
            let (vi, en) = crate::error::field_messages(&fields);
            Ok(page(&state, c, &v, &code, Some((id, vi, en)))
                .await?
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
