//! JSON API of people and of the signed-in person.

use super::model::{self, Lookup, Person};
use super::pages::parse_id;
use super::service::{self, NewPerson};
use crate::auth::{ApiViewer, HeldPosition};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use crate::web::extract::ApiJson;
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

#[derive(Serialize, schemars::JsonSchema)]
pub struct Me {
    pub person: Person,
    pub positions: Vec<HeldPosition>,
}

pub async fn me(State(state): State<AppState>, ApiViewer(v): ApiViewer) -> ApiResult<Json<Me>> {
    let person = model::by_id(&state.db, v.person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(Me {
        person,
        positions: v.positions,
    }))
}

pub async fn get(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Person>> {
    let p = model::find_visible(&state.db, &v, &Lookup::Id(parse_id(&id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(p))
}

pub async fn create(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(p): ApiJson<NewPerson>,
) -> ApiResult<(StatusCode, Json<Person>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::create(&state.db, &v, &code, &p).await?),
    ))
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "PasswordReset")]
pub struct Reset {
    pub person_id: i64,
    pub temporary_password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Reset>> {
    let (p, temporary_password) = service::reset_password(&state.db, &v, parse_id(&id)?).await?;
    Ok(Json(Reset {
        person_id: p.id,
        temporary_password,
    }))
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/me", SignedIn, "The signed-in person and their positions", me),
        api(M::POST, "/api/v1/units/{code}/people", Officer, "Register a person", create),
        api(M::GET, "/api/v1/people/{id}", Officer, "One person (ID number masked)", get),
        api(M::POST, "/api/v1/people/{id}/reset-password", Officer, "Reset the password of a person without email", reset_password),
    ]
}
