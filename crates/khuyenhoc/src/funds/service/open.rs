//! Opening funds, switching a fund's public page, and who may read a fund or act on it.

use super::input::{invalid, limited};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{is_unique_violation, now, Db};
use crate::error::{AppError, FieldError};
use crate::funds::model::{self, Fund};
use khuyenhoc_domain::{limits, Invalid};

/// The fund, if the viewer may read it (any position covering its unit).
pub async fn visible(db: &Db, v: &Viewer, id: i64) -> Result<Fund, AppError> {
    v.read(model::by_id(db, id).await?)
}

/// The fund and the position whose `right` the viewer uses on it.
pub async fn with_right(
    db: &Db,
    v: &Viewer,
    id: i64,
    right: &str,
) -> Result<(Fund, Actor), AppError> {
    v.act(model::by_id(db, id).await?, right)
}

/// A fund as typed: its code in the unit, its name, its kind, whether it may be overdrawn.
#[derive(Debug, Clone, Copy)]
pub struct NewFund<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// general, scholarship or named
    pub kind: &'a str,
    pub overdraft: bool,
}

pub async fn create_fund(
    db: &Db,
    v: &Viewer,
    unit_code: &str,
    new: &NewFund<'_>,
) -> Result<Fund, AppError> {
    let (unit, actor) =
        crate::org::service::with_right(db, v, unit_code, perm::FUND_MANAGE).await?;
    let NewFund {
        code,
        name,
        kind,
        overdraft,
    } = *new;
    let code = code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > 20
        || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(invalid(
            "code",
            Invalid::new(
                "Mã quỹ gồm chữ, số, gạch ngang (tối đa 20)",
                "A fund code has letters, digits and dashes (at most 20)",
            ),
        ));
    }
    let name = limited("name", Some(name), &limits::TITLE)?
        .filter(|n| n.chars().count() >= 2)
        .ok_or_else(|| {
            invalid(
                "name",
                Invalid::new(
                    "Tên quỹ có từ 2 đến 150 ký tự",
                    "A fund name has 2 to 150 characters",
                ),
            )
        })?;
    if !matches!(kind, "general" | "scholarship" | "named") {
        return Err(invalid(
            "kind",
            Invalid::new("Loại quỹ không hợp lệ", "Invalid fund kind"),
        ));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO funds (unit_id, code, name, kind, public, overdraft, created_at, name_folded) VALUES ($1, $2, $3, $4, 0, $5, $6, $7) RETURNING id")
        .bind(unit.id)
        .bind(&code)
        .bind(&name)
        .bind(kind)
        .bind(i64::from(overdraft))
        .bind(now())
        .bind(crate::funds::list::folded(&name))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, "funds_unit_code") {
                AppError::Conflict(FieldError::new("code", Invalid::new("Đơn vị đã có quỹ mang mã này", "The unit already has a fund with this code")))
            } else {
                e.into()
            }
        })?;
    let after =
        serde_json::json!({"code": code, "name": name, "kind": kind, "overdraft": overdraft});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "fund",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

/// Switches the public transparency page of a fund on or off.
pub async fn set_public(db: &Db, v: &Viewer, id: i64, public: bool) -> Result<(), AppError> {
    let (f, actor) = with_right(db, v, id, perm::FUND_MANAGE).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE funds SET public = $1 WHERE id = $2")
        .bind(i64::from(public))
        .bind(f.id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        unit_id: Some(f.unit_id),
        entity: "fund",
        entity_id: f.id.to_string(),
        action: "set_public",
        before: Some(serde_json::json!({"public": f.public})),
        after: Some(serde_json::json!({"public": public})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(())
}
