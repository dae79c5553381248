//! `/units/{code}/people`: the people of a unit's subtree, searched (name without diacritics or
//! phone), narrowed to a branch, counted, a "next page" link; and its Excel export as filtered.

use super::{Filter, ListArgs};
use crate::accounts::model::Person;
use crate::auth::Viewer;
use crate::error::PageResult;
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::PageQuery;
use crate::web::layout::{render, Chrome};
use crate::web::list::{per_page, ListPage};
use crate::web::route::{r, Access, Route, Xlsx};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units/{code}/people", Officer, "The people of a unit: search, branch, next page", list),
        r(M::GET, "/units/{code}/people.xlsx", Officer, "The people of the list as filtered, as an Excel file", export_xlsx),
    ]
}

#[derive(Template)]
#[template(path = "unit_people.html")]
pub struct PeoplePage {
    pub c: Chrome,
    pub unit: Unit,
    pub args: ListArgs,
    pub list: ListPage<Person>,
}

impl PeoplePage {
    /// The orders to choose from: (code, Vietnamese, English).
    pub fn sorts(&self) -> [(&'static str, &'static str, &'static str); 3] {
        crate::web::list::ORDERS
    }

    /// The query string of the filter (without the cursor).
    pub fn filter_query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.args.q)
            .append_pair("branch", &self.args.branch)
            .append_pair("sort", &self.args.sort)
            .finish()
    }

    pub fn next_href(&self, cursor: &str) -> String {
        format!(
            "/units/{}/people?{}&cursor={cursor}",
            self.unit.code,
            self.filter_query()
        )
    }
}

pub async fn list(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(args): PageQuery<ListArgs>,
) -> PageResult<Html<String>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let n = per_page(args.per_page)?;
    let filter = Filter::parse(&state.db, &v, &unit, &args).await?;
    let list = filter.page(&state.db, &args.cursor, n).await?;
    render(&PeoplePage {
        c,
        unit,
        args,
        list,
    })
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(args): PageQuery<ListArgs>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let filter = Filter::parse(&state.db, &v, &unit, &args).await?;
    let bytes =
        crate::web::export::xlsx(&state.db, &filter, state.settings.export_max_rows).await?;
    let name = format!("danh-sach-{}.xlsx", unit.code);
    Ok(Xlsx { name, bytes }.into_response())
}
