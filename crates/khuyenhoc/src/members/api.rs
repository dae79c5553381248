//! JSON API of members under `/api/v1/units/{code}/members`, `/api/v1/members` and
//! `/api/v1/units/{code}/population`. Thin shells over `service` and `model`.
//!
//! Who may do what: any officer whose unit covers a member's branch reads it; registering,
//! status, sector and card changes, transfers (from the member's branch to any open branch) and
//! populations need `member.manage`; a fee is a posting, so it needs `fund.post` on the fund.
//! Outside the viewer's scope everything answers 404. A person who is a member already answers
//! 409 naming the branch where they are (when the viewer reads it).

use super::list::{Filter, ListArgs};
use super::model::{self, Fee, Member, Population, Transfer};
use super::service::{self, AlreadyMember, Edit, NewFee, NewMember, NewTransfer, RegisterError};
use super::{SECTORS, STATUSES};
use crate::accounts::pages::parse_id;
use crate::accounts::service::NewPerson;
use crate::auth::ApiViewer;
use crate::error::{ApiError, ApiResult, AppError};
use crate::funds::model::StoredEntry;
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::{per_page, ListPage};
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        api(M::GET, "/api/v1/units/{code}/members", Officer, "Members of a unit's branches: paged by key (cursor), searched (q: a name without diacritics or a phone), filtered by status, sector and branch, with the total", list),
        api(M::GET, "/api/v1/units/{code}/members/counts", Officer, "Counts of a unit's members: by status, active now, active by sector (the live counters)", counts),
        api(M::POST, "/api/v1/units/{code}/members", Officer, "Register a member (409 when the person is a member already)", register),
        api(M::GET, "/api/v1/members/{id}", Officer, "One member with transfers and fees", get),
        api(M::PATCH, "/api/v1/members/{id}", Officer, "Change a member's card number or sectors", patch),
        api(M::POST, "/api/v1/members/{id}/status", Officer, "Change a member's status: left, deceased, or active again", set_status),
        api(M::POST, "/api/v1/members/{id}/transfer", Officer, "Transfer a member to another open branch (any province)", transfer),
        api(M::GET, "/api/v1/members/{id}/fees", Officer, "A member's fees, newest year first: paged by key (cursor), filtered by year, q searching the voucher number, with the total", list_fees),
        api(M::POST, "/api/v1/members/{id}/fees", Officer, "Record a membership fee: a receipt of the branch's fund (Idempotency-Key: a retry posts once)", pay_fee),
        api(M::GET, "/api/v1/units/{code}/population", Officer, "A unit's population by year and the share who are members", population),
        api(M::PUT, "/api/v1/units/{code}/population/{year}", Officer, "Set a unit's population for a year", set_population),
    ]
}

// ---------------------------------------------------------------------------------------------
// Bodies and answers

/// The query of `GET /api/v1/units/{code}/members`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub sector: Option<String>,
    pub branch: Option<String>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

/// The query of `GET /api/v1/members/{id}/fees`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FeesQuery {
    pub q: Option<String>,
    pub year: Option<i64>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

