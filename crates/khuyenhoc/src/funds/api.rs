//! JSON API of funds under `/api/v1/units/{code}/funds`, `/api/v1/funds`, `/api/v1/entries`,
//! `/api/v1/programmes` and `/api/v1/nominations`. Every handler is a thin shell over `service`,
//! `programmes` and `model`: it parses the request into their types and shapes their answers.
//!
//! Who may do what: anyone holding a position whose unit covers a fund reads it; posting
//! (receipts, payments, transfers, reversals, paying a programme) needs `fund.post`, opening
//! funds and running programmes `fund.manage` (treasurers and chairs); officers of units below a
//! programme's fund read it and nominate (`programme.nominate`). Outside the viewer's scope
//! everything answers 404, like a missing record. Only the published list of a programme is
//! public, and it never shows more of a minor than initials and commune.

use super::model::{self, Fund, StoredEntry};
use super::programmes::{
    self, NewNomination, NewProgramme, Nomination, Programme, PublicRecipient,
};
use super::service::{self, Movement};
use crate::accounts::pages::parse_id;
use crate::auth::{perm, ApiViewer, Viewer};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use crate::web::extract::OptionalJson;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::route::{r, Access, Route};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::Json;
use khuyenhoc_domain::Invalid;
use khuyenhoc_ledger::{Account, ReceiptsPayments};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/api/v1/units/{code}/funds", Officer, "Funds of a unit's subtree, with balances", list_funds),
        r(M::POST, "/api/v1/units/{code}/funds", Officer, "Open a fund at a unit", create_fund),
        r(M::GET, "/api/v1/units/{code}/funds/report", Officer, "Receipts and payments of every fund of a subtree, transfers inside it eliminated", unit_report),
        r(M::GET, "/api/v1/funds/{id}", Officer, "One fund with its balances and programmes", get_fund),
        r(M::GET, "/api/v1/funds/{id}/entries", Officer, "A fund's entries with their lines, newest first", list_entries),
        r(M::POST, "/api/v1/funds/{id}/entries", Officer, "Record a receipt or a payment (Idempotency-Key: a retry posts once)", record),
        r(M::POST, "/api/v1/funds/{id}/transfers", Officer, "Transfer money to another fund", transfer),
        r(M::GET, "/api/v1/funds/{id}/pledges", Officer, "A fund's pledges and what has arrived against each", list_pledges),
        r(M::POST, "/api/v1/funds/{id}/pledges", Officer, "Record a pledge; receipts fulfil it with pledge_id", create_pledge),
        r(M::GET, "/api/v1/funds/{id}/report", Officer, "Receipts and payments of a fund over a period", fund_report),
        r(M::POST, "/api/v1/entries/{id}/reversal", Officer, "Reverse an entry (both halves of a transfer)", reverse),
        r(M::POST, "/api/v1/funds/{id}/programmes", Officer, "Open a scholarship or award round", create_programme),
        r(M::GET, "/api/v1/programmes/{id}", Officer, "A programme with the nominations in your scope", get_programme),
        r(M::POST, "/api/v1/programmes/{id}/nominations", Officer, "Nominate someone for a programme", nominate),
        r(M::POST, "/api/v1/nominations/{id}/decision", Officer, "Select or reject a nomination, with the reason", decide),
        r(M::POST, "/api/v1/programmes/{id}/payments", Officer, "Pay every selected recipient not yet paid", pay),
        r(M::POST, "/api/v1/programmes/{id}/publish", Officer, "Publish the list of recipients", publish),
        r(M::GET, "/api/v1/programmes/{id}/public", Public, "The published list of recipients (minors: initials and commune only)", public_programme),
    ]
}

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
}

fn general() -> String {
    "general".into()
}

