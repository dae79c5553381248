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
