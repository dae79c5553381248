//! JSON API of reports: a unit's report for a period (read, save, submit), the level above's
//! decisions (return, accept), the roll-up and completeness of a unit's children, the cluster
//! table, and a province's own indicators. Thin shells over `service` and `cluster`.
//!
//! Who may do what: any officer whose scope covers the unit reads; `report.submit` over the unit
//! saves and submits; `report.review` strictly above the unit returns or accepts; a province's
//! `report.review` edits its own indicators. Outside the scope everything answers 404.

use super::below::{self, BelowRow};
use super::cluster::{self, ClusterTable};
use super::service::{self, Report, Rollup, SaveInput, TemplateView};
use super::splits::{SharesInput, Split};
use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::{per_page, ListPage};
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        api(M::GET, "/api/v1/units/{code}/reports/{period}", Officer, "A unit's report for a period (2026-H1 or 2026-Y): live values until handed in, the frozen snapshot after", get_report),
        api(M::POST, "/api/v1/units/{code}/reports/{period}", Officer, "Save typed numbers, narratives and overrides (each with its reason) of a draft or returned report", save_report),
        api(M::POST, "/api/v1/units/{code}/reports/{period}/submit", Officer, "Hand the report in: every value is frozen", submit_report),
        api(M::GET, "/api/v1/units/{code}/reports/{period}/rollup", Officer, "The unit's children for a period: status, live and submitted values, sums (structure as of a date)", rollup),
        api(M::GET, "/api/v1/units/{code}/reports/{period}/below", Officer, "The units below and their report state for a period (submitted, accepted, returned, missing): paged by key (cursor), searched by name (q, without diacritics), filtered by state, with the total", below),
        api(M::GET, "/api/v1/units/{code}/reports/{period}/below.xlsx", Officer, "The units below and their report state as filtered (q, state), as an Excel file: at most export_max_rows rows, refused above", below_xlsx),
        api(M::POST, "/api/v1/reports/{id}/return", Officer, "Return a submitted report to the unit below, with the reason", return_report),
        api(M::POST, "/api/v1/reports/{id}/accept", Officer, "Accept a submitted report (it is locked)", accept_report),
        api(M::GET, "/api/v1/clusters/{code}/reports/{period}", Officer, "The cluster's provinces side by side, with ranks and change from a year earlier", cluster_table),
        api(M::GET, "/api/v1/units/{code}/successions/splits", Officer, "The split communes whose successors lie under the unit (a province or the centre): each successor's share, the rule in force (set, population, equal); for the officers who set them", splits),
        api(M::PUT, "/api/v1/successions/{predecessor_id}/shares", Officer, "Set the shares of a split commune's successors: typed (permille adding up to 1000), from the population of each piece, or equal; audited", set_shares),
        api(M::GET, "/api/v1/units/{code}/report-template", Officer, "The report template the unit uses, and its province's own indicators", get_template),
        api(M::POST, "/api/v1/units/{code}/report-template", Officer, "Save a new version of a province's own indicators (TOML)", save_template),
    ]
}

pub async fn get_report(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, period)): Path<(String, String)>,
) -> ApiResult<Json<Report>> {
    Ok(Json(service::get(&state, &v, &code, &period).await?))
}

pub async fn save_report(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, period)): Path<(String, String)>,
    ApiJson(b): ApiJson<SaveInput>,
) -> ApiResult<Json<Report>> {
    Ok(Json(service::save(&state, &v, &code, &period, &b).await?))
}

pub async fn submit_report(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, period)): Path<(String, String)>,
) -> ApiResult<Json<Report>> {
    Ok(Json(service::submit(&state, &v, &code, &period).await?))
}

/// The query of `GET /api/v1/units/{code}/reports/{period}/below`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BelowQuery {
    pub q: Option<String>,
    pub state: Option<String>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

pub async fn below(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, period)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<BelowQuery>,
) -> ApiResult<Json<ListPage<BelowRow>>> {
    let p = service::parse_period(&period)?;
    let unit = service::unit_visible(&state.db, &v, &code).await?;
    let args = below::ListArgs {
        q: q.q.unwrap_or_default(),
        state: q.state.unwrap_or_default(),
        cursor: q.cursor.unwrap_or_default(),
        per_page: q.per_page,
    };
    let n = per_page(args.per_page)?;
    let filter = below::Filter::parse(&unit, &p.to_string(), &args)?;
    Ok(Json(filter.page(&state.db, &args.cursor, n).await?))
}

