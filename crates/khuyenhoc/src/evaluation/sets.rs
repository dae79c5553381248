//! Criteria sets in the database: the national defaults shipped with the program, and the
//! province variants officers make. A set's TOML text is stored as written; it is parsed once
//! and cached by id. An evaluation keeps the id of the set it was made under, forever.

use crate::db::{now, Db};
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_criteria::CriteriaSet;
use std::sync::Arc;

pub use crate::state::SetCache as Cache;

/// Stores the national default sets that are missing (safe at every start).
pub async fn ensure_defaults(db: &Db) -> anyhow::Result<()> {
    for (name, text) in khuyenhoc_criteria::DEFAULT_FILES {
        let set = CriteriaSet::parse(text)
            .map_err(|e| anyhow::anyhow!("default set {name} does not parse: {e:?}"))?;
        sqlx::query(
            "INSERT INTO criteria_sets (code, model, version, owner_code, based_on_id, title_vi, source, status, created_at) \
             VALUES ($1, $2, $3, 'VN', NULL, $4, $5, 'active', $6) ON CONFLICT (model, owner_code, version) DO NOTHING",
        )
        .bind(set.code())
        .bind(set.model().code())
        .bind(i64::from(set.version()))
        .bind(&set.title().vi)
        .bind(text)
        .bind(now())
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// The parsed set with this id.
pub async fn by_id(state: &AppState, id: i64) -> Result<Arc<CriteriaSet>, AppError> {
    if let Some(s) = state
        .sets
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&id)
    {
        return Ok(s.clone());
    }
    let source: String = sqlx::query_scalar("SELECT source FROM criteria_sets WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let set = Arc::new(
        CriteriaSet::parse(&source)
            .map_err(|e| anyhow::anyhow!("stored criteria set {id} does not parse: {e:?}"))?,
    );
    state
        .sets
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, set.clone());
    Ok(set)
}

/// The set in force for `model` in a province in `year` (the rule of `docs/criteria.md`,
/// "Which set an evaluation uses"): among the active sets of the nation and of that province
/// whose year (`version`) is not after `year`, the newest; at the same year, the province's own.
pub async fn effective(
    state: &AppState,
    model: &str,
    province: &str,
    year: i64,
) -> Result<(i64, Arc<CriteriaSet>), AppError> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM criteria_sets WHERE model = $1 AND status = 'active' AND version <= $2 AND owner_code IN ($3, 'VN') \
         ORDER BY version DESC, CASE WHEN owner_code = 'VN' THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(model)
    .bind(year)
    .bind(province)
    .fetch_optional(&state.db.pool)
    .await?;
    let id = id.ok_or_else(|| {
        AppError::bad_request(
            format!("Chưa có bộ tiêu chí {model} áp dụng cho năm {year}"),
            format!("No {model} criteria set applies to {year}"),
        )
    })?;
    Ok((id, by_id(state, id).await?))
}
