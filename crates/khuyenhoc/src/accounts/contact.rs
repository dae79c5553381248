//! The owner confirms a waiting phone or email change (asked by `correct`) with the 6-digit
//! code sent to them: single use, valid `correct::CODE_SECONDS`, at most [`CODE_ATTEMPTS`] wrong tries.

use super::correct::CODE_ATTEMPTS;
use super::model::{self, Person};
use super::service::conflict;
use crate::audit::{self, Actor, Change};
use crate::auth::{secret_hash, Viewer};
use crate::db::now;
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_domain::Invalid;

/// The owner confirms their waiting phone or email change with the code sent to them.
pub async fn confirm_contact(
    state: &AppState,
    viewer: &Viewer,
    person_id: i64,
    code: &str,
) -> Result<Person, AppError> {
    if person_id != viewer.person_id {
        return Err(AppError::NotFound);
    }
    let db = &state.db;
    let wrong = || {
        AppError::field(
            "code",
            Invalid::new(
                "Mã xác nhận không đúng hoặc đã hết hạn",
                "The code is wrong or has expired",
            ),
        )
    };
    let mut tx = db.begin().await?;
    let row: Option<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, field, new_value, code_hash, attempts FROM contact_changes \
         WHERE person_id = $1 AND done_at IS NULL AND expires_at > $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(person_id)
    .bind(now())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, field, value, hash, attempts)) = row else {
        return Err(wrong());
    };
    if attempts >= CODE_ATTEMPTS {
        return Err(wrong());
    }
    if !crate::auth::same_secret(&secret_hash(code.trim()), &hash) {
        sqlx::query("UPDATE contact_changes SET attempts = attempts + 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(wrong());
    }
    let value = Some(value).filter(|v| !v.is_empty());
    let sql = if field == "phone" {
        "UPDATE people SET phone = $1 WHERE id = $2"
    } else {
        "UPDATE people SET email = $1 WHERE id = $2"
    };
    sqlx::query(sql)
        .bind(&value)
        .bind(person_id)
        .execute(&mut *tx)
        .await
        .map_err(conflict)?;
    sqlx::query("UPDATE contact_changes SET done_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        unit_id: Some(viewer.home_unit_id),
        entity: "person",
        entity_id: person_id.to_string(),
        action: "contact_change_confirmed",
        before: None,
        after: Some(serde_json::json!({ "field": field, "value": value })),
    };
    audit::record(&mut tx, Actor::new(viewer.person_id, None), change).await?;
    tx.commit().await?;
    model::by_id(db, person_id).await?.ok_or(AppError::NotFound)
}