pub async fn below_xlsx(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, period)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<BelowQuery>,
) -> ApiResult<crate::web::route::Xlsx> {
    let args = below::ListArgs {
        q: q.q.unwrap_or_default(),
        state: q.state.unwrap_or_default(),
        cursor: String::new(),
        per_page: None,
    };
    Ok(crate::reports::pages::below::workbook(&state, &v, &code, &period, &args).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsOf {
    #[serde(default)]
    pub as_of: Option<String>,
}

pub async fn rollup(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, period)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<AsOf>,
) -> ApiResult<Json<Rollup>> {
    Ok(Json(
        service::rollup(&state, &v, &code, &period, q.as_of.as_deref()).await?,
    ))
}

pub async fn splits(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<crate::web::list_small::SmallQuery>,
) -> ApiResult<Json<ListPage<Split>>> {
    let rows = super::splits::of_unit(&state.db, &v, &code).await?;
    Ok(Json(crate::web::list_small::page_small(
        rows,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
        |s| format!("{} {}", s.code, s.name),
        |s| (s.code.clone(), s.id),
    )?))
}

pub async fn set_shares(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SharesInput>,
) -> ApiResult<Json<Split>> {
    Ok(Json(
        super::splits::set(&state.db, &v, parse_id(&id)?, &b).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

pub async fn return_report(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Reason>,
) -> ApiResult<Json<Report>> {
    Ok(Json(
        service::return_report(&state, &v, parse_id(&id)?, &b.reason).await?,
    ))
}

pub async fn accept_report(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Report>> {
    Ok(Json(service::accept(&state, &v, parse_id(&id)?).await?))
}

pub async fn cluster_table(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, period)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<AsOf>,
) -> ApiResult<Json<ClusterTable>> {
    Ok(Json(
        cluster::table(&state.db, &v, &code, &period, q.as_of.as_deref()).await?,
    ))
}

pub async fn get_template(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
) -> ApiResult<Json<TemplateView>> {
    Ok(Json(service::template_view(&state.db, &v, &code).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSource {
    pub source: String,
}

pub async fn save_template(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<TemplateSource>,
) -> ApiResult<Json<TemplateView>> {
    Ok(Json(
        service::save_template(&state.db, &v, &code, &b.source).await?,
    ))
}

/// Request-body schemas of the report routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let number = json!({"type": ["integer", "string", "null"], "description": "a whole number ≥ 0; \"1.250\" accepted"});
    Some(match (method, path) {
        ("post", "/api/v1/units/{code}/reports/{period}") => s(
            json!({
                "numbers": {"type": "object", "additionalProperties": number, "description": "typed-in indicators (source = number) by key"},
                "texts": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 20000}, "description": "narrative parts (source = text) by key"},
                "overrides": {"type": "object", "additionalProperties": {"type": "object", "properties": {"value": number, "reason": {"type": "string", "minLength": 5, "maxLength": 1000}}, "required": ["value", "reason"], "additionalProperties": false},
                    "description": "computed indicators replaced by another value, each with the written reason (kept in the snapshot)"},
                "number_symbol": {"type": ["string", "null"], "maxLength": 50, "description": "the document's number, e.g. 12/BC-KH"},
                "signer_name": {"type": ["string", "null"], "maxLength": 200}
            }),
            json!([]),
        ),
        ("put", "/api/v1/successions/{predecessor_id}/shares") => s(
            json!({
                "rule": {"type": "string", "enum": ["set", "population", "equal"], "description": "set: the permille of every successor, adding up to 1000; population: the population of every piece; equal: equal parts"},
                "shares": {"type": "array", "items": {"type": "object", "properties": {
                    "successor": {"type": "string", "maxLength": 20, "description": "the successor's code"},
                    "permille": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000},
                    "population": {"type": ["integer", "null"], "minimum": 0, "maximum": 1_000_000_000}
                }, "required": ["successor"], "additionalProperties": false}}
            }),
            json!(["rule"]),
        ),
        ("post", "/api/v1/reports/{id}/return") => s(
            json!({"reason": {"type": "string", "minLength": 5, "maxLength": 2000}}),
            json!(["reason"]),
        ),
        ("post", "/api/v1/units/{code}/report-template") => s(
            json!({"source": {"type": "string", "description": "TOML with [[indicator]] entries (docs/reports.md)"}}),
            json!(["source"]),
        ),
        _ => return None,
    })
}

/// Query parameters of the report routes, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    match path {
        "/api/v1/units/{code}/reports/{period}/rollup"
        | "/api/v1/clusters/{code}/reports/{period}" => vec![
            json!({"name": "as_of", "in": "query", "required": false, "schema": {"type": "string"},
            "description": "YYYY-MM-DD: the structure on that day (default today). Before 2025-07-01 the old map (old provinces and communes, their own figures); after, today's units with their predecessors' figures carried by their shares"}),
        ],
        "/api/v1/units/{code}/reports/{period}/below.xlsx" => vec![
            json!({"name": "q", "in": "query", "required": false, "schema": {"type": "string"}, "description": "a unit's name, with or without Vietnamese accents"}),
            json!({"name": "state", "in": "query", "required": false, "schema": {"type": "string", "enum": ["missing", "submitted", "returned", "accepted"]},
                "description": "missing (not handed in), submitted, returned or accepted"}),
        ],
        "/api/v1/units/{code}/successions/splits" => crate::web::list::paging_params(
            "the old commune's code or name, with or without Vietnamese accents",
        ),
        "/api/v1/units/{code}/reports/{period}/below" => {
            let mut v = crate::web::list::paging_params(
                "a unit's name, with or without Vietnamese accents",
            );
            v.push(json!({"name": "state", "in": "query", "required": false, "schema": {"type": "string", "enum": ["missing", "submitted", "returned", "accepted"]},
                "description": "missing (not handed in), submitted, returned or accepted"}));
            v
        }
        _ => vec![],
    }
}
