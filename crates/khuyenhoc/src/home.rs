//! The home page, different per role: an officer sees their positions and the size of each
//! subtree; a citizen sees their own record.

use crate::accounts::model::{self as people, Person};
use crate::auth::{HeldPosition, OptionalViewer};
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::layout::{render, Chrome};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub c: Chrome,
    pub me: Person,
    /// Each position with the number of open units below its unit and its unit's dashboard.
    pub positions: Vec<(HeldPosition, i64, crate::reports::dashboard::Dashboard)>,
}

impl HomePage {
    pub fn group(&self, n: &i64) -> String {
        crate::reports::service::group(*n)
    }
    pub fn day(&self, iso: &str) -> String {
        crate::i18n::day(iso)
    }
    pub fn state_vi(&self, s: &str) -> &'static str {
        crate::reports::service::state_labels(s).0
    }
    pub fn state_en(&self, s: &str) -> &'static str {
        crate::reports::service::state_labels(s).1
    }
}

pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    OptionalViewer(v): OptionalViewer,
) -> PageResult<Response> {
    let Some(v) = v else {
        return Ok(Redirect::to("/login").into_response());
    };
    if v.must_change_password {
        return Ok(Redirect::to("/account").into_response());
    }
    let me = people::by_id(&state.db, v.person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut positions = vec![];
    for p in &v.positions {
        let n = crate::org::model::count_below(&state.db, &p.unit_path).await?;
        let unit = crate::reports::figures::UnitRef {
            id: p.unit_id,
            code: p.unit_code.clone(),
            name: p.unit_name.clone(),
            level: p.unit_level,
            path: p.unit_path.clone(),
        };
        let d = crate::reports::dashboard::for_unit(&state.db, &unit).await?;
        positions.push((p.clone(), n, d));
    }
    Ok(render(&HomePage { c, me, positions })?.into_response())
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/", Public, "Home page per role (login page when signed out)", page),
    ]
}
