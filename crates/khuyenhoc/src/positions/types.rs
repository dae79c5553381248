//! Position types: the built-in ones, and those the central office defines.

use crate::auth::perm;
use crate::db::{now, Db};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct PositionType {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub permissions: Vec<String>,
    pub builtin: bool,
}

/// (code, Vietnamese, English, rights).
pub const BUILTIN: &[(&str, &str, &str, &[&str])] = &[
    ("chair", "Chủ tịch", "Chair", perm::ALL),
    (
        "vice_chair",
        "Phó Chủ tịch",
        "Vice-chair",
        &[
            perm::UNIT_MANAGE,
            perm::POSITION_MANAGE,
            perm::PERSON_MANAGE,
            perm::AUDIT_READ,
        ],
    ),
    (
        "officer",
        "Cán bộ",
        "Officer",
        &[perm::UNIT_MANAGE, perm::PERSON_MANAGE, perm::AUDIT_READ],
    ),
    ("treasurer", "Thủ quỹ", "Treasurer", &[perm::AUDIT_READ]),
];

/// Adds the built-in types that are missing (safe to run at every start).
pub async fn ensure_builtin(db: &Db) -> Result<(), sqlx::Error> {
    for (code, vi, en, perms) in BUILTIN {
        sqlx::query(
            "INSERT INTO position_types (code, name_vi, name_en, permissions, builtin, created_at) VALUES ($1, $2, $3, $4, 1, $5) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(*code)
        .bind(*vi)
        .bind(*en)
        .bind(perms.join(" "))
        .bind(now())
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

pub async fn list(db: &Db) -> Result<Vec<PositionType>, sqlx::Error> {
    sqlx::query("SELECT code, name_vi, name_en, permissions, builtin FROM position_types ORDER BY builtin DESC, id")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(PositionType {
                code: r.try_get(0)?,
                name_vi: r.try_get(1)?,
                name_en: r.try_get(2)?,
                permissions: r.try_get::<String, _>(3)?.split_whitespace().map(str::to_owned).collect(),
                builtin: r.try_get::<i64, _>(4)? != 0,
            })
        })
        .collect()
}
