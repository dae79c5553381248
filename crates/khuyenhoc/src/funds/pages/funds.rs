//! A unit's funds with their totals, and opening a fund.

use crate::auth::{perm, Viewer};
use crate::error::{AppError, FieldError, PageResult};
use crate::funds::model::{self, Fund};
use crate::funds::service;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome, FormErrors};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

fn errors_of(e: AppError) -> Result<(StatusCode, Vec<FieldError>), AppError> {
    match e {
        AppError::Invalid(f) => Ok((StatusCode::UNPROCESSABLE_ENTITY, f)),
        AppError::Conflict(f) => Ok((StatusCode::CONFLICT, vec![f])),
        e => Err(e),
    }
}

#[derive(Template)]
#[template(path = "funds.html")]
pub struct FundsPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub funds: Vec<(Fund, i64)>,
    pub can_manage: bool,
    pub errors: FormErrors,
}

impl FundsPage {
    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
}

async fn funds_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let mut funds = vec![];
    for f in model::in_subtree(&state.db, &unit.path).await? {
        let total = model::balances(&state.db, f.id)
            .await?
            .iter()
            .map(|b| b.1)
            .sum();
        funds.push((f, total));
    }
    let can_manage = v.position_for(perm::FUND_MANAGE, &unit.path).is_some();
    render(&FundsPage {
        c,
        unit_code: unit.code,
        unit_name: unit.name,
        funds,
        can_manage,
        errors,
    })
}

pub async fn unit_funds(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    funds_page(&state, c, &v, &code, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct FundForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    /// "1" when the fund may pay out more than it holds.
    #[serde(default)]
    pub overdraft: String,
}

pub async fn create_fund(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<FundForm>,
) -> PageResult<Response> {
    let new = service::NewFund {
        code: &f.code,
        name: &f.name,
        kind: &f.kind,
        overdraft: f.overdraft == "1",
    };
    match service::create_fund(&state.db, &v, &code, &new).await {
        Ok(fund) => Ok(Redirect::to(&format!("/funds/{}", fund.id)).into_response()),
        Err(e) => {
            let (status, errors) = errors_of(e)?;
            Ok((
                status,
                funds_page(&state, c, &v, &code, FormErrors(errors)).await?,
            )
                .into_response())
        }
    }
}
