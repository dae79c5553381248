//! Pages of reports: a unit's reports, the report form (computed values, typed numbers and
//! narratives, overrides with reasons), submission, the children's completeness and roll-up with
//! return/accept, the cluster table, a province's own indicators, and the exports.
//!
//! One file per page: `index`, `report` (the form, save, submit), `download` (the report's
//! files), `children` (completeness, roll-up, return, accept), `cluster`, `template`; `show`
//! holds the helpers their templates call.

pub mod below;
mod children;
mod cluster;
mod download;
mod index;
mod report;
mod show;
mod splits;
mod template;

pub use show::{action_labels, Show};

use crate::web::route::{r, Access, Route};
use axum::http::Method;
use children::{accept, children, return_report};
use cluster::{cluster_export, cluster_page};
use download::export;
use index::index;
use report::{report_page, save, submit};
use splits::{set_shares, splits_page};
use template::{save_template, template_page};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/reports", Officer, "A unit's reports by period", index),
        r(M::GET, "/units/{code}/reports/{period}", Officer, "A unit's report: fill, override with a reason, submit", report_page),
        r(M::POST, "/units/{code}/reports/{period}", Officer, "Save the report", save),
        r(M::POST, "/units/{code}/reports/{period}/submit", Officer, "Submit the report", submit),
        r(M::GET, "/units/{code}/reports/{period}/export", Officer, "The report as Excel (?format=xlsx) or a printable PDF (?format=pdf)", export),
        r(M::GET, "/units/{code}/reports/{period}/children", Officer, "Who has reported, and the roll-up of the units below", children),
        r(M::GET, "/units/{code}/reports/{period}/below", Officer, "The units below and their report state: search, state filter, pages by key, the count", below::below),
        r(M::GET, "/units/{code}/reports/{period}/below.xlsx", Officer, "The units below and their report state as filtered, as an Excel file", below::below_xlsx),
        r(M::POST, "/reports/{id}/return", Officer, "Return a report to the unit below", return_report),
        r(M::POST, "/reports/{id}/accept", Officer, "Accept a report", accept),
        r(M::GET, "/clusters/{code}/reports/{period}", Officer, "A cluster's provinces side by side", cluster_page),
        r(M::GET, "/clusters/{code}/reports/{period}/export", Officer, "The cluster table as Excel (?format=xlsx) or the briefing pack PDF (?format=pdf)", cluster_export),
        r(M::GET, "/units/{code}/successions/splits", Officer, "The shares of the split communes whose successors lie in a province: the rule in force, each successor's part, a form per split", splits_page),
        r(M::POST, "/units/{code}/successions/splits/{id}", Officer, "Set the shares of one split commune (percent, population or equal)", set_shares),
        r(M::GET, "/units/{code}/report-template", Officer, "The report template and a province's own indicators", template_page),
        r(M::POST, "/units/{code}/report-template", Officer, "Save a province's own indicators", save_template),
    ]
}
