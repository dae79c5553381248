//! JSON API of people and of the signed-in person.

use super::correct::{self, Corrected, Correction};
use super::merge::{self, Merged};
use super::model::{self, Lookup, Person};
use super::moves;
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
use serde::{Deserialize, Serialize};

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

pub async fn patch(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<Correction>,
) -> ApiResult<Json<Corrected>> {
    Ok(Json(
        correct::correct(&state, &v, parse_id(&id)?, &c).await?,
    ))
}

#[derive(Deserialize)]
pub struct CodeBody {
    #[serde(default)]
    pub code: String,
}

pub async fn confirm_contact(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CodeBody>,
) -> ApiResult<Json<Person>> {
    Ok(Json(
        super::contact::confirm_contact(&state, &v, parse_id(&id)?, &b.code).await?,
    ))
}

#[derive(Deserialize)]
pub struct MoveBody {
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn move_person(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoveBody>,
) -> ApiResult<Json<Person>> {
    Ok(Json(
        moves::move_person(&state.db, &v, parse_id(&id)?, &b.unit_code, &b.reason).await?,
    ))
}

#[derive(Deserialize)]
pub struct MergeBody {
    /// The record to remove (merged into the one of the path).
    pub other: i64,
    #[serde(default)]
    pub reason: String,
}

pub async fn merge_people(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MergeBody>,
) -> ApiResult<Json<Merged>> {
    Ok(Json(
        merge::merge(&state.db, &v, parse_id(&id)?, b.other, &b.reason).await?,
    ))
}

/// The request bodies of this file's routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<serde_json::Value> {
    use serde_json::json;
    let s = |props: serde_json::Value, required: serde_json::Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let text = |d: &str| json!({"type": ["string", "null"], "description": d});
    Some(match (method, path) {
        ("patch", "/api/v1/people/{id}") => s(
            json!({
                "full_name": {"type": ["string", "null"], "maxLength": 100},
                "birth_year": {"type": ["integer", "string", "null"], "description": "1900 to this year; \"\" clears it"},
                "gender": {"type": ["string", "null"], "enum": ["female", "male", "other", "", null]},
                "phone": text("a Vietnamese phone number; confirmed by the owner's code, or by an officer with confirm_contact"),
                "email": text("confirmed by the owner's code, or by an officer with confirm_contact"),
                "unit_code": text("a new home unit: an officer over both units, with a reason (the same as POST /move)"),
                "reason": {"type": ["string", "null"], "maxLength": 300, "description": "required when a certificate carries the old name (it is reissued), and for a move"},
                "confirm_contact": {"type": ["boolean", "null"], "description": "officers: the owner agreed to the new phone or email"}
            }),
            json!([]),
        ),
        ("post", "/api/v1/people/{id}/contact/confirm") => s(
            json!({"code": {"type": "string", "description": "the 6-digit code sent to the owner"}}),
            json!(["code"]),
        ),
        ("post", "/api/v1/people/{id}/move") => s(
            json!({"unit_code": {"type": "string"}, "reason": {"type": "string", "maxLength": 300}}),
            json!(["unit_code", "reason"]),
        ),
        ("post", "/api/v1/people/{id}/merge") => s(
            json!({"other": {"type": "integer", "description": "the record removed, merged into the one of the path"}, "reason": {"type": "string", "maxLength": 300}}),
            json!(["other", "reason"]),
        ),
        _ => return None,
    })
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
        api(M::PATCH, "/api/v1/people/{id}", SignedIn, "Correct a person (oneself: name, birth year, gender; an officer over them: any field)", patch),
        api(M::POST, "/api/v1/people/{id}/contact/confirm", SignedIn, "Confirm one's new phone or email with the code sent", confirm_contact),
        api(M::POST, "/api/v1/people/{id}/move", Officer, "Move a person to another home unit", move_person),
        api(M::POST, "/api/v1/people/{id}/merge", Officer, "Merge another record of the same person into this one", merge_people),
    ]
}
