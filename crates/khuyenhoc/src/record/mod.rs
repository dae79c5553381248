//! **The lifelong-learning record** (hồ sơ học tập suốt đời, issue 19 item 5): one person's
//! evaluations, titles and certificates, scholarships and awards, and trainings, in order over
//! the years. `model.rs` reads it (one query per kind, capped), `pdf.rs` prints it (Decree 30
//! layout), `bundle.rs` signs it as a Verifiable Presentation (the one place that signs),
//! `links.rs` the share links a stranger reads it through, `pages.rs` and `api.rs` the HTTP.
//!
//! Who reads what: the person their own (`/me/record`); an officer anyone whose home unit is in
//! their scope (`/people/{id}/record`, the scope question of `accounts::model::find_visible`,
//! so reading a record needs exactly what reading the person needs); a stranger only through an
//! open share link (`/shared/record/{token}`), without the ID number and with the phone masked.

pub mod api;
pub mod bundle;
pub mod links;
pub mod model;
pub mod pages;
pub mod pdf;

use crate::web::route::Route;

pub fn routes() -> Vec<Route> {
    let mut all = pages::routes();
    all.extend(api::routes());
    all
}
