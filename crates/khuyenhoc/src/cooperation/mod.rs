//! **Cooperation programmes** (chương trình phối hợp, issue 18 item 3): a unit's register of
//! partner organisations (armed-forces units, unions and mass organisations, agencies, firms,
//! schools), programmes signed with one or more of them covering units of the owner's subtree,
//! with their term, commitments (done or late) and the reviews they foresee (sơ kết, tổng kết).
//! Reviews coming due are listed on the dashboards of the units concerned and reminded through
//! notifications (`remind`, a daily tick of the job queue); the half-year report counts
//! programmes in force, reviews held and reviews due (counted at the owning units by
//! `reports::figures`, three grouped queries for all the units of a roll-up).
//!
//! Files: `model` (tables, lists paged by key, states computed from the days, the figures),
//! `service` (checked inputs, scope, partners and new programmes), `edit` (commitments, reviews,
//! files of a programme), `due` (reviews waiting for a unit), `remind` (the tick and
//! the reminders), `pages` (a unit's programmes, partners, a new programme), `detail` (one programme's page and
//! forms), `api`.

pub mod api;
pub mod detail;
pub mod due;
pub mod edit;
pub mod model;
pub mod pages;
pub mod remind;
pub mod service;

/// The job handlers and the daily tick of this capability (gathered by `crate::background`).
pub fn register(reg: &mut crate::jobs::Registry) {
    reg.handle(remind::TICK_JOB, remind::tick_job)
        .handle(remind::REMIND_JOB, remind::remind_job)
        .every(remind::TICK_JOB, remind::when);
}

/// The pages and the API of this capability.
pub fn routes() -> Vec<crate::web::route::Route> {
    let mut r = pages::routes();
    r.extend(detail::routes());
    r.extend(api::routes());
    r
}
