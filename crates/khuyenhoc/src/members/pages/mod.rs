//! Pages of members: a unit's member list with search, filters, counts and the form to register,
//! a member's page (transfers, fees, and the forms to change status, transfer, edit and record a
//! fee), a unit's population by year, and the Excel import (in `import.rs`).

use crate::error::AppError;
use crate::web::layout::FormErrors;
use crate::web::route::{r, Access, Route};
use axum::http::{Method, StatusCode};
use serde::Deserialize;

mod detail;
mod list;
mod population;
pub use detail::*;
pub use list::*;
pub use population::*;

const PAGE: i64 = 50;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/members", Officer, "Members of a unit's branches: search, filters, counts, and the form to register", list),
        r(M::POST, "/units/{code}/members", Officer, "Register a member", register),
        r(M::GET, "/units/{code}/members.xlsx", Officer, "The members of the list as filtered, as an Excel file", list::export_xlsx),
        r(M::GET, "/units/{code}/members/template.xlsx", Officer, "Excel template of a member list", super::import::template),
        r(M::GET, "/units/{code}/members/import", Officer, "Upload a member list from Excel", super::import::upload_page),
        upload(r(M::POST, "/units/{code}/members/import", Officer, "Preview an uploaded member list: every row's errors, nothing stored", super::import::preview)),
        r(M::POST, "/units/{code}/members/import/commit", Officer, "Store a previewed member list: every row or none", super::import::commit),
        r(M::GET, "/units/{code}/population", Officer, "A unit's population by year and the share who are members", population),
        r(M::POST, "/units/{code}/population", Officer, "Set a unit's population for a year", set_population),
        r(M::GET, "/members/{id}", Officer, "A member with transfers and fees", detail),
        r(M::POST, "/members/{id}/status", Officer, "Change a member's status (left, deceased, active again)", set_status),
        r(M::POST, "/members/{id}/transfer", Officer, "Transfer a member to another branch", transfer),
        r(M::POST, "/members/{id}/edit", Officer, "Change a member's card number and sectors", edit),
        r(M::POST, "/members/{id}/fees", Officer, "Record a membership fee (a receipt of the branch's fund)", pay_fee),
    ]
}

/// The upload route takes workbooks larger than other requests.
fn upload(route: Route) -> Route {
    crate::sheets::upload::body_limit(route, super::import::MAX_UPLOAD_BYTES)
}

/// What a refused form shows: its status, the field errors, and a message for the whole form.
type Refusal = (StatusCode, FormErrors, Option<(String, String)>);

fn refusal(e: AppError) -> Result<Refusal, AppError> {
    match e {
        AppError::Invalid(f) => Ok((StatusCode::UNPROCESSABLE_ENTITY, FormErrors(f), None)),
        AppError::Conflict(f) => Ok((StatusCode::CONFLICT, FormErrors(vec![f]), None)),
        e @ (AppError::Unprocessable { .. } | AppError::BadRequest { .. }) => {
            Ok((e.status(), FormErrors::default(), Some(e.titles())))
        }
        e => Err(e),
    }
}

/// The sector checkboxes of a form (`sector_university=1`, …).
#[derive(Deserialize, Default, Clone)]
pub struct SectorBoxes {
    #[serde(default)]
    pub sector_university: Option<String>,
    #[serde(default)]
    pub sector_enterprise: Option<String>,
    #[serde(default)]
    pub sector_armed_forces: Option<String>,
    #[serde(default)]
    pub sector_party: Option<String>,
}

impl SectorBoxes {
    pub fn codes(&self) -> Vec<String> {
        [
            ("university", &self.sector_university),
            ("enterprise", &self.sector_enterprise),
            ("armed_forces", &self.sector_armed_forces),
            ("party", &self.sector_party),
        ]
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(c, _)| (*c).to_owned())
        .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Population
