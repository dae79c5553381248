//! A fund's books: balances, the latest entries, programmes and pledges, the forms to record
//! movements; a failed form is shown again with its errors.

use crate::accounts::pages::parse_id;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::funds::model::{self, Fund};
use crate::funds::programmes::{self, Programme};
use crate::funds::service;
use crate::state::AppState;
use crate::web::layout::{render, Chrome, FormErrors};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_ledger::Account;
use sqlx::Row;

/// One row of a fund's books as the page lists it.
pub struct EntryRow {
    pub id: i64,
    pub on: String,
    pub voucher: String,
    pub kind: String,
    pub description: String,
    pub change: i64,
    pub reversed: bool,
    pub reversal: bool,
}

impl EntryRow {
    pub fn change_text(&self) -> String {
        let sign = if self.change < 0 { "−" } else { "+" };
        format!(
            "{sign}{}",
            khuyenhoc_ledger::Dong::new(self.change.abs()).grouped()
        )
    }
}

async fn entries(state: &AppState, fund_id: i64) -> Result<Vec<EntryRow>, AppError> {
    let rows = sqlx::query(
        "SELECT e.id, e.occurred_on, COALESCE(e.voucher_no, ''), e.kind, e.description, \
         CAST(COALESCE((SELECT SUM(l.amount) FROM ledger_lines l WHERE l.entry_id = e.id AND l.fund_id = e.fund_id AND l.account IN ('cash', 'bank', 'in_kind')), 0) AS BIGINT), \
         (SELECT COUNT(*) FROM ledger_entries r WHERE r.reverses_id = e.id) \
         FROM ledger_entries e WHERE e.fund_id = $1 ORDER BY e.id DESC LIMIT 50",
    )
    .bind(fund_id)
    .fetch_all(&state.db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let kind: String = r.try_get(3)?;
            Ok(EntryRow {
                id: r.try_get(0)?,
                on: r.try_get(1)?,
                voucher: r.try_get(2)?,
                reversal: kind == "reversal",
                kind: Account::parse(&kind)
                    .map(|a| a.label_vi().to_owned())
                    .unwrap_or_else(|_| {
                        if kind == "reversal" {
                            "Đảo bút toán".into()
                        } else {
                            kind.clone()
                        }
                    }),
                description: r.try_get(4)?,
                change: r.try_get(5)?,
                reversed: r.try_get::<i64, _>(6)? > 0,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

#[derive(Template)]
#[template(path = "fund.html")]
pub struct FundPage {
    pub c: Chrome,
    pub f: Fund,
    pub balances: Vec<(String, i64)>,
    pub total: i64,
    pub entries: Vec<EntryRow>,
    pub programmes: Vec<Programme>,
    pub pledges: Vec<service::Pledge>,
    pub can_post: bool,
    pub can_manage: bool,
    pub income: Vec<(&'static str, &'static str, &'static str)>,
    pub expense: Vec<(&'static str, &'static str, &'static str)>,
    pub errors: FormErrors,
    pub problem: Option<(String, String)>,
    /// A value drawn for this page: its forms carry it as their one-time key, so that pressing
    /// a button twice posts once (see `funds::idempotency`).
    pub once: String,
}

impl FundPage {
    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
}

fn categories(
    kind: khuyenhoc_ledger::AccountKind,
) -> Vec<(&'static str, &'static str, &'static str)> {
    Account::ALL
        .iter()
        .filter(|a| a.kind() == kind && !a.is_transfer())
        .map(|a| (a.code(), a.label_vi(), a.label_en()))
        .collect()
}

async fn fund_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    errors: FormErrors,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let f = service::visible(&state.db, v, parse_id(id)?).await?;
    let balances: Vec<(String, i64)> = model::balances(&state.db, f.id).await?;
    let total = balances.iter().fold(0i64, |t, b| t.saturating_add(b.1));
    render(&FundPage {
        c,
        balances: balances
            .into_iter()
            .map(|(a, n)| {
                (
                    Account::parse(&a)
                        .map(|x| x.label_vi().to_owned())
                        .unwrap_or(a),
                    n,
                )
            })
            .collect(),
        total,
        entries: entries(state, f.id).await?,
        programmes: programmes::of_fund(&state.db, f.id).await?,
        pledges: service::pledges(&state.db, f.id).await?,
        can_post: v.position_for(perm::FUND_POST, &f.unit_path).is_some(),
        can_manage: v.position_for(perm::FUND_MANAGE, &f.unit_path).is_some(),
        income: categories(khuyenhoc_ledger::AccountKind::Income),
        expense: categories(khuyenhoc_ledger::AccountKind::Expense),
        errors,
        problem,
        once: crate::auth::random_secret()[..16].to_owned(),
        f,
    })
}

pub async fn fund_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    fund_view(&state, c, &v, &id, FormErrors::default(), None).await
}

pub(super) async fn after(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<(), AppError>,
) -> PageResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/funds/{id}")).into_response()),
        Err(AppError::Invalid(f)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            fund_view(state, c, v, id, FormErrors(f), None).await?,
        )
            .into_response()),
        Err(AppError::Conflict(f)) => Ok((
            StatusCode::CONFLICT,
            fund_view(state, c, v, id, FormErrors(vec![f]), None).await?,
        )
            .into_response()),
        Err(e @ (AppError::Unprocessable { .. } | AppError::BadRequest { .. })) => {
            let status = e.status();
            Ok((
                status,
                fund_view(state, c, v, id, FormErrors::default(), Some(e.titles())).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
