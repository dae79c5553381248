//! A unit's evaluations: the paged list, and an officer registering someone.

use super::this_year;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::evaluation::lifecycle::Status;
use crate::evaluation::model::{self, Evaluation};
use crate::evaluation::service::{self, Register, SubjectRef};
use crate::evaluation::sets;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub year: Option<i64>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub model: String,
}

#[derive(Template)]
#[template(path = "unit_evaluations.html")]
pub struct UnitEvaluationsPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i64,
    pub status: String,
    pub evaluations: Vec<Evaluation>,
    pub total: i64,
    pub stats: crate::evaluation::stats::Stats,
    pub form_groups: Vec<(String, String, String)>,
    pub can_enter: bool,
    pub errors: FormErrors,
}

pub(super) async fn unit_list_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    q: &ListQuery,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let year = q.year.unwrap_or_else(this_year);
    let query = model::Query {
        path: unit.path.clone(),
        year: Some(year),
        model: Some(q.model.clone()).filter(|m| !m.is_empty()),
        status: Some(q.status.clone()).filter(|s| Status::parse(s).is_some()),
        limit: 200,
        offset: 0,
    };
    let (evaluations, total) = model::list(&state.db, &query).await?;
    let stats = crate::evaluation::stats::for_unit(state, &unit.path, year).await?;
    let province = unit
        .path
        .trim_matches('/')
        .split('/')
        .nth(1)
        .unwrap_or("VN")
        .to_owned();
    let form_groups = match sets::effective(state, "citizen", &province, year).await {
        Ok((_, set)) => set
            .form_groups()
            .iter()
            .map(|g| (g.code.clone(), g.name.vi.clone(), g.name.en.clone()))
            .collect(),
        Err(_) => vec![],
    };
    let can_enter = v.position_for(perm::EVALUATION_ENTER, &unit.path).is_some();
    render(&UnitEvaluationsPage {
        c,
        unit_code: unit.code,
        unit_name: unit.name,
        year,
        status: q.status.clone(),
        evaluations,
        total,
        stats,
        form_groups,
        can_enter,
        errors,
    })
}

pub async fn unit_list(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Html<String>> {
    unit_list_page(&state, c, &v, &code, &q, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct RegisterForForm {
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub form_group: String,
    #[serde(default)]
    pub year: Option<i64>,
}

/// An officer registers a citizen in scope (found by phone number) and fills in for them.
pub async fn register_for(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<RegisterForForm>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let person = match khuyenhoc_domain::PhoneNumber::parse(&f.phone) {
        Ok(p) => crate::accounts::model::find_visible(
            &state.db,
            &v,
            &crate::accounts::model::Lookup::Phone(p),
        )
        .await?
        .filter(|p| p.unit_path.starts_with(&unit.path)),
        Err(_) => None,
    };
    let Some(person) = person else {
        let e = crate::error::FieldError::new(
            "phone",
            khuyenhoc_domain::Invalid::new(
                "Không tìm thấy người có số điện thoại này trong đơn vị",
                "Nobody with this phone number in this unit",
            ),
        );
        let q = ListQuery {
            year: f.year,
            ..Default::default()
        };
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            unit_list_page(&state, c, &v, &code, &q, FormErrors(vec![e])).await?,
        )
            .into_response());
    };
    let reg = Register {
        model: "citizen".into(),
        subject: SubjectRef::Person(person.id),
        year: f.year.unwrap_or_else(this_year),
        form_group: Some(f.form_group),
    };
    match service::register(&state, &v, &reg).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}/groups/1", e.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let errors = match e {
                AppError::Invalid(x) => x,
                AppError::Conflict(x) => vec![x],
                _ => vec![],
            };
            let q = ListQuery {
                year: f.year,
                ..Default::default()
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                unit_list_page(&state, c, &v, &code, &q, FormErrors(errors)).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
