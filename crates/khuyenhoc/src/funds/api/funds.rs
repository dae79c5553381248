//! The API of funds: listing and opening funds, a fund with its balances, its entries,
//! receipts and payments (once per `Idempotency-Key`), transfers, reversals, pledges, and the
//! receipts-and-payments reports.

use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::funds::entries;
use crate::funds::list;
use crate::funds::model::{self, Fund, StoredEntry};
use crate::funds::programmes::{self, Programme};
use crate::funds::service::{self, Movement};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::web::list::{per_page, ListPage};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use khuyenhoc_ledger::{Account, ReceiptsPayments};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Request bodies

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFund {
    pub code: String,
    pub name: String,
    /// general, scholarship or named
    #[serde(default = "general")]
    pub kind: String,
    /// Whether a payment may take the fund below zero (refused otherwise).
    #[serde(default)]
    pub overdraft: bool,
}

fn general() -> String {
    "general".into()
}

pub(super) fn cash() -> String {
    "cash".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The query of `GET /api/v1/funds/{id}/entries`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    pub q: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub year: Option<i64>,
    pub kind: Option<String>,
    pub account: Option<String>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Answers

#[derive(Serialize, schemars::JsonSchema)]
pub struct AssetBalance {
    pub account: &'static str,
    pub label_vi: &'static str,
    pub label_en: &'static str,
    pub amount: i64,
}

/// A fund with what it holds now.
#[derive(Serialize, schemars::JsonSchema)]
pub struct FundView {
    #[serde(flatten)]
    pub fund: Fund,
    /// Cash, bank and in kind, zeros included.
    pub balances: Vec<AssetBalance>,
    pub total: i64,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct FundDetail {
    #[serde(flatten)]
    pub fund: FundView,
    pub programmes: Vec<Programme>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct TransferView {
    /// The payment in the sending fund.
    pub out: StoredEntry,
    /// The receipt in the receiving fund.
    #[serde(rename = "in")]
    pub into: StoredEntry,
}

/// The consolidated report with the funds it covers.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnitFundReport")]
pub struct UnitReport {
    #[serde(flatten)]
    pub report: ReceiptsPayments,
    pub funds: Vec<Fund>,
}

// ---------------------------------------------------------------------------------------------
// Helpers

async fn fund_view(state: &AppState, fund: Fund) -> Result<FundView, AppError> {
    let stored = model::balances(&state.db, fund.id).await?;
    view_of(fund, &stored)
}

/// A fund with its stored balances per asset account (zeros for the accounts not there).
fn view_of(fund: Fund, stored: &[(String, i64)]) -> Result<FundView, AppError> {
    let balances: Vec<AssetBalance> = Account::assets()
        .map(|a| AssetBalance {
            account: a.code(),
            label_vi: a.label_vi(),
            label_en: a.label_en(),
            amount: stored
                .iter()
                .find(|(code, _)| code == a.code())
                .map_or(0, |(_, n)| *n),
        })
        .collect();
    let total = balances
        .iter()
        .try_fold(0i64, |acc, b| acc.checked_add(b.amount))
        .ok_or_else(|| anyhow::anyhow!("balance of fund {} overflows", fund.id))?;
    Ok(FundView {
        fund,
        balances,
        total,
    })
}

async fn stored(state: &AppState, id: i64) -> Result<StoredEntry, AppError> {
    model::entry(&state.db, id).await?.ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Funds

/// The query of `GET /api/v1/units/{code}/funds`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FundsQuery {
    pub q: Option<String>,
    pub kind: Option<String>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

/// A unit's funds (its subtree) in name order, paged by key; balances read for the page only.
pub async fn list_funds(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<FundsQuery>,
) -> ApiResult<Json<ListPage<FundView>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let filter = list::FundFilter::parse(&unit.path, q.kind.as_deref(), q.q.as_deref())?;
    let page = filter
        .page(&state.db, q.cursor.as_deref(), q.per_page)
        .await?;
    let ids: Vec<i64> = page.items.iter().map(|f| f.id).collect();
    let stored = list::balances_of(&state.db, &ids).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for f in page.items {
        let mine: Vec<(String, i64)> = stored
            .iter()
            .filter(|(id, _, _)| *id == f.id)
            .map(|(_, a, n)| (a.clone(), *n))
            .collect();
        items.push(view_of(f, &mine)?);
    }
    Ok(Json(ListPage {
        items,
        total: page.total,
        next_cursor: page.next_cursor,
    }))
}

/// The workbook of a unit's funds as `q` and `kind` filter them (for the page and the API).
pub async fn funds_workbook(
    state: &AppState,
    v: &crate::auth::Viewer,
    code: &str,
    kind: Option<&str>,
    q: Option<&str>,
) -> Result<crate::web::route::Xlsx, AppError> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let filter = list::FundFilter::parse(&unit.path, kind, q)?;
    let bytes =
        crate::web::export::xlsx(&state.db, &filter, state.settings.export_max_rows).await?;
    Ok(crate::web::route::Xlsx {
        name: format!("quy-{}.xlsx", unit.code),
        bytes,
    })
}

/// A unit's funds as filtered, as an Excel file.
pub async fn export_funds(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<FundsQuery>,
) -> ApiResult<crate::web::route::Xlsx> {
    Ok(funds_workbook(&state, &v, &code, q.kind.as_deref(), q.q.as_deref()).await?)
}

pub async fn create_fund(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<NewFund>,
) -> ApiResult<(StatusCode, Json<FundView>)> {
    let new = service::NewFund {
        code: &b.code,
        name: &b.name,
        kind: b.kind.trim(),
        overdraft: b.overdraft,
    };
    let f = service::create_fund(&state.db, &v, &code, &new).await?;
    Ok((StatusCode::CREATED, Json(fund_view(&state, f).await?)))
}

pub async fn get_fund(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<FundDetail>> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let programmes = programmes::of_fund(&state.db, f.id).await?;
    Ok(Json(FundDetail {
        fund: fund_view(&state, f).await?,
        programmes,
    }))
}

pub async fn list_entries(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> ApiResult<Json<ListPage<StoredEntry>>> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let s = |v: Option<String>| v.unwrap_or_default();
    let args = entries::ListArgs {
        q: s(q.q),
        from: s(q.from),
        to: s(q.to),
        year: q.year.map(|y| y.to_string()).unwrap_or_default(),
        kind: s(q.kind),
        account: s(q.account),
        cursor: s(q.cursor),
        per_page: q.per_page,
    };
    let n = per_page(args.per_page)?;
    let filter = entries::Filter::parse(f.id, &args)?;
    Ok(Json(filter.page(&state.db, &args.cursor, n).await?))
}

/// 201 with the new entry; 200 with the entry posted the first time when the same
/// `Idempotency-Key` comes again from the same person.
/// 201 when posted now, 200 when the same `Idempotency-Key` came with the same request before
/// (the first answer again).
fn status(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// 201 with the new entry; 200 with the entry posted the first time when the same
/// `Idempotency-Key` comes again from the same person with the same request (422 with another).
pub async fn record(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(m): ApiJson<Movement>,
) -> ApiResult<(StatusCode, Json<StoredEntry>)> {
    let id = parse_id(&id)?;
    let (entry_id, created) = service::record(&state, &v, id, &m, key.as_deref()).await?;
    Ok((status(created), Json(stored(&state, entry_id).await?)))
}

/// 201 with both halves (200 for a retry with the same `Idempotency-Key`).
pub async fn transfer(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(b): ApiJson<service::NewTransfer>,
) -> ApiResult<(StatusCode, Json<TransferView>)> {
    let ((out_id, in_id), created) =
        service::transfer(&state, &v, parse_id(&id)?, &b, key.as_deref()).await?;
    Ok((
        status(created),
        Json(TransferView {
            out: stored(&state, out_id).await?,
            into: stored(&state, in_id).await?,
        }),
    ))
}

/// 201 with the reversing entries: one, or two for a transfer (the sending half first); 200
/// for a retry with the same `Idempotency-Key`.
pub async fn reverse(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<(StatusCode, Json<Vec<StoredEntry>>)> {
    let (first, created) =
        service::reverse(&state, &v, parse_id(&id)?, &b.reason, key.as_deref()).await?;
    let mut out = vec![stored(&state, first).await?];
    let other: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM ledger_entries WHERE pair_id = $1 AND kind = 'reversal'",
    )
    .bind(first)
    .fetch_optional(&state.db.pool)
    .await
    .map_err(AppError::from)?;
    if let Some(other) = other {
        out.push(stored(&state, other).await?);
    }
    Ok((status(created), Json(out)))
}

pub async fn fund_report(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<ReceiptsPayments>> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let period = service::parse_period(q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(service::report(&state.db, &[f.id], period).await?))
}

pub async fn unit_report(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<UnitReport>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let period = service::parse_period(q.from.as_deref(), q.to.as_deref())?;
    let report = service::unit_report(&state.db, unit.id, &unit.path, period).await?;
    let funds = service::subtree_funds(&state.db, &unit.path).await?;
    Ok(Json(UnitReport { report, funds }))
}

/// The query of `GET /api/v1/funds/{id}/pledges`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PledgesQuery {
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

/// A fund's pledges newest first, paged by key, searched in the donor's name.
pub async fn list_pledges(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PledgesQuery>,
) -> ApiResult<Json<ListPage<service::Pledge>>> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let page = list::pledges(
        &state.db,
        f.id,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
    )
    .await?;
    Ok(Json(page))
}

/// 201 with the pledge (200 for a retry with the same `Idempotency-Key`).
pub async fn create_pledge(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(b): ApiJson<service::NewPledge>,
) -> ApiResult<(StatusCode, Json<service::Pledge>)> {
    let fund = parse_id(&id)?;
    let (pid, created) = service::pledge(&state.db, &v, fund, &b, key.as_deref()).await?;
    let p = service::pledge_by_id(&state.db, fund, pid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((status(created), Json(p)))
}
