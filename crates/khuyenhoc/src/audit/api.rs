//! `GET /api/v1/audit`: the same viewer as the page, as JSON.

use super::pages::{filter_for, AuditQuery};
use super::{list, Entry};
use crate::auth::ApiViewer;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::extract::ApiQuery;
use crate::web::route::{api, Access, Route};
use axum::extract::State;
use axum::Json;

pub async fn list_entries(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<Entry>>> {
    let f = filter_for(&v, &q)?;
    Ok(Json(list(&state.db, &f).await?))
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/audit", Officer, "Audit log entries in scope", list_entries),
    ]
}
