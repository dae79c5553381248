//! Criteria sets through the API: the sets a viewer may read, and one set with its indicators.

use super::{model_code, CriteriaQuery, SetDetail, SetLine};
use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::evaluation::sets;
use crate::state::AppState;
use crate::web::extract::ApiQuery;
use axum::extract::{Path, State};
use axum::Json;
use sqlx::Row;

/// Sets in force are for everyone (a citizen fills in the one that applies to them); drafts
/// only for officers of the province that owns them (and the central office), as on the pages.
pub(super) fn may_read_set(v: &crate::auth::Viewer, owner: &str, status: &str) -> bool {
    status == "active"
        || (v.is_officer() && (owner == "VN" || v.can_read(&format!("/VN/{owner}/"))))
}

pub async fn list_criteria(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<CriteriaQuery>,
) -> ApiResult<Json<Vec<SetLine>>> {
    let model = q
        .model
        .as_deref()
        .map(|m| model_code("model", m))
        .transpose()?;
    let sql = "SELECT id, code, model, version, owner_code, based_on_id, title_vi, status FROM criteria_sets \
               WHERE ($1 = '' OR model = $1) \
               ORDER BY model, CASE WHEN owner_code = 'VN' THEN 0 ELSE 1 END, owner_code, version DESC";
    let rows = sqlx::query(sql)
        .bind(model.unwrap_or_default())
        .fetch_all(&state.db.pool)
        .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        let line = SetLine {
            id: r.try_get(0)?,
            code: r.try_get(1)?,
            model: r.try_get(2)?,
            version: r.try_get(3)?,
            owner: r.try_get(4)?,
            based_on_id: r.try_get(5)?,
            title: r.try_get(6)?,
            status: r.try_get(7)?,
        };
        if may_read_set(&v, &line.owner, &line.status) {
            lines.push(line);
        }
    }
    Ok(Json(lines))
}

pub async fn get_criteria(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<SetDetail>> {
    let id = parse_id(&id)?;
    let row = sqlx::query("SELECT owner_code, status, source FROM criteria_sets WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner: String = row.try_get(0)?;
    let status: String = row.try_get(1)?;
    let source: String = row.try_get(2)?;
    if !may_read_set(&v, &owner, &status) {
        return Err(AppError::NotFound.into());
    }
    let set = sets::by_id(&state, id).await?;
    Ok(Json(SetDetail {
        id,
        owner,
        status,
        set: (*set).clone(),
        source,
    }))
}
