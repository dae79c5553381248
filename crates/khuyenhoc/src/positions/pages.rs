//! Pages: a position with its holders over time, handover, vacating, creating positions.

use super::model::{self, Holder, Position};
use super::service;
use crate::accounts::model::Lookup;
use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_domain::PhoneNumber;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "position.html")]
pub struct PositionPage {
    pub c: Chrome,
    pub p: Position,
    pub holders: Vec<Holder>,
    pub can_manage: bool,
    pub errors: FormErrors,
}

async fn page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: i64,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let (p, actor) = service::visible(&state.db, v, id).await?;
    let holders = model::holders(&state.db, p.id).await?;
    render(&PositionPage {
        c,
        can_manage: actor.is_some() && !p.closed,
        p,
        holders,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    page(&state, c, &v, parse_id(&id)?, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct HandoverForm {
    #[serde(default)]
    pub phone: String,
}

pub async fn handover(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<HandoverForm>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let r = match PhoneNumber::parse(&f.phone) {
        Ok(phone) => service::handover(&state.db, &v, id, &Lookup::Phone(phone)).await,
        Err(e) => {
            service::visible(&state.db, &v, id).await?;
            Err(AppError::field("person", e))
        }
    };
    match r {
        Ok(p) => Ok(Redirect::to(&format!("/positions/{}", p.id)).into_response()),
        Err(AppError::Invalid(e)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(&state, c, &v, id, FormErrors(e)).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn vacate(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Redirect> {
    let p = service::vacate(&state.db, &v, parse_id(&id)?).await?;
    Ok(Redirect::to(&format!("/positions/{}", p.id)))
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default, rename = "type")]
    pub type_code: String,
    #[serde(default)]
    pub title: String,
}

pub async fn create(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<CreateForm>,
) -> PageResult<Redirect> {
    let p = service::create(&state.db, &v, &code, &f.type_code, Some(&f.title)).await?;
    Ok(Redirect::to(&format!("/positions/{}", p.id)))
}

#[derive(Template)]
#[template(path = "position_types.html")]
pub struct TypesPage {
    pub c: Chrome,
    pub types: Vec<super::types::PositionType>,
    pub all_permissions: &'static [&'static str],
    pub can_manage: bool,
    pub errors: FormErrors,
}

async fn types_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    if !v.is_officer() {
        return Err(AppError::NotFound.into());
    }
    let types = super::types::list(&state.db).await?;
    let can_manage = v
        .position_for(crate::auth::perm::POSITION_TYPE_MANAGE, "/VN/")
        .is_some();
    render(&TypesPage {
        c,
        types,
        all_permissions: crate::auth::perm::ALL,
        can_manage,
        errors,
    })
}

pub async fn types(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
) -> PageResult<Html<String>> {
    types_page(&state, c, &v, FormErrors::default()).await
}

/// The form sends `permissions` once per ticked box, so it is read as a list of pairs.
pub async fn create_type(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let t = super::types::NewType {
        code: get("code"),
        name_vi: get("name_vi"),
        name_en: get("name_en"),
        permissions: pairs
            .iter()
            .filter(|(n, _)| n == "permissions")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    match super::types::create(&state.db, &v, &t).await {
        Ok(_) => Ok(Redirect::to("/position-types").into_response()),
        Err(AppError::Invalid(e)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            types_page(&state, c, &v, FormErrors(e)).await?,
        )
            .into_response()),
        Err(AppError::Conflict(e)) => Ok((
            axum::http::StatusCode::CONFLICT,
            types_page(&state, c, &v, FormErrors(vec![e])).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::POST, "/units/{code}/positions", Officer, "Create a position", create),
        r(M::GET, "/positions/{id}", Officer, "Position page with its holders", show),
        r(M::POST, "/positions/{id}/handover", Officer, "Hand a position over", handover),
        r(M::POST, "/positions/{id}/vacate", Officer, "Vacate a position", vacate),
        r(M::GET, "/position-types", Officer, "Position types", types),
        r(M::POST, "/position-types", Central, "Define a position type", create_type),
    ]
}
