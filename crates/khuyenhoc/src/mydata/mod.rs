//! **My data.** Everything the Association holds about the signed-in person, on one page
//! (`/me/data`) and as one JSON file (`GET /api/v1/me/data`), as Decree 13/2023 on personal data
//! asks: identity (the national ID masked), home unit, positions held, evaluations with their
//! steps and evidence, memberships, groups, and the audit entries about them.
//! Only ever the viewer's own record: there is no parameter to name anyone else.

pub mod api;
pub mod model;
pub mod pages;

use crate::web::route::Route;

pub fn routes() -> Vec<Route> {
    let mut all = pages::routes();
    all.extend(api::routes());
    all
}
