//! JSON API of the map under `/api/v1/units` and `/api/v1/clusters`.

use super::model::{self, Unit};
use super::{cluster, disadvantaged, service};
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::{page_of, per_page, Cursor, ListPage, Search};
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use khuyenhoc_domain::{text, Invalid, Level};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub level: Option<String>,
    pub parent: Option<String>,
    pub q: Option<String>,
    pub as_of: Option<String>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

/// The children of one unit: `GET /api/v1/units/{code}/branches`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BranchesQuery {
    pub q: Option<String>,
    pub as_of: Option<String>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

pub fn parse_date(field: &'static str, s: &str) -> Result<String, AppError> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| {
            AppError::field(
                field,
                Invalid::new(
                    "Ngày phải có dạng NNNN-TT-NN (ví dụ 2025-07-01)",
                    "A date must look like YYYY-MM-DD (e.g. 2025-07-01)",
                ),
            )
        })
}

/// One page of units in path order (keyset: the path and the id of the last row).
async fn units_page(
    state: &AppState,
    query: model::Query,
    n: i64,
) -> Result<ListPage<Unit>, AppError> {
    let (items, total) = model::list(&state.db, &query).await?;
    Ok(page_of(items, n, total, |u: &Unit| Cursor {
        key: serde_json::json!(u.path),
        id: u.id,
    }))
}

/// The folded name searched (`q`), as the stored `name_folded`.
fn name_search(q: Option<&str>) -> Option<String> {
    match q.and_then(Search::parse) {
        Some(Search::Name(n)) => Some(n),
        // Units have no phone: digits are part of a name ("Phường 12").
        Some(Search::Phone(_)) => q.map(|q| text::fold(q.trim())),
        None => None,
    }
}

pub async fn list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPage<Unit>>> {
    if !v.is_officer() {
        return Err(AppError::NotFound.into());
    }
    let level = q
        .level
        .as_deref()
        .map(Level::parse)
        .transpose()
        .map_err(|e| AppError::field("level", e))?;
    let as_of = q
        .as_of
        .as_deref()
        .map(|d| parse_date("as_of", d))
        .transpose()?;
    let n = per_page(q.per_page)?;
    let after = Cursor::decode(q.cursor.as_deref().unwrap_or(""))?;
    let parent_id = match q.parent.as_deref() {
        Some(code) => Some(service::visible(&state.db, &v, code).await?.id),
        None => None,
    };
    let query = model::Query {
        scope_roots: v.scope_roots(),
        level,
        parent_id,
        search: name_search(q.q.as_deref()),
        as_of,
        include_closed: false,
        after,
        limit: n + 1,
    };
    Ok(Json(units_page(&state, query, n).await?))
}

/// The units right under one unit in scope (its branches, or a province's communes).
pub async fn branches(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<BranchesQuery>,
) -> ApiResult<Json<ListPage<Unit>>> {
    let unit = service::visible(&state.db, &v, &code).await?;
    let as_of = q
        .as_of
        .as_deref()
        .map(|d| parse_date("as_of", d))
        .transpose()?;
    let n = per_page(q.per_page)?;
    let query = model::Query {
        scope_roots: vec![unit.path.clone()],
        parent_id: Some(unit.id),
        search: name_search(q.q.as_deref()),
        as_of,
        after: Cursor::decode(q.cursor.as_deref().unwrap_or(""))?,
        limit: n + 1,
        ..Default::default()
    };
    Ok(Json(units_page(&state, query, n).await?))
}

/// A unit, and for a commune whether it is a disadvantaged area in a year.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnitWithArea")]
pub struct UnitView {
    #[serde(flatten)]
    pub unit: Unit,
    /// For a commune: its disadvantaged-area flag for this year in Vietnam (or the year just
    /// marked); null for other units.
    pub area: Option<disadvantaged::AreaYear>,
    /// How URLs name the unit: its code while open, `CODE@YEAR` once closed (`31120@2024`).
    pub url_ref: String,
    /// The units it came from (the 2025 merger's old units), with the share of each it took.
    pub predecessors: Vec<LinkView>,
    /// The units it became, with the share each took (null: not set yet).
    pub successors: Vec<LinkView>,
}

/// One succession link, seen from the unit it is shown beside.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnitSuccessionLink")]
pub struct LinkView {
    pub code: String,
    pub name: String,
    pub level: Level,
    /// How URLs name the unit on the other side (`/api/v1/units/{url_ref}`).
    pub url_ref: String,
    /// YYYY-MM-DD
    pub valid_from: String,
    /// YYYY-MM-DD, exclusive; null while open
    pub valid_to: Option<String>,
    /// The share in permille (1..1000); null when not set.
    pub share_permille: Option<i64>,
    /// YYYY-MM-DD: the day the succession took effect.
    pub effective_date: String,
}

impl From<model::Link> for LinkView {
    fn from((u, share, date): model::Link) -> Self {
        LinkView {
            url_ref: u.url_ref(),
            code: u.code,
            name: u.name,
            level: u.level,
            valid_from: u.valid_from,
            valid_to: u.valid_to,
            share_permille: share,
            effective_date: date,
        }
    }
}

async fn view(state: &AppState, unit: Unit, year: Option<i64>) -> Result<UnitView, AppError> {
    let area = if unit.level == Level::Commune && unit.is_open() {
        let year = year.unwrap_or_else(disadvantaged::this_year);
        Some(disadvantaged::for_year(&state.db, &unit, year).await?)
    } else {
        None
    };
    with_area(state, unit, area).await
}

