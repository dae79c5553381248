//! `GET /api/v1/audit`: the same viewer as the page, as JSON.

use super::pages::{filter_for, AuditQuery};
use super::Entry;
use crate::auth::ApiViewer;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::extract::ApiQuery;
use crate::web::list::{per_page, Cursor, ListPage};
use crate::web::route::{api, Access, Route, Xlsx};
use axum::extract::State;
use axum::Json;

pub async fn list_entries(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<ListPage<Entry>>> {
    let f = filter_for(&v, &q)?;
    let n = per_page(q.per_page)?;
    let cursor = Cursor::decode(&q.cursor)?;
    Ok(Json(f.page(&state.db, cursor.as_ref(), n).await?))
}

/// The entries of the list as filtered, as an Excel file.
pub async fn export_xlsx(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Xlsx> {
    Ok(super::pages::workbook(&state, &v, &q).await?)
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/audit", Officer, "Audit log entries in scope, newest first: entity, entity_id; q who acted (a name without diacritics or a phone); paged by key (cursor, per_page), with the total", list_entries),
        api(M::GET, "/api/v1/audit.xlsx", Officer, "The audit entries of the list as filtered (entity, entity_id, q), as an Excel file: at most export_max_rows rows, refused above", export_xlsx),
    ]
}
