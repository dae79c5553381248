//! Personal API tokens: `kh_` and 64 hex characters, shown once; the database keeps the hash.

use crate::audit::{self, Actor, Change};
use crate::auth::{random_secret, secret_hash, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use khuyenhoc_domain::{text, Invalid};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: bool,
}

pub async fn list(db: &Db, person_id: i64) -> Result<Vec<Token>, sqlx::Error> {
    sqlx::query("SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE person_id = $1 ORDER BY id DESC")
        .bind(person_id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Token {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                created: crate::audit::format_time(r.try_get(2)?),
                last_used: r.try_get::<Option<i64>, _>(3)?.map(crate::audit::format_time),
                revoked: r.try_get::<Option<i64>, _>(4)?.is_some(),
            })
        })
        .collect()
}

/// Creates a token for the viewer and returns its secret (the only time it is shown).
pub async fn create(db: &Db, viewer: &Viewer, name: &str) -> Result<String, AppError> {
    let name = text::clean(name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field(
            "name",
            Invalid::new(
                "Tên mã truy cập có từ 1 đến 100 ký tự",
                "A token name has 1 to 100 characters",
            ),
        ));
    }
    let secret = format!("kh_{}", random_secret());
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO api_tokens (person_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(viewer.person_id)
        .bind(&name)
        .bind(secret_hash(&secret))
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
    let after = serde_json::json!({"name": name, "person": viewer.person_id});
    let change = Change {
        unit_id: Some(viewer.home_unit_id),
        entity: "api_token",
        entity_id: id.to_string(),
        action: "create",
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, Actor::new(viewer.person_id, None), change).await?;
    tx.commit().await?;
    Ok(secret)
}

pub async fn revoke(db: &Db, viewer: &Viewer, id: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL")
        .bind(now())
        .bind(id)
        .bind(viewer.person_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    let change = Change {
        unit_id: Some(viewer.home_unit_id),
        entity: "api_token",
        entity_id: id.to_string(),
        action: "revoke",
        before: None,
        after: None,
    };
    audit::record(&mut tx, Actor::new(viewer.person_id, None), change).await?;
    tx.commit().await?;
    Ok(())
}
