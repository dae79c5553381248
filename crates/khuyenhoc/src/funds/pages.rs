//! Pages of funds: a unit's funds, a fund's books with the forms to record movements, reports
//! (HTML and Excel), vouchers, programmes, and the public transparency pages.

use super::model::{self, Fund};
use super::programmes::{self, Nomination, Programme, PublicRecipient};
use super::service::{self, Movement};
use crate::accounts::pages::parse_id;
use crate::auth::{perm, OptionalViewer, Viewer};
use crate::error::{AppError, FieldError, PageResult};
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_ledger::{Account, ReceiptsPayments};
use serde::Deserialize;
use sqlx::Row;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/funds", Officer, "Funds of a unit's subtree", unit_funds),
        r(M::POST, "/units/{code}/funds", Officer, "Open a fund", create_fund),
        r(M::GET, "/units/{code}/funds/report", Officer, "Consolidated receipts and payments of a subtree", unit_report),
        r(M::GET, "/funds/{id}", Officer, "A fund's books", fund_page),
        r(M::POST, "/funds/{id}/entries", Officer, "Record a receipt or a payment", record),
        r(M::POST, "/funds/{id}/transfers", Officer, "Transfer to another fund", transfer),
        r(M::POST, "/funds/{id}/pledges", Officer, "Record a pledge", create_pledge),
        r(M::POST, "/funds/{id}/public", Officer, "Switch the public transparency page", set_public),
        r(M::GET, "/funds/{id}/report", Officer, "Receipts and payments of a fund", fund_report),
        r(M::POST, "/entries/{id}/reverse", Officer, "Reverse an entry", reverse),
        r(M::GET, "/entries/{id}/voucher", Officer, "Voucher PDF (phiếu thu / phiếu chi)", voucher),
        r(M::POST, "/funds/{id}/programmes", Officer, "Open a scholarship or award round", create_programme),
        r(M::GET, "/programmes/{id}", Officer, "A programme with its nominations", programme_page),
        r(M::POST, "/programmes/{id}/nominations", Officer, "Nominate someone", nominate),
        r(M::POST, "/nominations/{id}/decision", Officer, "Select or reject a nomination", decide),
        r(M::POST, "/programmes/{id}/pay", Officer, "Pay the selected recipients", pay),
        r(M::POST, "/programmes/{id}/publish", Officer, "Publish the list of recipients", publish),
        r(M::GET, "/transparency/funds/{id}", Public, "Public page of a fund (when switched on)", public_fund),
        r(M::GET, "/transparency/programmes/{id}", Public, "Published list of recipients", public_programme),
    ]
}

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
}

