//! JSON API of the registrations queue under `/api/v1/units/{code}/registrations`: the list
//! (an officer with `person.manage` over a branch or commune; 404 outside the scope), confirming
//! (merging into the matched record when there is one) and rejecting with a reason.

use super::model::{self, Registration};
use super::pages::QueueQuery;
use super::service;
use crate::accounts::pages::parse_id;
use crate::auth::{perm, ApiViewer, Viewer};
use crate::error::{ApiResult, AppError};
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::ListPage;
use crate::web::route::{api, Access, Route, Xlsx};
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
        api(M::GET, "/api/v1/units/{code}/registrations", Officer, "Registrations by join link under a unit (status; q: a name without diacritics or a phone; sort: name, newest, oldest; paged by key: cursor, per_page; with the total)", list),
        api(M::GET, "/api/v1/units/{code}/registrations.xlsx", Officer, "The registrations of the list as filtered (status, q, sort), as an Excel file: at most export_max_rows rows, refused above", export_xlsx),
        api(M::POST, "/api/v1/units/{code}/registrations/{id}/confirm", Officer, "Confirm a registration (merged into the officer-made record with the same phone, if any)", confirm),
        api(M::POST, "/api/v1/units/{code}/registrations/{id}/reject", Officer, "Reject a registration with a reason", reject),
    ]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    pub reason: String,
}

async fn managed(state: &AppState, v: &Viewer, code: &str) -> Result<Unit, AppError> {
    let (unit, _) =
        crate::org::service::with_right(&state.db, v, code, perm::PERSON_MANAGE).await?;
    if super::pages::has_join_link(&unit) {
        Ok(unit)
    } else {
        Err(AppError::NotFound)
    }
}

async fn list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(query): ApiQuery<QueueQuery>,
) -> ApiResult<Json<ListPage<Registration>>> {
    let unit = managed(&state, &v, &code).await?;
    let q = query.to_model(&unit)?;
    Ok(Json(model::list(&state.db, &q).await?))
}

async fn export_xlsx(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(query): ApiQuery<QueueQuery>,
) -> ApiResult<Xlsx> {
    Ok(super::pages::workbook(&state, &v, &code, &query).await?)
}

/// The registration `id` under the unit `code`.
async fn in_queue(state: &AppState, v: &Viewer, code: &str, id: &str) -> Result<i64, AppError> {
    let unit = managed(state, v, code).await?;
    let reg = model::by_id(&state.db.pool, parse_id(id)?).await?;
    reg.filter(|r| r.unit_path.starts_with(&unit.path))
        .map(|r| r.id)
        .ok_or(AppError::NotFound)
}

async fn confirm(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Json<Registration>> {
    let id = in_queue(&state, &v, &code, &id).await?;
    Ok(Json(service::confirm(&state.db, &v, id).await?))
}

async fn reject(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<RejectBody>,
) -> ApiResult<Json<Registration>> {
    let id = in_queue(&state, &v, &code, &id).await?;
    Ok(Json(
        service::reject(&state.db, &v, id, &body.reason).await?,
    ))
}

/// Request bodies of this API, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("post", "/api/v1/units/{code}/registrations/{id}/reject") => Some(json!({
            "type": "object",
            "properties": {"reason": {"type": "string", "maxLength": 500}},
            "required": ["reason"],
            "additionalProperties": false
        })),
        _ => None,
    }
}

/// Query parameters of this API, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    let p = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    match path {
        "/api/v1/units/{code}/registrations" | "/api/v1/units/{code}/registrations.xlsx" => {
            let mut v = vec![
                p(
                    "status",
                    "string",
                    "pending (default), confirmed or rejected",
                ),
                crate::web::list::Order::param(crate::web::list::Order::Oldest),
            ];
            v.extend(crate::web::list::paging_params(
                "a name without diacritics (or with), or part of the phone",
            ));
            v
        }
        _ => vec![],
    }
}
