//! Who has reported below a unit, the roll-up of their values (or its Excel), and the level
//! above returning or accepting a report.

use super::download::{download, FormatQuery, XLSX};
use super::show::Show;
use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::reports::service::{self, Report, Rollup};
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

impl Show for ChildrenPage {}

#[derive(Template)]
#[template(path = "report_children.html")]
pub struct ChildrenPage {
    pub c: Chrome,
    pub r: Rollup,
    pub can_review: bool,
}

pub async fn children(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
    PageQuery(q): PageQuery<FormatQuery>,
) -> PageResult<Response> {
    let r = service::rollup(&state, &v, &code, &period, Some(q.as_of.as_str())).await?;
    if q.format == "xlsx" {
        let x =
            crate::reports::export::rollup_xlsx(&r).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
        return Ok(download(
            x,
            XLSX,
            &format!("tong-hop-{}-{}.xlsx", r.unit.code, r.period),
        ));
    }
    let can_review = service::can_review_children(&v, &r.unit);
    Ok(render(&ChildrenPage { c, r, can_review })?.into_response())
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

/// After a decision: back to the completeness view of the level above; an error (not
/// submitted, reason missing) is shown on the error page with its message.
async fn decided(state: &AppState, r: Result<Report, AppError>) -> PageResult<Response> {
    let r = r?;
    let parent = crate::org::model::by_id(&state.db, r.unit.id)
        .await?
        .and_then(|u| u.parent_code)
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/units/{parent}/reports/{}/children", r.period)).into_response())
}

pub async fn return_report(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<ReasonForm>,
) -> PageResult<Response> {
    let r = service::return_report(&state, &v, parse_id(&id)?, &f.reason).await;
    decided(&state, r).await
}

pub async fn accept(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let r = service::accept(&state, &v, parse_id(&id)?).await;
    decided(&state, r).await
}
