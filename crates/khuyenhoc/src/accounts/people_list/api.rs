//! `GET /api/v1/units/{code}/people`: the people of a unit's subtree, paged by key.

use super::{Filter, ListArgs};
use crate::accounts::model::Person;
use crate::auth::ApiViewer;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::extract::ApiQuery;
use crate::web::list::{per_page, ListPage};
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::Json;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/units/{code}/people", Officer, "The people of a unit's subtree: q a name without diacritics or a phone, branch, sort (name, newest, oldest); paged by key (cursor, per_page), with the total", list),
    ]
}

pub async fn list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(args): ApiQuery<ListArgs>,
) -> ApiResult<Json<ListPage<Person>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let n = per_page(args.per_page)?;
    let filter = Filter::parse(&state.db, &v, &unit, &args).await?;
    Ok(Json(filter.page(&state.db, &args.cursor, n).await?))
}

/// Query parameters of this API, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<serde_json::Value> {
    match path {
        "/api/v1/units/{code}/people" => {
            let mut v = vec![
                serde_json::json!({"name": "branch", "in": "query", "required": false, "schema": {"type": "string"}, "description": "code of a unit under this one: only its people"}),
                crate::web::list::Order::param(crate::web::list::Order::Name),
            ];
            v.extend(crate::web::list::paging_params(
                "a name without diacritics (or with), or part of the phone",
            ));
            v
        }
        _ => vec![],
    }
}