/// The counts shown above a unit's member list (the list itself is paged).
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "MemberCounts")]
pub struct Counts {
    /// Members of the unit's branches by status.
    pub by_status: BTreeMap<String, i64>,
    /// Active members now (the live counter).
    pub active: i64,
    /// Active members by sector (the live counters).
    pub by_sector: BTreeMap<String, i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// An existing person; or, without it, a new person from the fields below.
    pub person_id: Option<i64>,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub birth_year: Option<Value>,
    pub gender: Option<String>,
    /// The branch; may be omitted when the unit of the path is the branch.
    pub branch_code: Option<String>,
    pub card_no: Option<String>,
    pub joined_on: String,
    #[serde(default)]
    pub sectors: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    /// A new card number; "" removes it.
    pub card_no: Option<String>,
    /// The full new list of sectors.
    pub sectors: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub status: String,
    pub on: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    pub to_branch_code: String,
    pub on: Option<String>,
    pub reason: Option<String>,
    pub card_no: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PopulationBody {
    pub population: Value,
    #[serde(default)]
    pub households: Value,
    #[serde(default)]
    pub clans: Value,
    #[serde(default)]
    pub communities: Value,
    #[serde(default)]
    pub organisations: Value,
}

/// A member with their history.
#[derive(Serialize, schemars::JsonSchema)]
pub struct MemberDetail {
    #[serde(flatten)]
    pub member: Member,
    pub transfers: Vec<Transfer>,
    pub fees: Vec<Fee>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct FeeView {
    pub member_id: i64,
    pub fee: Fee,
    /// The receipt in the fund's books.
    pub entry: StoredEntry,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "MemberShare")]
pub struct Share {
    pub year: i64,
    pub population: i64,
    /// Active members per hundred inhabitants, one decimal, Vietnamese style ("3,2").
    pub percent: String,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct PopulationView {
    pub unit_code: String,
    pub unit_name: String,
    /// Newest year first.
    pub populations: Vec<Population>,
    pub active_members: i64,
    /// The share of the newest population (up to this year) who are active members.
    pub share: Option<Share>,
}

async fn detail(state: &AppState, m: Member) -> Result<MemberDetail, AppError> {
    Ok(MemberDetail {
        transfers: model::transfers(&state.db, m.id).await?,
        fees: model::fees(&state.db, m.id).await?,
        member: m,
    })
}

/// 409 problem+json for a person who is a member already, naming where (when the viewer may
/// know), in the same shape as every other problem.
fn already(a: &AlreadyMember) -> Response {
    let (vi, en) = a.messages();
    let mut body = json!({
        "type": "about:blank",
        "title": vi,
        "title_en": en,
        "status": 409,
        "errors": [{"field": a.field, "message_vi": vi, "message_en": en}],
    });
    if let Some((code, _)) = &a.branch {
        body["member_id"] = json!(a.member_id);
        body["branch_code"] = json!(code);
    }
    (
        StatusCode::CONFLICT,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        // Anything else is not a year: the person check answers it.
        Some(other) => Some(other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

pub async fn list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPage<Member>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let s = |v: Option<String>| v.unwrap_or_default();
    let args = ListArgs {
        q: s(q.q),
        status: s(q.status),
        sector: s(q.sector),
        branch: s(q.branch),
        sort: s(q.sort),
        cursor: s(q.cursor),
        per_page: q.per_page,
    };
    let n = per_page(args.per_page)?;
    let filter = Filter::parse(&state.db, &v, &unit, &args).await?;
    Ok(Json(filter.page(&state.db, &args.cursor, n).await?))
}

pub async fn list_fees(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FeesQuery>,
) -> ApiResult<Json<ListPage<Fee>>> {
    let m = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let n = per_page(q.per_page)?;
    if q.year.is_some_and(|y| !(2000..=2200).contains(&y)) {
        return Err(
            AppError::field("year", Invalid::new("Năm không hợp lệ", "Not a valid year")).into(),
        );
    }
    Ok(Json(
        super::list::fees_page(
            &state.db,
            m.id,
            q.year,
            q.q.as_deref().unwrap_or_default(),
            q.cursor.as_deref().unwrap_or_default(),
            n,
        )
        .await?,
    ))
}

pub async fn counts(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
) -> ApiResult<Json<Counts>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let mut by_status: BTreeMap<String, i64> =
        STATUSES.iter().map(|s| (s.0.to_owned(), 0)).collect();
    by_status.extend(model::status_counts(&state.db, &unit.path).await?);
    let (active, by_sector) = model::active_under(&state.db, unit.id).await?;
    Ok(Json(Counts {
        by_status,
        active,
        by_sector: by_sector.into_iter().collect(),
    }))
}

/// 201 with the new member; 409 problem+json naming where a person who is a member already is
/// (an answer of its own, `already`), other refusals as every route's.
pub async fn register(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<RegisterBody>,
) -> Result<(StatusCode, Json<MemberDetail>), Response> {
    match registered(&state, &v, &code, b).await {
        Ok(m) => Ok((StatusCode::CREATED, Json(m))),
        Err(RegisterError::Already(a)) => Err(already(&a)),
        Err(RegisterError::Other(e)) => Err(ApiError(e).into_response()),
    }
}

/// The registration itself: the new member with their history, or why not.
async fn registered(
    state: &AppState,
    v: &crate::auth::Viewer,
    code: &str,
    b: RegisterBody,
) -> Result<MemberDetail, RegisterError> {
    let new_fields =
        b.full_name.is_some() || b.phone.is_some() || b.birth_year.is_some() || b.gender.is_some();
    if b.person_id.is_some() && new_fields {
        // Scope first, so that a bad body learns nothing about other units.
        crate::org::service::with_right(&state.db, v, code, crate::auth::perm::MEMBER_MANAGE)
            .await?;
        return Err(RegisterError::Other(AppError::field(
            "person_id",
            Invalid::new(
                "Chọn người đã có (person_id) hoặc ghi người mới, không cả hai",
                "Give person_id or a new person's fields, not both",
            ),
        )));
    }
    let n = NewMember {
        person_id: b.person_id,
        existing_phone: None,
        person: NewPerson {
            full_name: b.full_name.unwrap_or_default(),
            birth_year: text_of(b.birth_year.as_ref()),
            gender: b.gender,
            phone: b.phone,
            ..NewPerson::default()
        },
        branch: b.branch_code.unwrap_or_default(),
        card_no: b.card_no,
        joined_on: b.joined_on,
        sectors: b.sectors,
    };
    let id = service::register(&state.db, v, code, &n).await?;
    let m = service::visible(&state.db, v, id).await?;
    Ok(detail(state, m).await?)
}

pub async fn get(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<MemberDetail>> {
    let m = service::visible(&state.db, &v, parse_id(&id)?).await?;
    Ok(Json(detail(&state, m).await?))
}

pub async fn patch(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PatchBody>,
) -> ApiResult<Json<MemberDetail>> {
    let e = Edit {
        card_no: b.card_no,
        sectors: b.sectors,
    };
    let m = service::edit(&state.db, &v, parse_id(&id)?, &e).await?;
    Ok(Json(detail(&state, m).await?))
}

pub async fn set_status(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StatusBody>,
) -> ApiResult<Json<MemberDetail>> {
    let m = service::set_status(&state.db, &v, parse_id(&id)?, &b.status, b.on.as_deref()).await?;
    Ok(Json(detail(&state, m).await?))
}

/// 201 with the member as they are now (possibly outside the caller's scope from now on).
pub async fn transfer(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TransferBody>,
) -> ApiResult<(StatusCode, Json<MemberDetail>)> {
    let t = NewTransfer {
        to_branch: b.to_branch_code,
        on: b.on,
        reason: b.reason,
        card_no: b.card_no,
    };
    let (m, _) = service::transfer(&state.db, &v, parse_id(&id)?, &t).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, m).await?)))
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

/// 201 with the fee and its receipt; 200 with the first fee when the same `Idempotency-Key`
/// comes again from the same person.
pub async fn pay_fee(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<NewFee>,
) -> ApiResult<(StatusCode, Json<FeeView>)> {
    let member_id = parse_id(&id)?;
    // Scope first, so that a bad header learns nothing about others' members.
    service::visible(&state.db, &v, member_id).await?;
    let key = idempotency_key(&headers)?;
    let (fee_id, created) = service::pay_fee(&state.db, &v, member_id, &b, key.as_deref()).await?;
    let fee = model::fee(&state.db, fee_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let entry = crate::funds::model::entry(&state.db, fee.entry_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(FeeView {
            member_id,
            fee,
            entry,
        }),
    ))
}

pub async fn population(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
) -> ApiResult<Json<PopulationView>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let populations = model::populations(&state.db, unit.id).await?;
    let (active_members, _) = model::active_under(&state.db, unit.id).await?;
    let share = service::share(&state.db, &unit)
        .await?
        .map(|(year, population, percent)| Share {
            year,
            population,
            percent,
        });
    Ok(Json(PopulationView {
        unit_code: unit.code,
        unit_name: unit.name,
        populations,
        active_members,
        share,
    }))
}

