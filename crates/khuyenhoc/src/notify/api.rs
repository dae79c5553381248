//! `GET /api/v1/notifications` (the inbox, paged by key) and marking notices read.

use super::model::{self, Stored};
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use crate::web::extract::ApiQuery;
use crate::web::list::{per_page, Cursor, ListPage, Search};
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};

/// The query of `GET /api/v1/notifications`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// `true`: unread notices only (the total is then the unread count).
    #[serde(default)]
    pub unread: Option<bool>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> ApiResult<Json<ListPage<Stored>>> {
    let n = per_page(q.per_page)?;
    let cursor = Cursor::decode(q.cursor.as_deref().unwrap_or(""))?;
    let f = model::Filter {
        person_id: v.person_id,
        unread: q.unread.unwrap_or(false),
        search: q.q.as_deref().and_then(Search::parse),
    };
    Ok(Json(model::list(&state.db, &f, cursor.as_ref(), n).await?))
}

/// What is left unread after marking.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "NotificationsUnread")]
pub struct Unread {
    pub unread: i64,
}

async fn read_one(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Unread>> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    model::mark_read(&state.db, v.person_id, Some(id)).await?;
    let unread = model::unread(&state.db, v.person_id).await?;
    Ok(Json(Unread { unread }))
}

async fn read_all(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<Unread>> {
    model::mark_read(&state.db, v.person_id, None).await?;
    Ok(Json(Unread { unread: 0 }))
}

/// Query parameters of this capability's API routes, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<serde_json::Value> {
    match path {
        "/api/v1/notifications" => {
            let mut v = vec![
                serde_json::json!({"name": "unread", "in": "query", "required": false, "schema": {"type": "boolean"}, "description": "true: unread notices only (total: the unread count)"}),
            ];
            v.extend(crate::web::list::paging_params(
                "words of the notice, with or without Vietnamese accents",
            ));
            v
        }
        _ => vec![],
    }
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/notifications", SignedIn, "My notifications, newest first: unread; q words of the text without diacritics; paged by key (cursor, per_page), with the total", list),
        api(M::POST, "/api/v1/notifications/{id}/read", SignedIn, "Mark a notification read", read_one),
        api(M::POST, "/api/v1/notifications/read-all", SignedIn, "Mark all my notifications read", read_all),
    ]
}
