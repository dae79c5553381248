//! Pages of members: a unit's member list with search, filters, counts and the form to register,
//! a member's page (transfers, fees, and the forms to change status, transfer, edit and record a
//! fee), a unit's population by year, and the Excel import (in `import.rs`).

use super::model::{self, Fee, Member, Population, Transfer};
use super::service::{self, Edit, NewFee, NewMember, NewTransfer, RegisterError};
use super::{SECTORS, STATUSES};
use crate::accounts::pages::parse_id;
use crate::accounts::service::NewPerson;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, FieldError, PageResult};
use crate::funds::model::Fund;
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const PAGE: i64 = 50;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/members", Officer, "Members of a unit's branches: search, filters, counts, and the form to register", list),
        r(M::POST, "/units/{code}/members", Officer, "Register a member", register),
        r(M::GET, "/units/{code}/members/template.xlsx", Officer, "Excel template of a member list", super::import::template),
        r(M::GET, "/units/{code}/members/import", Officer, "Upload a member list from Excel", super::import::upload_page),
        upload(r(M::POST, "/units/{code}/members/import", Officer, "Preview an uploaded member list: every row's errors, nothing stored", super::import::preview)),
        r(M::POST, "/units/{code}/members/import/commit", Officer, "Store a previewed member list: every row or none", super::import::commit),
        r(M::GET, "/units/{code}/population", Officer, "A unit's population by year and the share who are members", population),
        r(M::POST, "/units/{code}/population", Officer, "Set a unit's population for a year", set_population),
        r(M::GET, "/members/{id}", Officer, "A member with transfers and fees", detail),
        r(M::POST, "/members/{id}/status", Officer, "Change a member's status (left, deceased, active again)", set_status),
        r(M::POST, "/members/{id}/transfer", Officer, "Transfer a member to another branch", transfer),
        r(M::POST, "/members/{id}/edit", Officer, "Change a member's card number and sectors", edit),
        r(M::POST, "/members/{id}/fees", Officer, "Record a membership fee (a receipt of the branch's fund)", pay_fee),
    ]
}

/// The upload route takes workbooks larger than other requests.
fn upload(mut route: Route) -> Route {
    route.handler = route.handler.layer(axum::extract::DefaultBodyLimit::max(
        super::import::MAX_UPLOAD_BYTES + 64 * 1024,
    ));
    route
}

/// What a refused form shows: its status, the field errors, and a message for the whole form.
type Refusal = (StatusCode, FormErrors, Option<(String, String)>);

fn refusal(e: AppError) -> Result<Refusal, AppError> {
    match e {
        AppError::Invalid(f) => Ok((StatusCode::UNPROCESSABLE_ENTITY, FormErrors(f), None)),
        AppError::Conflict(f) => Ok((StatusCode::CONFLICT, FormErrors(vec![f]), None)),
        e @ (AppError::Unprocessable { .. } | AppError::BadRequest { .. }) => {
            Ok((e.status(), FormErrors::default(), Some(e.titles())))
        }
        e => Err(e),
    }
}

/// The sector checkboxes of a form (`sector_university=1`, …).
#[derive(Deserialize, Default, Clone)]
pub struct SectorBoxes {
    #[serde(default)]
    pub sector_university: Option<String>,
    #[serde(default)]
    pub sector_enterprise: Option<String>,
    #[serde(default)]
    pub sector_armed_forces: Option<String>,
    #[serde(default)]
    pub sector_party: Option<String>,
}

impl SectorBoxes {
    pub fn codes(&self) -> Vec<String> {
        [
            ("university", &self.sector_university),
            ("enterprise", &self.sector_enterprise),
            ("armed_forces", &self.sector_armed_forces),
            ("party", &self.sector_party),
        ]
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(c, _)| (*c).to_owned())
        .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The list and the registration form

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub page: Option<i64>,
}

/// The registration form as typed (kept when it is refused).
#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    /// An existing person: phone number or person number.
    #[serde(default)]
    pub existing: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub branch: String,
    #[serde(default)]
    pub card_no: String,
    #[serde(default)]
    pub joined_on: String,
    #[serde(flatten)]
    pub sectors: SectorBoxes,
}

#[derive(Template)]
#[template(path = "members.html")]
pub struct ListPage {
    pub c: Chrome,
    pub unit: Unit,
    pub q: String,
    pub status: String,
    pub sector: String,
    pub members: Vec<Member>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    /// (code, Vietnamese, English, how many) for every status.
    pub status_counts: Vec<(&'static str, &'static str, &'static str, i64)>,
    /// (code, Vietnamese, English, active members with it).
    pub sector_counts: Vec<(&'static str, &'static str, &'static str, i64)>,
    pub active: i64,
    /// (year, population, share in percent) of the newest population.
    pub share: Option<(i64, i64, String)>,
    pub can_manage: bool,
    /// The branches a new member may join from this page.
    pub branches: Vec<Unit>,
    pub form: RegisterForm,
    pub errors: FormErrors,
    pub problem: Option<(String, String)>,
    pub sectors: &'static [(&'static str, &'static str, &'static str)],
    pub statuses: &'static [(&'static str, &'static str, &'static str)],
}

