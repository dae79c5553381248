//! Position types: the built-in ones, and those the central office defines.

use crate::auth::perm;
use crate::db::{now, Db};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PositionType {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub permissions: Vec<String>,
    pub builtin: bool,
}

/// (code, Vietnamese, English, rights).
#[rustfmt::skip]
pub const BUILTIN: &[(&str, &str, &str, &[&str])] = &[
    ("chair", "Chủ tịch", "Chair", perm::ALL),
    ("vice_chair", "Phó Chủ tịch", "Vice-chair", &[
        perm::UNIT_MANAGE, perm::POSITION_MANAGE, perm::PERSON_MANAGE, perm::AUDIT_READ,
        perm::EVALUATION_ENTER, perm::EVALUATION_CHECK, perm::EVALUATION_RECOGNISE, perm::CRITERIA_MANAGE,
        perm::PROGRAMME_NOMINATE, perm::MEMBER_MANAGE, perm::REPORT_SUBMIT, perm::REPORT_REVIEW,
        perm::DOCUMENT_ISSUE,
    ]),
    ("officer", "Cán bộ", "Officer", &[
        perm::UNIT_MANAGE, perm::PERSON_MANAGE, perm::AUDIT_READ,
        perm::EVALUATION_ENTER, perm::EVALUATION_CHECK, perm::EVALUATION_RECOGNISE,
        perm::PROGRAMME_NOMINATE, perm::MEMBER_MANAGE, perm::REPORT_SUBMIT, perm::DOCUMENT_ISSUE,
    ]),
    ("treasurer", "Thủ quỹ", "Treasurer", &[perm::AUDIT_READ, perm::FUND_POST, perm::FUND_MANAGE]),
];

/// Adds the built-in types and brings their names and rights up to date (safe at every start).
pub async fn ensure_builtin(db: &Db) -> Result<(), sqlx::Error> {
    for (code, vi, en, perms) in BUILTIN {
        sqlx::query(
            "INSERT INTO position_types (code, name_vi, name_en, permissions, builtin, created_at) VALUES ($1, $2, $3, $4, 1, $5) \
             ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, \
             permissions = excluded.permissions WHERE position_types.builtin = 1",
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

/// Input for a position type defined by the central office.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewType {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// A new type's code, names and rights, checked; every field at fault is named.
fn checked(
    t: &NewType,
) -> Result<(String, String, String, Vec<&'static str>), crate::error::AppError> {
    use crate::error::{AppError, FieldError};
    use khuyenhoc_domain::{text, Invalid};
    let code = t.code.trim().to_lowercase();
    let mut errors = vec![];
    if code.is_empty()
        || code.len() > 40
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        errors.push(FieldError::new(
            "code",
            Invalid::new(
                "Mã gồm chữ thường không dấu, số và dấu gạch dưới (tối đa 40)",
                "A code has lowercase letters, digits and underscores (at most 40)",
            ),
        ));
    }
    let (vi, en) = (text::clean(&t.name_vi), text::clean(&t.name_en));
    for (field, v) in [("name_vi", &vi), ("name_en", &en)] {
        if v.chars().count() < 2 || v.chars().count() > 100 {
            errors.push(FieldError::new(
                field,
                Invalid::new(
                    "Tên có từ 2 đến 100 ký tự",
                    "A name has 2 to 100 characters",
                ),
            ));
        }
    }
    let mut perms: Vec<&'static str> = vec![];
    for p in &t.permissions {
        match perm::ALL.iter().find(|x| **x == p.trim()) {
            Some(x) if !perms.contains(x) => perms.push(x),
            Some(_) => {}
            None => errors.push(FieldError::new(
                "permissions",
                Invalid::new("Có quyền không tồn tại", "Unknown permission"),
            )),
        }
    }
    if errors.is_empty() {
        Ok((code, vi, en, perms))
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// The central office defines a new position type (needs `position_type.manage` at the centre).
pub async fn create(
    db: &Db,
    viewer: &crate::auth::Viewer,
    t: &NewType,
) -> Result<PositionType, crate::error::AppError> {
    use crate::error::{AppError, FieldError};
    use khuyenhoc_domain::Invalid;
    let pos = viewer
        .position_for(perm::POSITION_TYPE_MANAGE, "/VN/")
        .ok_or(AppError::NotFound)?;
    let (code, vi, en, perms) = checked(t)?;
    let mut tx = db.begin().await?;
    let res = sqlx::query("INSERT INTO position_types (code, name_vi, name_en, permissions, builtin, created_at) VALUES ($1, $2, $3, $4, 0, $5)")
        .bind(&code)
        .bind(&vi)
        .bind(&en)
        .bind(perms.join(" "))
        .bind(now())
        .execute(&mut *tx)
        .await;
    if let Err(e) = res {
        if crate::db::is_unique_violation(&e, "position_types_code") {
            return Err(AppError::Conflict(FieldError::new(
                "code",
                Invalid::new("Mã chức danh đã tồn tại", "This position type code exists"),
            )));
        }
        return Err(e.into());
    }
    let after =
        serde_json::json!({"code": code, "name_vi": vi, "name_en": en, "permissions": perms});
    let change = crate::audit::Change {
        unit_id: Some(pos.unit_id),
        entity: "position_type",
        entity_id: code.clone(),
        action: "create",
        before: None,
        after: Some(after),
    };
    crate::audit::record(
        &mut tx,
        crate::audit::Actor::new(viewer.person_id, Some(pos.position_id)),
        change,
    )
    .await?;
    tx.commit().await?;
    Ok(PositionType {
        code,
        name_vi: vi,
        name_en: en,
        permissions: perms.iter().map(|s| (*s).to_owned()).collect(),
        builtin: false,
    })
}
