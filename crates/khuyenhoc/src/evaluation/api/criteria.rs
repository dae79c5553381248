//! Criteria sets through the API: the sets a viewer may read, and one set with its indicators.

use super::{model_code, CriteriaQuery, SetDetail, SetLine};
use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::evaluation::{criteria, sets};
use crate::state::AppState;
use crate::web::extract::ApiQuery;
use crate::web::extract::{ApiJson, OptionalJson};
use axum::extract::{Path, State};
use axum::http::StatusCode;
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
) -> ApiResult<Json<crate::web::list::ListPage<SetLine>>> {
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
    // By model, the national set first, then the provinces', newest version first.
    let key = |l: &SetLine| {
        let national = if l.owner == "VN" { 0 } else { 1 };
        let version = 999_999 - l.version.clamp(0, 999_999);
        format!("{}|{national}|{}|{version:06}", l.model, l.owner)
    };
    Ok(Json(crate::web::list_small::page_small(
        lines,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
        |l| format!("{} {} {} {}", l.code, l.title, l.owner, l.model),
        |l| (key(l), l.id),
    )?))
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

/// A province variant's edit: the form's fields (names as on the page, see
/// `evaluation::criteria::form`), or a whole TOML text.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantBody {
    #[serde(default)]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub source: Option<String>,
}

async fn line_of(state: &AppState, id: i64) -> Result<SetLine, AppError> {
    let r = sqlx::query("SELECT id, code, model, version, owner_code, based_on_id, title_vi, status FROM criteria_sets WHERE id = $1")
        .bind(id)
        .fetch_one(&state.db.pool)
        .await?;
    Ok(SetLine {
        id: r.try_get(0)?,
        code: r.try_get(1)?,
        model: r.try_get(2)?,
        version: r.try_get(3)?,
        owner: r.try_get(4)?,
        based_on_id: r.try_get(5)?,
        title: r.try_get(6)?,
        status: r.try_get(7)?,
    })
}

/// Copies an active national set as a draft variant of the caller's province.
pub async fn copy_criteria(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    OptionalJson(_): OptionalJson<super::NoBody>,
) -> ApiResult<(StatusCode, Json<SetLine>)> {
    let new_id = criteria::variant(&state, &v, parse_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(line_of(&state, new_id).await?)))
}

/// Edits a draft variant: every error refuses the whole edit (422, each error with its field).
pub async fn edit_criteria(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<VariantBody>,
) -> ApiResult<Json<SetLine>> {
    let id = parse_id(&id)?;
    let edit = match (b.fields, b.source) {
        (Some(f), None) => criteria::Edit::Fields(f),
        (None, Some(s)) => criteria::Edit::Toml(s),
        _ => {
            return Err(AppError::bad_request(
                "Gửi đúng một trong hai: fields hoặc source",
                "Send exactly one of fields or source",
            )
            .into())
        }
    };
    match criteria::save_variant(&state, &v, id, &edit).await? {
        Ok(_) => Ok(Json(line_of(&state, id).await?)),
        Err(r) => Err(r.into_error().into()),
    }
}

/// Makes a draft variant effective from its year.
pub async fn activate_criteria(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    OptionalJson(_): OptionalJson<super::NoBody>,
) -> ApiResult<Json<SetLine>> {
    let id = parse_id(&id)?;
    criteria::activate_set(&state, &v, id).await?;
    Ok(Json(line_of(&state, id).await?))
}

/// A variant beside the national set it copies (empty for a national set).
pub async fn diff_criteria(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<criteria::diff::DiffLine>>> {
    let id = parse_id(&id)?;
    let line = line_of(&state, id).await.map_err(|_| AppError::NotFound)?;
    if !may_read_set(&v, &line.owner, &line.status) {
        return Err(AppError::NotFound.into());
    }
    let set = sets::by_id(&state, id).await?;
    Ok(Json(match line.based_on_id {
        Some(base) => criteria::diff::diff(&*sets::by_id(&state, base).await?, &set),
        None => vec![],
    }))
}
