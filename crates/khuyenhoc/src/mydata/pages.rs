//! `/me/data`: the person's data, readable, with the JSON download.

use super::model::{self, MyData};
use crate::auth::Viewer;
use crate::error::PageResult;
use crate::state::AppState;
use crate::web::layout::{render, Chrome};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::State;
use axum::response::Html;

pub fn routes() -> Vec<Route> {
    use axum::http::Method as M;
    vec![r(
        M::GET,
        "/me/data",
        Access::SignedIn,
        "My data: everything the Association holds about me",
        page,
    )]
}

#[derive(Template)]
#[template(path = "my_data.html")]
pub struct MyDataPage {
    pub c: Chrome,
    pub d: MyData,
}

impl MyDataPage {
    pub fn when(&self, at: &i64) -> String {
        crate::audit::format_time(*at)
    }
    pub fn day(&self, iso: &str) -> String {
        crate::i18n::day(iso)
    }
    pub fn model_name(&self, code: &str) -> (&'static str, &'static str) {
        khuyenhoc_criteria::Model::from_code(code).map_or(("", ""), |m| (m.vi(), m.en()))
    }
    pub fn status_name(&self, code: &str) -> (&'static str, &'static str) {
        crate::evaluation::lifecycle::Status::parse(code)
            .map_or(("", ""), |s| (s.label_vi(), s.label_en()))
    }
    pub fn member_status(&self, code: &str) -> (&'static str, &'static str) {
        match code {
            "active" => ("Đang sinh hoạt", "Active"),
            "left" => ("Đã thôi sinh hoạt", "Left"),
            _ => ("Đã mất", "Deceased"),
        }
    }
    pub fn group_kind(&self, code: &str) -> (&'static str, &'static str) {
        match code {
            "family" => ("Gia đình", "Family"),
            "clan" => ("Dòng họ", "Clan"),
            _ => ("Cơ quan, đơn vị", "Organisation"),
        }
    }
}

pub async fn page(State(state): State<AppState>, c: Chrome, v: Viewer) -> PageResult<Html<String>> {
    let d = model::gather(&state.db, v.person_id).await?;
    render(&MyDataPage { c, d })
}
