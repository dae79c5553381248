//! The report template a unit reports with, and a province editing its own indicators (errors
//! shown with their line and column, the text kept).

use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::reports::service;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_domain::Level;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "report_template.html")]
pub struct TemplatePage {
    pub c: Chrome,
    pub view: service::TemplateView,
    pub can_edit: bool,
    pub source: String,
    pub problem: Option<(String, String)>,
}

pub async fn template_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let view = service::template_view(&state.db, &v, &code).await?;
    let can_edit =
        view.unit.level == Level::Province && service::can_review_children(&v, &view.unit);
    let source = view.source.clone();
    render(&TemplatePage {
        c,
        view,
        can_edit,
        source,
        problem: None,
    })
}

#[derive(Deserialize, Default)]
pub struct SourceForm {
    #[serde(default)]
    pub source: String,
}

pub async fn save_template(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<SourceForm>,
) -> PageResult<Response> {
    match service::save_template(&state.db, &v, &code, &f.source).await {
        Ok(view) => {
            Ok(Redirect::to(&format!("/units/{}/report-template", view.unit.code)).into_response())
        }
        Err(e @ (AppError::Unprocessable { .. } | AppError::BadRequest { .. })) => {
            let status = e.status();
            let view = service::template_view(&state.db, &v, &code).await?;
            let page = TemplatePage {
                c,
                can_edit: true,
                view,
                source: f.source,
                problem: Some(e.messages()),
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
