//! JSON API of positions.

use super::model::{self, Position};
use super::service;
use crate::accounts::model::Lookup;
use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::org::service as units;
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::ListPage;
use crate::web::list_small::{page_small, SmallQuery};
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use khuyenhoc_domain::{Invalid, PhoneNumber};
use serde::Deserialize;

pub async fn for_unit(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<SmallQuery>,
) -> ApiResult<Json<ListPage<Position>>> {
    let unit = units::visible(&state.db, &v, &code).await?;
    let rows = model::for_unit(&state.db, unit.id).await?;
    Ok(Json(page_small(
        rows,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
        |p| {
            let holder = p.holder.as_ref().map(|h| h.full_name.as_str());
            format!(
                "{} {} {}",
                p.type_name_vi,
                p.title.as_deref().unwrap_or_default(),
                holder.unwrap_or_default()
            )
        },
        |p| (khuyenhoc_domain::text::fold(&p.type_name_vi), p.id),
    )?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPosition {
    #[serde(rename = "type")]
    pub type_code: String,
    pub title: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(p): ApiJson<NewPosition>,
) -> ApiResult<(StatusCode, Json<Position>)> {
    let pos = service::create(&state.db, &v, &code, &p.type_code, p.title.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(pos)))
}

pub async fn get(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Position>> {
    Ok(Json(
        service::visible(&state.db, &v, parse_id(&id)?).await?.0,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handover {
    pub person_id: Option<i64>,
    pub phone: Option<String>,
}

pub async fn handover(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(h): ApiJson<Handover>,
) -> ApiResult<Json<Position>> {
    let lookup = match (h.person_id, h.phone.as_deref()) {
        (Some(id), None) => Lookup::Id(id),
        (None, Some(p)) => {
            Lookup::Phone(PhoneNumber::parse(p).map_err(|e| AppError::field("phone", e))?)
        }
        _ => {
            return Err(AppError::field(
                "person_id",
                Invalid::new(
                    "Cần đúng một trong hai trường person_id, phone",
                    "Give exactly one of person_id, phone",
                ),
            )
            .into())
        }
    };
    Ok(Json(
        service::handover(&state.db, &v, parse_id(&id)?, &lookup).await?,
    ))
}

pub async fn vacate(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Position>> {
    Ok(Json(service::vacate(&state.db, &v, parse_id(&id)?).await?))
}

pub async fn types(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<SmallQuery>,
) -> ApiResult<Json<ListPage<super::types::PositionType>>> {
    if !v.is_officer() {
        return Err(AppError::NotFound.into());
    }
    let rows = super::types::list(&state.db).await?;
    Ok(Json(page_small(
        rows,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
        |t| format!("{} {} {}", t.code, t.name_vi, t.name_en),
        |t| (t.code.clone(), 0),
    )?))
}

pub async fn create_type(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiJson(t): ApiJson<super::types::NewType>,
) -> ApiResult<(StatusCode, Json<super::types::PositionType>)> {
    Ok((
        StatusCode::CREATED,
        Json(super::types::create(&state.db, &v, &t).await?),
    ))
}

pub async fn holders(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<SmallQuery>,
) -> ApiResult<Json<ListPage<model::Holder>>> {
    let (pos, _) = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let rows = model::holders(&state.db, pos.id).await?;
    Ok(Json(page_small(
        rows,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
        |h| h.full_name.clone(),
        // Newest first.
        |h| (format!("{:020}", i64::MAX - h.from_at.max(0)), h.person_id),
    )?))
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/units/{code}/positions", Officer, "Positions of a unit", for_unit),
        api(M::POST, "/api/v1/units/{code}/positions", Officer, "Create a position", create),
        api(M::GET, "/api/v1/positions/{id}", Officer, "One position", get),
        api(M::GET, "/api/v1/positions/{id}/holders", Officer, "Everyone who held a position", holders),
        api(M::POST, "/api/v1/positions/{id}/handover", Officer, "Hand a position over", handover),
        api(M::POST, "/api/v1/positions/{id}/vacate", Officer, "Vacate a position", vacate),
        api(M::GET, "/api/v1/position-types", Officer, "Position types", types),
        api(M::POST, "/api/v1/position-types", Central, "Define a position type", create_type),
    ]
}