fn cash() -> String {
    "cash".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    pub to_fund_id: i64,
    #[serde(default = "cash")]
    pub asset: String,
    pub amount: Value,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Select,
    Reject,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub decision: DecisionKind,
    pub reason: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// cash (default), bank or in_kind
    pub asset: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Answers

#[derive(Serialize)]
pub struct AssetBalance {
    pub account: &'static str,
    pub label_vi: &'static str,
    pub label_en: &'static str,
    pub amount: i64,
}

/// A fund with what it holds now.
#[derive(Serialize)]
pub struct FundView {
    #[serde(flatten)]
    pub fund: Fund,
    /// Cash, bank and in kind, zeros included.
    pub balances: Vec<AssetBalance>,
    pub total: i64,
}

#[derive(Serialize)]
pub struct FundDetail {
    #[serde(flatten)]
    pub fund: FundView,
    pub programmes: Vec<Programme>,
}

#[derive(Serialize)]
pub struct TransferView {
    /// The payment in the sending fund.
    pub out: StoredEntry,
    /// The receipt in the receiving fund.
    #[serde(rename = "in")]
    pub into: StoredEntry,
}

/// The consolidated report with the funds it covers.
#[derive(Serialize)]
pub struct UnitReport {
    #[serde(flatten)]
    pub report: ReceiptsPayments,
    pub funds: Vec<Fund>,
}

#[derive(Serialize)]
pub struct ProgrammeDetail {
    pub programme: Programme,
    /// The nominations of units the viewer reads (all of them for the fund's own officers).
    pub nominations: Vec<Nomination>,
}

#[derive(Serialize)]
pub struct PaymentView {
    /// How many recipients this call paid.
    pub paid: usize,
    pub programme: Programme,
    pub nominations: Vec<Nomination>,
}

/// What anyone may see of a published programme.
#[derive(Serialize)]
pub struct PublicProgramme {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub fund_name: String,
    pub target_group: String,
    pub criteria: String,
    pub amount_each: i64,
    pub recipients: Vec<PublicRecipient>,
}

// ---------------------------------------------------------------------------------------------
// Helpers

async fn fund_view(state: &AppState, fund: Fund) -> Result<FundView, AppError> {
    let stored = model::balances(&state.db, fund.id).await?;
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

/// The `Idempotency-Key` header, if sent; a value that is not visible ASCII is refused.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v.to_str().map(|s| Some(s.to_owned())).map_err(|_| {
            AppError::field(
                "idempotency_key",
                Invalid::new(
                    "Khoá chống gửi trùng không hợp lệ",
                    "Invalid idempotency key",
                ),
            )
        }),
    }
}

async fn programme_detail(
    state: &AppState,
    v: &Viewer,
    p: Programme,
) -> Result<ProgrammeDetail, AppError> {
    let all = programmes::nominations(&state.db, p.id).await?;
    let nominations = if v.can_read(&p.unit_path) {
        all
    } else {
        // An officer of a unit below the fund sees the nominations of their own subtree.
        let mut mine = vec![];
        for n in all {
            let unit = crate::org::model::by_code(&state.db, &n.unit_code).await?;
            if unit.is_some_and(|u| v.can_read(&u.path)) {
                mine.push(n);
            }
        }
        mine
    };
    Ok(ProgrammeDetail {
        programme: p,
        nominations,
    })
}

// ---------------------------------------------------------------------------------------------
// Funds

pub async fn list_funds(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<FundView>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let mut out = vec![];
    for f in model::in_subtree(&state.db, &unit.path).await? {
        out.push(fund_view(&state, f).await?);
    }
    Ok(Json(out))
}

pub async fn create_fund(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<NewFund>,
) -> ApiResult<(StatusCode, Json<FundView>)> {
    let f = service::create_fund(&state.db, &v, &code, &b.code, &b.name, b.kind.trim()).await?;
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
) -> ApiResult<Json<Vec<StoredEntry>>> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::field(
            "limit",
            Invalid::new(
                "Mỗi lần lấy từ 1 đến 500 bút toán",
                "limit must be between 1 and 500",
            ),
        )
        .into());
    }
    Ok(Json(
        model::entries(&state.db, f.id, q.before, limit).await?,
    ))
}

/// 201 with the new entry; 200 with the entry posted the first time when the same
/// `Idempotency-Key` comes again from the same person.
pub async fn record(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(m): ApiJson<Movement>,
) -> ApiResult<(StatusCode, Json<StoredEntry>)> {
    let id = parse_id(&id)?;
    // Scope first, so that a bad header learns nothing about others' funds.
    service::with_right(&state.db, &v, id, perm::FUND_POST).await?;
    let key = idempotency_key(&headers)?;
    let (entry_id, created) = service::record(&state, &v, id, &m, key.as_deref()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(stored(&state, entry_id).await?)))
}

pub async fn transfer(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TransferBody>,
) -> ApiResult<(StatusCode, Json<TransferView>)> {
    let (out_id, in_id) = service::transfer(
        &state,
        &v,
        parse_id(&id)?,
        b.to_fund_id,
        &b.asset,
        &b.amount,
        b.date.as_deref(),
        b.description.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(TransferView {
            out: stored(&state, out_id).await?,
            into: stored(&state, in_id).await?,
        }),
    ))
}