async fn with_area(
    state: &AppState,
    unit: Unit,
    area: Option<disadvantaged::AreaYear>,
) -> Result<UnitView, AppError> {
    let links = |v: Vec<model::Link>| v.into_iter().map(LinkView::from).collect();
    Ok(UnitView {
        url_ref: unit.url_ref(),
        predecessors: links(model::predecessors(&state.db, unit.id).await?),
        successors: links(model::successors(&state.db, unit.id).await?),
        unit,
        area,
    })
}

pub async fn get(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
) -> ApiResult<Json<UnitView>> {
    let unit = service::readable(&state.db, &v, &code).await?;
    Ok(Json(view(&state, unit, None).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewBranch {
    pub name: String,
    pub kind: String,
}

pub async fn open_branch(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<NewBranch>,
) -> ApiResult<(StatusCode, Json<Unit>)> {
    let u = service::open_branch(&state.db, &v, &code, &b.name, &b.kind).await?;
    Ok((StatusCode::CREATED, Json(u)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
    pub name: Option<String>,
    pub parent_code: Option<String>,
    /// With `parent_code`: the day the move takes effect (`YYYY-MM-DD`), today when absent.
    pub effective_date: Option<String>,
    /// Mark (true) or unmark (false) a commune as a disadvantaged area for `year`.
    pub disadvantaged: Option<bool>,
    pub year: Option<i64>,
    pub source: Option<String>,
}

/// Renames or moves a branch, or marks or unmarks a commune as a disadvantaged area for a year
/// (`org::disadvantaged::mark`: a province or central officer only).
pub async fn patch(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(p): ApiJson<UnitPatch>,
) -> ApiResult<Json<UnitView>> {
    if p.name.is_none() && p.parent_code.is_none() && p.disadvantaged.is_none() {
        return Err(AppError::bad_request(
            "Cần ít nhất một trong các trường name, parent_code, disadvantaged",
            "Give name, parent_code or disadvantaged",
        )
        .into());
    }
    if p.parent_code.is_none() && p.effective_date.is_some() {
        return Err(AppError::bad_request(
            "Trường effective_date đi cùng trường parent_code",
            "effective_date goes with parent_code",
        )
        .into());
    }
    if p.disadvantaged.is_none() && (p.year.is_some() || p.source.is_some()) {
        return Err(AppError::bad_request(
            "Các trường year và source đi cùng trường disadvantaged",
            "year and source go with disadvantaged",
        )
        .into());
    }
    let mut unit = service::visible(&state.db, &v, &code).await?;
    if let Some(parent) = &p.parent_code {
        let on = p.effective_date.as_deref().unwrap_or_default();
        unit = service::move_branch(&state.db, &v, &code, parent, on).await?;
    }
    if let Some(name) = &p.name {
        unit = service::rename(&state.db, &v, &code, name).await?;
    }
    if let Some(flag) = p.disadvantaged {
        let m = disadvantaged::Mark {
            disadvantaged: flag,
            year: p.year,
            source: p.source.unwrap_or_default(),
        };
        let area = disadvantaged::mark(&state.db, &v, &code, &m).await?;
        return Ok(Json(with_area(&state, unit, Some(area)).await?));
    }
    Ok(Json(view(&state, unit, None).await?))
}

pub async fn close(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
) -> ApiResult<Json<Unit>> {
    Ok(Json(service::close_branch(&state.db, &v, &code).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClusterQuery {
    pub as_of: Option<String>,
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

pub async fn clusters(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<ClusterQuery>,
) -> ApiResult<Json<ListPage<cluster::Cluster>>> {
    if !v.is_officer() {
        return Err(AppError::NotFound.into());
    }
    let date = match q.as_of.as_deref() {
        Some(d) => parse_date("as_of", d)?,
        None => crate::db::today(),
    };
    let rows = cluster::list(&state.db, &date).await?;
    Ok(Json(crate::web::list_small::page_small(
        rows,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
        |c| {
            let members: Vec<&str> = c.members.iter().map(|m| m.1.as_str()).collect();
            format!("{} {} {}", c.code, c.name, members.join(" "))
        },
        |c| (c.code.clone(), 0),
    )?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCluster {
    pub code: String,
    pub name: String,
}

pub async fn create_cluster(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiJson(c): ApiJson<NewCluster>,
) -> ApiResult<StatusCode> {
    cluster::create(&state.db, &v, &c.code, &c.name).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub province: String,
}

pub async fn assign_cluster(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(m): ApiJson<NewMember>,
) -> ApiResult<StatusCode> {
    cluster::assign(&state.db, &v, &code, &m.province).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/units", Officer, "Units in scope in path order: level, parent, as_of; q a name without diacritics; paged by key (cursor, per_page), with the total", list),
        api(M::GET, "/api/v1/units/{code}/branches", Officer, "The units right under a unit (its branches or communes): q, as_of; paged by key, with the total", branches),
        api(M::GET, "/api/v1/units/{code}", Officer, "One unit by official code (today's), or CODE@YEAR (the unit that had the code that year, e.g. 31120@2024), with its predecessors and successors", get),
        api(M::PATCH, "/api/v1/units/{code}", Officer, "Rename or move a branch; mark or unmark a commune as a disadvantaged area for a year", patch),
        api(M::POST, "/api/v1/units/{code}/branches", Officer, "Open a branch under a unit", open_branch),
        api(M::POST, "/api/v1/units/{code}/close", Officer, "Close a branch", close),
        api(M::GET, "/api/v1/clusters", Officer, "Clusters and their provinces (as_of; q a name or code without diacritics; cursor, per_page)", clusters),
        api(M::POST, "/api/v1/clusters", Central, "Create a cluster", create_cluster),
        api(M::POST, "/api/v1/clusters/{code}/members", Central, "Put a province in a cluster from today", assign_cluster),
    ]
}
