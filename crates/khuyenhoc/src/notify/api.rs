//! `GET /api/v1/notifications` (the inbox, paged) and marking notices read.

use super::model::{self, Stored};
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use crate::web::extract::ApiQuery;
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

/// One page of the inbox.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "NotificationPage")]
pub struct Inbox {
    pub notifications: Vec<Stored>,
    /// Unread notices in the whole inbox.
    pub unread: i64,
    pub page: i64,
    pub pages: i64,
}

async fn list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<super::pages::PageNo>,
) -> ApiResult<Json<Inbox>> {
    let page = super::pages::page_no(&q.page);
    let (notifications, total) = model::list(&state.db, v.person_id, page).await?;
    let unread = model::unread(&state.db, v.person_id).await?;
    Ok(Json(Inbox {
        notifications,
        unread,
        page,
        pages: (total + model::PAGE - 1) / model::PAGE,
    }))
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
        "/api/v1/notifications" => vec![
            serde_json::json!({"name": "page", "in": "query", "required": false, "schema": {"type": "integer"}, "description": "GET: from 1, 20 a page"}),
        ],
        _ => vec![],
    }
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/notifications", SignedIn, "My notifications, newest first", list),
        api(M::POST, "/api/v1/notifications/{id}/read", SignedIn, "Mark a notification read", read_one),
        api(M::POST, "/api/v1/notifications/read-all", SignedIn, "Mark all my notifications read", read_all),
    ]
}