impl ListPage {
    pub fn page_href(&self, page: &i64) -> String {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("status", &self.status)
            .append_pair("sector", &self.sector)
            .append_pair("page", &page.to_string())
            .finish();
        format!("/units/{}/members?{q}", self.unit.code)
    }
    pub fn checked(&self, code: &&str) -> bool {
        self.form.sectors.codes().iter().any(|c| c == code)
    }
}

/// The open branches directly below a unit (the unit itself when it is one).
async fn branch_choices(state: &AppState, unit: &Unit) -> Result<Vec<Unit>, AppError> {
    if unit.is_branch() {
        return Ok(if unit.is_open() {
            vec![unit.clone()]
        } else {
            vec![]
        });
    }
    let q = crate::org::model::Query {
        scope_roots: vec![unit.path.clone()],
        level: Some(khuyenhoc_domain::Level::Branch),
        parent_id: Some(unit.id),
        limit: 1000,
        ..Default::default()
    };
    Ok(crate::org::model::list(&state.db, &q).await?.0)
}

async fn list_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    q: &ListQuery,
    form: RegisterForm,
    refused: Option<Refusal>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let status = STATUSES
        .iter()
        .find(|s| s.0 == q.status)
        .map(|s| s.0.to_owned());
    let sector = SECTORS
        .iter()
        .find(|s| s.0 == q.sector)
        .map(|s| s.0.to_owned());
    let page = q.page.unwrap_or(1).max(1);
    let folded = khuyenhoc_domain::text::fold(&q.q);
    let (members, total) = model::list(
        &state.db,
        &model::ListQuery {
            path: unit.path.clone(),
            search: Some(folded),
            status: status.clone(),
            sector: sector.clone(),
            limit: PAGE,
            offset: (page - 1).saturating_mul(PAGE),
        },
    )
    .await?;
    let counts = model::status_counts(&state.db, &unit.path).await?;
    let status_counts = STATUSES
        .iter()
        .map(|(code, vi, en)| {
            let n = counts.iter().find(|x| x.0 == *code).map_or(0, |x| x.1);
            (*code, *vi, *en, n)
        })
        .collect();
    let (active, by_sector) = model::active_under(&state.db, unit.id).await?;
    let sector_counts = SECTORS
        .iter()
        .map(|(code, vi, en)| {
            let n = by_sector.iter().find(|x| x.0 == *code).map_or(0, |x| x.1);
            (*code, *vi, *en, n)
        })
        .collect();
    let can_manage = v.position_for(perm::MEMBER_MANAGE, &unit.path).is_some();
    let branches = if can_manage {
        branch_choices(state, &unit).await?
    } else {
        vec![]
    };
    let share = service::share(&state.db, &unit).await?;
    let (status_code, errors, problem) =
        refused.unwrap_or((StatusCode::OK, FormErrors::default(), None));
    let page = ListPage {
        c,
        q: q.q.trim().to_owned(),
        status: status.unwrap_or_default(),
        sector: sector.unwrap_or_default(),
        members,
        total,
        page,
        pages: (total + PAGE - 1) / PAGE,
        status_counts,
        sector_counts,
        active,
        share,
        can_manage,
        branches,
        form,
        errors,
        problem,
        sectors: SECTORS,
        statuses: STATUSES,
        unit,
    };
    Ok((status_code, render(&page)?).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    list_view(&state, c, &v, &code, &q, RegisterForm::default(), None).await
}

pub async fn register(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<RegisterForm>,
) -> PageResult<Response> {
    let existing = f.existing.trim();
    let (person_id, existing_phone) = match existing.parse::<i64>() {
        // A short number is a person's number; a phone number has 9 digits or more.
        Ok(id) if existing.len() < 9 => (Some(id), None),
        _ => (None, Some(existing.to_owned())),
    };
    let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
    let n = NewMember {
        person_id,
        existing_phone,
        person: NewPerson {
            full_name: f.full_name.clone(),
            birth_year: opt(&f.birth_year),
            gender: opt(&f.gender),
            phone: opt(&f.phone),
            ..NewPerson::default()
        },
        branch: f.branch.clone(),
        card_no: opt(&f.card_no),
        joined_on: f.joined_on.clone(),
        sectors: f.sectors.codes(),
    };
    let refused = match service::register(&state.db, &v, &code, &n).await {
        Ok(id) => return Ok(Redirect::to(&format!("/members/{id}")).into_response()),
        Err(RegisterError::Already(a)) => {
            let field = FieldError::new(
                a.field,
                khuyenhoc_domain::Invalid::new(
                    "Người này đã là hội viên",
                    "This person is already a member",
                ),
            );
            (
                StatusCode::CONFLICT,
                FormErrors(vec![field]),
                Some(a.messages()),
            )
        }
        Err(RegisterError::Other(e)) => refusal(e)?,
    };
    list_view(
        &state,
        c,
        &v,
        &code,
        &ListQuery::default(),
        f,
        Some(refused),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// A member

#[derive(Template)]
#[template(path = "members_detail.html")]
pub struct DetailPage {
    pub c: Chrome,
    pub m: Member,
    pub transfers: Vec<Transfer>,
    pub fees: Vec<Fee>,
    pub can_manage: bool,
    /// The funds the viewer may record this member's fee in.
    pub fee_funds: Vec<Fund>,
    pub this_year: i64,
    pub errors: FormErrors,
    pub problem: Option<(String, String)>,
    pub sectors: &'static [(&'static str, &'static str, &'static str)],
    pub statuses: &'static [(&'static str, &'static str, &'static str)],
}