pub async fn create_fund(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<FundForm>,
) -> PageResult<Response> {
    match service::create_fund(&state.db, &v, &code, &f.code, &f.name, &f.kind).await {
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
         FROM ledger_entries e WHERE e.fund_id = $1 ORDER BY e.id DESC LIMIT 200",
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
    let total = balances.iter().map(|b| b.1).sum();
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

async fn after(
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

#[derive(Deserialize)]
pub struct MovementForm {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub asset: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub party_kind: String,
    #[serde(default)]
    pub in_kind_note: String,
    /// A random value the form carries so that pressing the button twice posts once.
    #[serde(default)]
    pub once: String,
    /// The pledge this receipt fulfils, if any.
    #[serde(default)]
    pub pledge_id: String,
}

pub async fn record(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<MovementForm>,
) -> PageResult<Response> {
    let m = Movement {
        category: f.category,
        asset: if f.asset.is_empty() {
            "cash".into()
        } else {
            f.asset
        },
        amount: serde_json::Value::String(f.amount),
        date: Some(f.date),
        description: f.description,
        party: Some(f.party),
        party_kind: Some(f.party_kind),
        in_kind_note: Some(f.in_kind_note),
        pledge_id: f.pledge_id.trim().parse::<i64>().ok(),
    };
    let key = Some(f.once)
        .filter(|k| !k.is_empty())
        .map(|k| format!("form-{k}"));
    let r = service::record(&state, &v, parse_id(&id)?, &m, key.as_deref())
        .await
        .map(|_| ());
    after(&state, c, &v, &id, r).await
}

#[derive(Deserialize)]
pub struct TransferForm {
    #[serde(default)]
    pub to_fund: String,
    #[serde(default)]
    pub asset: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub description: String,
}

pub async fn transfer(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<TransferForm>,
) -> PageResult<Response> {
    let to = f.to_fund.trim().parse::<i64>().map_err(|_| {
        AppError::field(
            "to_fund",
            khuyenhoc_domain::Invalid::new(
                "Nhập số hiệu quỹ nhận",
                "Give the receiving fund's number",
            ),
        )
    });
    let r = match to {
        Ok(to) => {
            let asset = if f.asset.is_empty() {
                "cash"
            } else {
                f.asset.as_str()
            };
            service::transfer(
                &state,
                &v,
                parse_id(&id)?,
                to,
                asset,
                &serde_json::Value::String(f.amount),
                Some(&f.date),
                &f.description,
            )
            .await
            .map(|_| ())
        }
        Err(e) => Err(e),
    };
    after(&state, c, &v, &id, r).await
}

#[derive(Deserialize)]
pub struct PublicForm {
    #[serde(default)]
    pub public: String,
}

pub async fn set_public(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<PublicForm>,
) -> PageResult<Redirect> {
    service::set_public(&state.db, &v, parse_id(&id)?, f.public == "1").await?;
    Ok(Redirect::to(&format!("/funds/{id}")))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

pub async fn reverse(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<ReasonForm>,
) -> PageResult<Response> {
    let entry_id = parse_id(&id)?;
    let fund_id: i64 = sqlx::query_scalar("SELECT fund_id FROM ledger_entries WHERE id = $1")
        .bind(entry_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = service::reverse(&state, &v, entry_id, &f.reason)
        .await
        .map(|_| ());
    after(&state, c, &v, &fund_id.to_string(), r).await
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub format: String,
}

#[derive(Template)]
#[template(path = "fund_report.html")]
pub struct ReportPage {
    pub c: Chrome,
    pub title: String,
    pub back: String,
    pub from: String,
    pub to: String,
    pub r: ReceiptsPayments,
    pub funds: Vec<String>,
}

impl ReportPage {
    pub fn money(&self, d: &khuyenhoc_ledger::Dong) -> String {
        d.grouped()
    }
}

async fn report_response(
    c: Chrome,
    title: String,
    back: String,
    q: &PeriodQuery,
    funds: Vec<(i64, String)>,
    state: &AppState,
) -> PageResult<Response> {
    let period = service::parse_period(Some(&q.from), Some(&q.to))?;
    let ids: Vec<i64> = funds.iter().map(|f| f.0).collect();
    let r = service::report(&state.db, &ids, period).await?;
    if q.format == "xlsx" {
        let bytes =
            super::export::report_xlsx(&title, &r).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
        let name = format!(
            "attachment; filename=\"bao-cao-thu-chi-{}-{}.xlsx\"",
            period.from(),
            period.to()
        );
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (header::CONTENT_DISPOSITION, name),
            ],
            bytes,
        )
            .into_response());
    }
    let page = ReportPage {
        c,
        title,
        back,
        from: period.from().to_string(),
        to: period.to().to_string(),
        r,
        funds: funds.into_iter().map(|f| f.1).collect(),
    };
    Ok(render(&page)?.into_response())
}

pub async fn fund_report(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<PeriodQuery>,
) -> PageResult<Response> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let title = format!("{} — {}", f.name, f.unit_name);
    report_response(
        c,
        title,
        format!("/funds/{}", f.id),
        &q,
        vec![(f.id, f.name.clone())],
        &state,
    )
    .await
}

pub async fn unit_report(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<PeriodQuery>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let funds = model::in_subtree(&state.db, &unit.path).await?;
    let title = format!("Tổng hợp các quỹ thuộc {}", unit.name);
    report_response(
        c,
        title,
        format!("/units/{}/funds", unit.code),
        &q,
        funds
            .into_iter()
            .map(|f| (f.id, format!("{} ({})", f.name, f.unit_name)))
            .collect(),
        &state,
    )
    .await
}

pub async fn voucher(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let pdf = super::export::voucher_pdf(&state, &v, parse_id(&id)?).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

#[derive(Deserialize)]
pub struct ProgrammeForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub target_group: String,
    #[serde(default)]
    pub criteria: String,
    #[serde(default)]
    pub amount_each: String,
    #[serde(default)]
    pub budget: String,
    #[serde(default)]
    pub show_full_names: Option<String>,
}

pub async fn create_programme(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<ProgrammeForm>,
) -> PageResult<Response> {
    let n = programmes::NewProgramme {
        kind: f.kind,
        name: f.name,
        target_group: f.target_group,
        criteria: f.criteria,
        amount_each: serde_json::Value::String(f.amount_each),
        budget: Some(serde_json::Value::String(f.budget)),
        show_full_names: f.show_full_names.is_some(),
    };
    match programmes::create(&state.db, &v, parse_id(&id)?, &n).await {
        Ok(p) => Ok(Redirect::to(&format!("/programmes/{}", p.id)).into_response()),
        Err(e) => after(&state, c, &v, &id, Err(e)).await,
    }
}

#[derive(Template)]
#[template(path = "programme.html")]
pub struct ProgrammePage {
    pub c: Chrome,
    pub p: Programme,
    pub nominations: Vec<Nomination>,
    pub can_manage: bool,
    pub can_pay: bool,
    pub can_nominate: bool,
    pub problem: Option<(String, String)>,
}

impl ProgrammePage {
    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
}

async fn programme_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let p = programmes::visible(&state.db, v, parse_id(id)?).await?;
    let mut nominations = programmes::nominations(&state.db, p.id).await?;
    if !v.can_read(&p.unit_path) {
        // An officer of a branch below the fund sees only the nominations of units in their scope.
        let mut mine = vec![];
        for n in nominations {
            if let Some(u) = crate::org::model::by_code(&state.db, &n.unit_code).await? {
                if v.can_read(&u.path) {
                    mine.push(n);
                }
            }
        }
        nominations = mine;
    }
    let can_manage = v.position_for(perm::FUND_MANAGE, &p.unit_path).is_some();
    let can_pay = v.position_for(perm::FUND_POST, &p.unit_path).is_some();
    let can_nominate = p.status == "nominating"
        && v.positions.iter().any(|x| {
            x.unit_path.starts_with(&p.unit_path)
                && x.permissions.iter().any(|r| r == perm::PROGRAMME_NOMINATE)
        });
    render(&ProgrammePage {
        c,
        p,
        nominations,
        can_manage,
        can_pay,
        can_nominate,
        problem,
    })
}

