//! The record and its share links as JSON: the person's own, an officer's read of a person in
//! scope, and the person's links (list, create, withdraw).

use super::links::{self, Created, Link};
use super::model::{self, Audience, Record};
use crate::accounts::model::{find_visible, Lookup};
use crate::auth::{ApiViewer, Viewer};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::ListPage;
use crate::web::list_small::{page_small, SmallQuery};
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use axum::http::Method as M;
    use Access::{Officer, SignedIn};
    vec![
        api(M::GET, "/api/v1/me/record", SignedIn, "My lifelong-learning record: evaluations, certificates, scholarships and awards, trainings", mine),
        api(M::GET, "/api/v1/people/{id}/record", Officer, "The lifelong-learning record of a person in scope", of_person),
        api(M::GET, "/api/v1/me/record/links", SignedIn, "My record's share links, newest first", list_links),
        api(M::POST, "/api/v1/me/record/links", SignedIn, "Make a share link of my record (1 to 90 days); its token is answered once", create_link),
        api(M::POST, "/api/v1/me/record/links/{id}/withdraw", SignedIn, "Withdraw one of my record's share links", withdraw_link),
    ]
}

/// Request bodies of this API, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("post", "/api/v1/me/record/links") => Some(json!({
            "type": "object",
            "properties": {"days": {"type": "integer", "minimum": 1, "maximum": links::MAX_DAYS, "description": "how long the link opens the record"}},
            "required": ["days"],
            "additionalProperties": false
        })),
        _ => None,
    }
}

/// Query parameters of this API, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    match path {
        "/api/v1/me/record/links" => crate::web::list::paging_params("not searched: every link"),
        _ => vec![],
    }
}

/// The record of `id` for an officer who reads that person (404 otherwise).
pub async fn for_officer(state: &AppState, v: &Viewer, id: i64) -> Result<Record, AppError> {
    let p = find_visible(&state.db, v, &Lookup::Id(id))
        .await?
        .ok_or(AppError::NotFound)?;
    model::gather(&state.db, p.id, Audience::Inside).await
}

pub async fn mine(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<Record>> {
    Ok(Json(
        model::gather(&state.db, v.person_id, Audience::Inside).await?,
    ))
}

pub async fn of_person(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Record>> {
    let id = crate::accounts::pages::parse_id(&id)?;
    Ok(Json(for_officer(&state, &v, id).await?))
}

pub async fn list_links(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<SmallQuery>,
) -> ApiResult<Json<ListPage<Link>>> {
    let now = state.clock.now().timestamp();
    let items = links::list(&state.db, v.person_id, now).await?;
    Ok(Json(page_small(
        items,
        None,
        q.cursor.as_deref(),
        q.per_page,
        |_| String::new(),
        // Newest first: the key counts down.
        |l| (format!("{:020}", i64::MAX - l.id), l.id),
    )?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    pub days: i64,
}

pub async fn create_link(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiJson(b): ApiJson<NewLink>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let days = links::parse_days(&b.days.to_string())?;
    let now = state.clock.now().timestamp();
    let created = links::create(&state.db, v.person_id, days, now).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn withdraw_link(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Link>> {
    let id = crate::accounts::pages::parse_id(&id)?;
    let now = state.clock.now().timestamp();
    Ok(Json(
        links::withdraw(&state.db, v.person_id, id, now).await?,
    ))
}
