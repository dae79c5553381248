//! A unit's funds with their totals (paged by key, searched, filtered by kind: the same query as
//! `GET /api/v1/units/{code}/funds`), and opening a fund.

use crate::auth::{perm, Viewer};
use crate::error::{AppError, FieldError, PageResult};
use crate::funds::model::Fund;
use crate::funds::service;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
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
    /// Funds matching the search, on every page.
    pub total: i64,
    pub q: String,
    pub kind: String,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    /// The filter as a query string (the Excel link keeps it).
    pub filter_query: String,
    pub can_manage: bool,
    pub errors: FormErrors,
}

impl FundsPage {
    /// The kinds of fund to filter by: (code, Vietnamese, English).
    pub fn kinds(&self) -> [(&'static str, &'static str, &'static str); 3] {
        [
            ("general", "Quỹ khuyến học", "General"),
            ("scholarship", "Quỹ học bổng", "Scholarship"),
            ("named", "Quỹ mang tên", "Named fund"),
        ]
    }

    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
}

/// The search of the funds page: words of a fund's name or its code, a kind, the page.
#[derive(Debug, Default, Deserialize)]
pub struct FundsQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub cursor: String,
}

async fn funds_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    query: &FundsQuery,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let filter = crate::funds::list::FundFilter::parse(
        &unit.path,
        Some(query.kind.as_str()),
        Some(query.q.as_str()),
    )?;
    let page = filter
        .page(&state.db, Some(query.cursor.as_str()), None)
        .await?;
    let ids: Vec<i64> = page.items.iter().map(|f| f.id).collect();
    let balances = crate::funds::list::balances_of(&state.db, &ids).await?;
    let mut funds = vec![];
    for f in page.items {
        let total = balances
            .iter()
            .filter(|b| b.0 == f.id)
            .try_fold(0i64, |sum, b| sum.checked_add(b.2))
            .ok_or_else(|| anyhow::anyhow!("balance of fund {} overflows", f.id))?;
        funds.push((f, total));
    }
    let filter_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", query.q.trim())
        .append_pair("kind", query.kind.trim())
        .finish();
    let base = format!("/units/{}/funds?{filter_query}", unit.code);
    let can_manage = v.position_for(perm::FUND_MANAGE, &unit.path).is_some();
    render(&FundsPage {
        c,
        unit_code: unit.code,
        unit_name: unit.name,
        funds,
        total: page.total,
        q: query.q.clone(),
        kind: query.kind.clone(),
        next_href: page.next_cursor.map(|cur| format!("{base}&cursor={cur}")),
        first_href: (!query.cursor.is_empty()).then_some(base),
        filter_query,
        can_manage,
        errors,
    })
}

pub async fn unit_funds(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<FundsQuery>,
) -> PageResult<Html<String>> {
    funds_page(&state, c, &v, &code, &q, FormErrors::default()).await
}

/// The funds of the list as filtered, as an Excel file.
pub async fn export_funds(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<FundsQuery>,
) -> PageResult<Response> {
    let book = crate::funds::api::funds::funds_workbook(
        &state,
        &v,
        &code,
        Some(q.kind.as_str()),
        Some(q.q.as_str()),
    )
    .await?;
    Ok(book.into_response())
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
                funds_page(
                    &state,
                    c,
                    &v,
                    &code,
                    &FundsQuery::default(),
                    FormErrors(errors),
                )
                .await?,
            )
                .into_response())
        }
    }
}