/// 201 with the reversing entries: one, or two for a transfer (the sending half first).
pub async fn reverse(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<(StatusCode, Json<Vec<StoredEntry>>)> {
    let first = service::reverse(&state, &v, parse_id(&id)?, &b.reason).await?;
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
    Ok((StatusCode::CREATED, Json(out)))
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
    let funds = service::subtree_funds(&state.db, &unit.path).await?;
    let ids: Vec<i64> = funds.iter().map(|f| f.id).collect();
    let report = service::report(&state.db, &ids, period).await?;
    Ok(Json(UnitReport { report, funds }))
}

// ---------------------------------------------------------------------------------------------
// Programmes

pub async fn create_programme(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewProgramme>,
) -> ApiResult<(StatusCode, Json<Programme>)> {
    let p = programmes::create(&state.db, &v, parse_id(&id)?, &b).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

pub async fn get_programme(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<ProgrammeDetail>> {
    let p = programmes::visible(&state.db, &v, parse_id(&id)?).await?;
    Ok(Json(programme_detail(&state, &v, p).await?))
}

async fn nomination(state: &AppState, programme_id: i64, id: i64) -> Result<Nomination, AppError> {
    programmes::nominations(&state.db, programme_id)
        .await?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or(AppError::NotFound)
}

pub async fn nominate(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewNomination>,
) -> ApiResult<(StatusCode, Json<Nomination>)> {
    let programme_id = parse_id(&id)?;
    let nid = programmes::nominate(&state.db, &v, programme_id, &b).await?;
    Ok((
        StatusCode::CREATED,
        Json(nomination(&state, programme_id, nid).await?),
    ))
}

pub async fn decide(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult<Json<Nomination>> {
    let nid = parse_id(&id)?;
    programmes::decide(
        &state.db,
        &v,
        nid,
        b.decision == DecisionKind::Select,
        &b.reason,
    )
    .await?;
    let programme_id: i64 =
        sqlx::query_scalar("SELECT programme_id FROM nominations WHERE id = $1")
            .bind(nid)
            .fetch_one(&state.db.pool)
            .await
            .map_err(AppError::from)?;
    Ok(Json(nomination(&state, programme_id, nid).await?))
}

pub async fn pay(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    OptionalJson(b): OptionalJson<PaymentBody>,
) -> ApiResult<(StatusCode, Json<PaymentView>)> {
    let id = parse_id(&id)?;
    let asset = b.asset.unwrap_or_else(cash);
    let paid = programmes::pay(&state, &v, id, asset.trim()).await?;
    let p = programmes::visible(&state.db, &v, id).await?;
    let d = programme_detail(&state, &v, p).await?;
    Ok((
        StatusCode::CREATED,
        Json(PaymentView {
            paid,
            programme: d.programme,
            nominations: d.nominations,
        }),
    ))
}

pub async fn publish(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    OptionalJson(_): OptionalJson<NoBody>,
) -> ApiResult<Json<ProgrammeDetail>> {
    let id = parse_id(&id)?;
    programmes::publish(&state.db, &v, id).await?;
    let p = programmes::visible(&state.db, &v, id).await?;
    Ok(Json(programme_detail(&state, &v, p).await?))
}

pub async fn public_programme(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<PublicProgramme>> {
    let (p, recipients) = programmes::public_list(&state.db, parse_id(&id)?).await?;
    Ok(Json(PublicProgramme {
        id: p.id,
        kind: p.kind,
        name: p.name,
        fund_name: p.fund_name,
        target_group: p.target_group,
        criteria: p.criteria,
        amount_each: p.amount_each,
        recipients,
    }))
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

/// Request body schemas of these routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let amount = json!({
        "type": ["string", "integer"],
        "description": "whole đồng above zero, at most 10^15: 1500000, \"1.500.000 đ\", \"2 triệu\""
    });
    let date = json!({"type": ["string", "null"], "description": "YYYY-MM-DD or DD/MM/YYYY; today when omitted"});
    let assets =
        || json!({"type": "string", "enum": ["cash", "bank", "in_kind"], "default": "cash"});
    Some(match (method, path) {
        ("post", "/api/v1/units/{code}/funds") => s(
            json!({
                "code": {"type": "string", "description": "letters, digits and dashes, at most 20; unique in the unit"},
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["general", "scholarship", "named"], "default": "general"}
            }),
            json!(["code", "name"]),
        ),
        ("post", "/api/v1/funds/{id}/entries") => s(
            json!({
                "category": {"type": "string", "enum": Account::ALL.iter().filter(|a| !a.is_asset() && !a.is_transfer()).map(|a| a.code()).collect::<Vec<_>>(),
                    "description": "an income category (receipt) or an expense category (payment)"},
                "asset": assets(),
                "amount": amount,
                "date": date,
                "description": {"type": "string", "maxLength": 500},
                "party": {"type": ["string", "null"], "description": "the donor or the recipient; empty: anonymous"},
                "party_kind": {"type": ["string", "null"], "enum": ["person", "organisation", null]},
                "in_kind_note": {"type": ["string", "null"], "description": "required for in_kind: what it is and how it was valued"},
                "pledge_id": {"type": ["integer", "null"], "description": "the pledge of this fund that this receipt fulfils"}
            }),
            json!(["category", "amount"]),
        ),
        ("post", "/api/v1/funds/{id}/pledges") => s(
            json!({"party": {"type": ["string", "null"]}, "party_kind": {"type": ["string", "null"], "enum": ["person", "organisation", null]}, "amount": {"type": ["integer", "string"]}, "due_on": {"type": ["string", "null"]}, "note": {"type": ["string", "null"]}}),
            json!(["amount"]),
        ),
        ("post", "/api/v1/funds/{id}/transfers") => s(
            json!({
                "to_fund_id": {"type": "integer"},
                "asset": assets(),
                "amount": amount,
                "date": date,
                "description": {"type": ["string", "null"]}
            }),
            json!(["to_fund_id", "amount"]),
        ),
        ("post", "/api/v1/entries/{id}/reversal") => s(
            json!({"reason": {"type": "string", "minLength": 3}}),
            json!(["reason"]),
        ),
        ("post", "/api/v1/funds/{id}/programmes") => s(
            json!({
                "kind": {"type": "string", "enum": ["scholarship", "award"]},
                "name": {"type": "string", "maxLength": 200},
                "target_group": {"type": "string", "maxLength": 500},
                "criteria": {"type": "string", "maxLength": 2000},
                "amount_each": amount,
                "budget": {"type": ["string", "integer", "null"], "description": "the round's budget in đồng; payments never exceed it"},
                "show_full_names": {"type": "boolean", "default": false, "description": "adults by full name on the public list (minors: always initials)"}
            }),
            json!(["kind", "name", "target_group", "criteria", "amount_each"]),
        ),
        ("post", "/api/v1/programmes/{id}/nominations") => s(
            json!({
                "unit_code": {"type": "string", "description": "the nominating unit, under the fund's unit"},
                "full_name": {"type": "string"},
                "birth_year": {"type": ["integer", "null"], "description": "omitted: treated as a minor"},
                "school": {"type": ["string", "null"]},
                "reason": {"type": "string", "maxLength": 2000}
            }),
            json!(["unit_code", "full_name", "reason"]),
        ),
        ("post", "/api/v1/nominations/{id}/decision") => s(
            json!({
                "decision": {"type": "string", "enum": ["select", "reject"]},
                "reason": {"type": "string", "maxLength": 2000}
            }),
            json!(["decision", "reason"]),
        ),
        ("post", "/api/v1/programmes/{id}/payments") => s(json!({"asset": assets()}), json!([])),
        ("post", "/api/v1/programmes/{id}/publish") => s(json!({}), json!([])),
        _ => return None,
    })
}

/// Query parameters and headers of these routes, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    let p = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    match path {
        "/api/v1/funds/{id}/report" | "/api/v1/units/{code}/funds/report" => vec![
            p(
                "from",
                "string",
                "first day, YYYY-MM-DD or DD/MM/YYYY (default: 1 January of this year)",
            ),
            p(
                "to",
                "string",
                "last day (default: 31 December of this year)",
            ),
        ],
        "/api/v1/funds/{id}/entries" => vec![
            p("before", "integer", "GET: entries older than this id"),
            p("limit", "integer", "GET: 1 to 500, default 100"),
            json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 200},
                "description": "POST: a retry with the same key returns the entry posted the first time (200) instead of posting again"}),
        ],
        _ => vec![],
    }
}

pub async fn list_pledges(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<service::Pledge>>> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    Ok(Json(service::pledges(&state.db, f.id).await?))
}

pub async fn create_pledge(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<service::NewPledge>,
) -> ApiResult<(StatusCode, Json<service::Pledge>)> {
    let fund = parse_id(&id)?;
    let pid = service::pledge(&state.db, &v, fund, &b).await?;
    let p = service::pledges(&state.db, fund)
        .await?
        .into_iter()
        .find(|p| p.id == pid)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(p)))
}