pub async fn programme_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    programme_view(&state, c, &v, &id, None).await
}

async fn programme_after(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<(), AppError>,
) -> PageResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/programmes/{id}")).into_response()),
        Err(
            e @ (AppError::Invalid(_)
            | AppError::Conflict(_)
            | AppError::Unprocessable { .. }
            | AppError::BadRequest { .. }),
        ) => {
            let status = e.status();
            let msg = e.messages();
            Ok((status, programme_view(state, c, v, id, Some(msg)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NominationForm {
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub school: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn nominate(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<NominationForm>,
) -> PageResult<Response> {
    let birth_year = if f.birth_year.trim().is_empty() {
        Ok(None)
    } else {
        f.birth_year.trim().parse::<i64>().map(Some).map_err(|_| {
            AppError::field(
                "birth_year",
                khuyenhoc_domain::Invalid::new("Năm sinh không hợp lệ", "Invalid birth year"),
            )
        })
    };
    let r = match birth_year {
        Ok(birth_year) => {
            let n = programmes::NewNomination {
                unit_code: f.unit_code,
                full_name: f.full_name,
                birth_year,
                school: Some(f.school),
                reason: f.reason,
            };
            programmes::nominate(&state.db, &v, parse_id(&id)?, &n)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    programme_after(&state, c, &v, &id, r).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<DecisionForm>,
) -> PageResult<Response> {
    let nid = parse_id(&id)?;
    let programme_id: i64 =
        sqlx::query_scalar("SELECT programme_id FROM nominations WHERE id = $1")
            .bind(nid)
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    let r = programmes::decide(&state.db, &v, nid, f.decision == "select", &f.reason).await;
    programme_after(&state, c, &v, &programme_id.to_string(), r).await
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    pub asset: String,
}

pub async fn pay(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<PayForm>,
) -> PageResult<Response> {
    let asset = if f.asset.is_empty() {
        "cash".to_owned()
    } else {
        f.asset
    };
    let r = programmes::pay(&state, &v, parse_id(&id)?, &asset)
        .await
        .map(|_| ());
    programme_after(&state, c, &v, &id, r).await
}

pub async fn publish(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let r = programmes::publish(&state.db, &v, parse_id(&id)?).await;
    programme_after(&state, c, &v, &id, r).await
}

#[derive(Template)]
#[template(path = "fund_public.html")]
pub struct PublicFundPage {
    pub c: Chrome,
    pub f: Fund,
    pub r: ReceiptsPayments,
    pub programmes: Vec<Programme>,
}

impl PublicFundPage {
    pub fn money(&self, d: &khuyenhoc_ledger::Dong) -> String {
        d.grouped()
    }
}

pub async fn public_fund(
    State(state): State<AppState>,
    c: Chrome,
    _v: OptionalViewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let f = model::by_id(&state.db, parse_id(&id)?)
        .await?
        .filter(|f| f.public)
        .ok_or(AppError::NotFound)?;
    let period = service::parse_period(None, None)?;
    let r = service::report(&state.db, &[f.id], period).await?;
    let programmes = programmes::of_fund(&state.db, f.id)
        .await?
        .into_iter()
        .filter(|p| p.status == "published")
        .collect();
    render(&PublicFundPage {
        c,
        f,
        r,
        programmes,
    })
}

#[derive(Template)]
#[template(path = "programme_public.html")]
pub struct PublicProgrammePage {
    pub c: Chrome,
    pub p: Programme,
    pub recipients: Vec<PublicRecipient>,
}

impl PublicProgrammePage {
    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
}

pub async fn public_programme(
    State(state): State<AppState>,
    c: Chrome,
    _v: OptionalViewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let (p, recipients) = programmes::public_list(&state.db, parse_id(&id)?).await?;
    render(&PublicProgrammePage { c, p, recipients })
}

#[derive(Deserialize)]
pub struct PledgeForm {
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub party_kind: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub note: String,
}

pub async fn create_pledge(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<PledgeForm>,
) -> PageResult<Response> {
    let n = service::NewPledge {
        party: Some(f.party),
        party_kind: Some(f.party_kind),
        amount: serde_json::Value::String(f.amount),
        due_on: Some(f.due_on),
        note: Some(f.note),
    };
    let r = service::pledge(&state.db, &v, parse_id(&id)?, &n)
        .await
        .map(|_| ());
    after(&state, c, &v, &id, r).await
}