impl DetailPage {
    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
    pub fn has(&self, code: &&str) -> bool {
        self.m.has_sector(code)
    }
}

async fn detail_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    refused: Option<Refusal>,
) -> PageResult<Response> {
    let m = service::visible(&state.db, v, parse_id(id)?).await?;
    let transfers = model::transfers(&state.db, m.id).await?;
    let fees = model::fees(&state.db, m.id).await?;
    let fee_funds = service::fee_funds(&state.db, &m)
        .await?
        .into_iter()
        .filter(|f| v.position_for(perm::FUND_POST, &f.unit_path).is_some())
        .collect();
    let can_manage = v
        .position_for(perm::MEMBER_MANAGE, &m.branch_path)
        .is_some();
    let (status, errors, problem) =
        refused.unwrap_or((StatusCode::OK, FormErrors::default(), None));
    let page = DetailPage {
        c,
        m,
        transfers,
        fees,
        can_manage,
        fee_funds,
        this_year: service::this_year(),
        errors,
        problem,
        sectors: SECTORS,
        statuses: STATUSES,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    detail_view(&state, c, &v, &id, None).await
}

/// After a form of the member page: back to the page, or the page again with what was wrong.
async fn after<T>(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<T, AppError>,
) -> PageResult<Response> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/members/{id}")).into_response()),
        Err(e) => {
            let refused = refusal(e)?;
            detail_view(state, c, v, id, Some(refused)).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub on: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<StatusForm>,
) -> PageResult<Response> {
    let r = service::set_status(&state.db, &v, parse_id(&id)?, &f.status, Some(&f.on)).await;
    after(&state, c, &v, &id, r).await
}

#[derive(Deserialize, Default)]
pub struct TransferForm {
    #[serde(default)]
    pub to_branch: String,
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub card_no: String,
}

pub async fn transfer(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<TransferForm>,
) -> PageResult<Response> {
    let member_id = parse_id(&id)?;
    let from = service::visible(&state.db, &v, member_id).await?;
    let t = NewTransfer {
        to_branch: f.to_branch,
        on: Some(f.on),
        reason: Some(f.reason),
        card_no: Some(f.card_no),
    };
    match service::transfer(&state.db, &v, member_id, &t).await {
        // A member moved out of the viewer's scope is no longer theirs to see.
        Ok((m, _)) if !v.can_read(&m.branch_path) => {
            Ok(Redirect::to(&format!("/units/{}/members", from.branch_code)).into_response())
        }
        r => after(&state, c, &v, &id, r).await,
    }
}

#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    pub card_no: String,
    #[serde(flatten)]
    pub sectors: SectorBoxes,
}

pub async fn edit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<EditForm>,
) -> PageResult<Response> {
    let e = Edit {
        card_no: Some(f.card_no),
        sectors: Some(f.sectors.codes()),
    };
    let r = service::edit(&state.db, &v, parse_id(&id)?, &e).await;
    after(&state, c, &v, &id, r).await
}

#[derive(Deserialize, Default)]
pub struct FeeForm {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub fund_id: String,
    #[serde(default)]
    pub asset: String,
    #[serde(default)]
    pub date: String,
    /// A random value the form carries so that pressing the button twice posts once.
    #[serde(default)]
    pub once: String,
}

pub async fn pay_fee(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<FeeForm>,
) -> PageResult<Response> {
    let fee = NewFee {
        amount: serde_json::Value::String(f.amount),
        year: Some(serde_json::Value::String(f.year)),
        fund_id: f.fund_id.trim().parse::<i64>().ok(),
        asset: Some(f.asset),
        date: Some(f.date),
    };
    let key = Some(f.once)
        .filter(|k| !k.trim().is_empty())
        .map(|k| format!("form-{k}"));
    let r = service::pay_fee(&state.db, &v, parse_id(&id)?, &fee, key.as_deref()).await;
    after(&state, c, &v, &id, r).await
}

// ---------------------------------------------------------------------------------------------
// Population

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
    pub errors: FormErrors,
}

impl PopulationPage {
    pub fn number(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
}

async fn population_view(
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
    let page = PopulationPage {
        c,
        unit,
        populations,
        active,
        share,
        can_manage,
        this_year: service::this_year(),
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
}

pub async fn set_population(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<PopulationForm>,
) -> PageResult<Response> {
    let year = serde_json::Value::String(f.year);
    match service::set_population(&state.db, &v, &code, &year, &f.population).await {
        Ok(_) => Ok(Redirect::to(&format!("/units/{}/population", code.trim())).into_response()),
        Err(e) => {
            let refused = refusal(e)?;
            population_view(&state, c, &v, &code, Some(refused)).await
        }
    }
}
