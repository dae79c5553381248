//! An officer registering someone from a unit's list of evaluations (the list itself is
//! `worklist::pages`).

use super::this_year;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::evaluation::service::{self, Register, SubjectRef};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{Chrome, FormErrors};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

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
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            list_again(&state, c, &v, &code, f.year, vec![e]).await?,
        )
            .into_response());
    };
    let reg = Register {
        model: "citizen".into(),
        subject: SubjectRef::Person(person.id),
        year: f.year.unwrap_or_else(|| this_year(&state)),
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
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                list_again(&state, c, &v, &code, f.year, errors).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The unit's list again with the registration form's errors.
async fn list_again(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    year: Option<i64>,
    errors: Vec<crate::error::FieldError>,
) -> PageResult<Html<String>> {
    let args = crate::evaluation::worklist::ListArgs {
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    let sent = crate::evaluation::worklist::pages::Sent {
        errors: FormErrors(errors),
        ..Default::default()
    };
    crate::evaluation::worklist::pages::list_page(state, c, v, code, &args, sent).await
}