pub async fn set_population(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, year)): Path<(String, String)>,
    ApiJson(b): ApiJson<PopulationBody>,
) -> ApiResult<Json<Population>> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let counts = service::TargetCounts {
        households: text(&b.households),
        clans: text(&b.clans),
        communities: text(&b.communities),
        organisations: text(&b.organisations),
    };
    let year = Value::String(year);
    let p =
        service::set_population(&state.db, &v, &code, &year, &text(&b.population), &counts).await?;
    Ok(Json(p))
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

/// Request body schemas of these routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let date = |what: &str| json!({"type": ["string", "null"], "description": format!("{what}: YYYY-MM-DD or DD/MM/YYYY, not after today")});
    let sectors = json!({"type": "array", "items": {"type": "string", "enum": SECTORS.iter().map(|x| x.0).collect::<Vec<_>>()},
        "description": "codes, or their Vietnamese / English labels (Đại học, Doanh nghiệp, Lực lượng vũ trang, Đảng viên)"});
    let card = json!({"type": ["string", "null"], "maxLength": 30, "description": "unique among the members of the branch's commune"});
    Some(match (method, path) {
        ("post", "/api/v1/units/{code}/members") => s(
            json!({
                "person_id": {"type": ["integer", "null"], "description": "an existing person in your scope; omit to create a new person from the fields below"},
                "full_name": {"type": ["string", "null"]},
                "phone": {"type": ["string", "null"]},
                "birth_year": {"type": ["integer", "string", "null"]},
                "gender": {"type": ["string", "null"], "enum": ["female", "male", "other", null]},
                "branch_code": {"type": ["string", "null"], "description": "the member's branch, under the unit of the path; omitted: the unit itself (a branch)"},
                "card_no": card,
                "joined_on": {"type": "string", "description": "YYYY-MM-DD or DD/MM/YYYY, not after today"},
                "sectors": sectors
            }),
            json!(["joined_on"]),
        ),
        ("patch", "/api/v1/members/{id}") => s(
            json!({"card_no": {"type": ["string", "null"], "description": "a new card number; \"\" removes it"}, "sectors": sectors}),
            json!([]),
        ),
        ("post", "/api/v1/members/{id}/status") => s(
            json!({
                "status": {"type": "string", "enum": STATUSES.iter().map(|x| x.0).collect::<Vec<_>>()},
                "on": date("the day of the change; today when omitted")
            }),
            json!(["status"]),
        ),
        ("post", "/api/v1/members/{id}/transfer") => s(
            json!({
                "to_branch_code": {"type": "string", "description": "any open branch, in any province"},
                "on": date("the day of the transfer; today when omitted"),
                "reason": {"type": ["string", "null"], "maxLength": 500},
                "card_no": {"type": ["string", "null"], "description": "a new card number (the old one is kept when omitted)"}
            }),
            json!(["to_branch_code"]),
        ),
        ("post", "/api/v1/members/{id}/fees") => s(
            json!({
                "amount": {"type": ["string", "integer"], "description": "whole đồng above zero: 50000, \"50.000 đ\""},
                "year": {"type": ["integer", "string", "null"], "description": "the year the fee is for; this year when omitted"},
                "fund_id": {"type": ["integer", "null"], "description": "a fund of the member's branch, or of its commune when the branch has none; omitted: the first such fund you post to"},
                "asset": {"type": ["string", "null"], "enum": ["cash", "bank", null], "default": "cash"},
                "date": date("the day the money came in; today when omitted")
            }),
            json!(["amount"]),
        ),
        ("put", "/api/v1/units/{code}/population/{year}") => s(
            json!({
                "population": {"type": ["integer", "string"], "description": "inhabitants, a whole number (\"12.345\" accepted)"},
                "households": {"type": ["integer", "string", "null"], "description": "households, the population of the Learning Family target; omitted or null: not recorded"},
                "clans": {"type": ["integer", "string", "null"], "description": "clans, the population of the Learning Clan target; omitted or null: not recorded"},
                "communities": {"type": ["integer", "string", "null"], "description": "villages and residential groups, the population of the Learning Community target; omitted or null: not recorded"},
                "organisations": {"type": ["integer", "string", "null"], "description": "agencies, organisations and units, the population of the Learning Unit target; omitted or null: not recorded"}
            }),
            json!(["population"]),
        ),
        _ => return None,
    })
}

/// Query parameters and headers of these routes, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    let p = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    match path {
        "/api/v1/units/{code}/members" => {
            let mut v = crate::web::list::paging_params(
                "GET: a name (with or without Vietnamese accents) or phone digits",
            );
            v.push(p("status", "string", "GET: active, left or deceased"));
            v.push(p(
                "sector",
                "string",
                "GET: university, enterprise, armed_forces or party",
            ));
            v.push(p(
                "branch",
                "string",
                "GET: a branch (unit code) under the unit",
            ));
            v.push(p("sort", "string", "GET: name (default), newest or oldest"));
            v
        }
        "/api/v1/members/{id}/fees" => {
            let mut v =
                crate::web::list::paging_params("GET: part of the voucher number (PT-2026…)");
            v.push(p("year", "integer", "GET: the fees of one year"));
            v.push(json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 200},
                "description": "POST: a retry with the same key returns the fee posted the first time (200) instead of posting again"}));
            v
        }
        _ => vec![],
    }
}
