//! Emulation clusters (cụm thi đua): groups of provinces. A province belongs to one cluster at a
//! time; a membership has validity dates so earlier groupings stay answerable.

use super::service::visible;
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, today, Db};
use crate::error::AppError;
use khuyenhoc_domain::Level;
use khuyenhoc_domain::{text, Invalid};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Cluster {
    pub code: String,
    pub name: String,
    /// (province code, province name) of the members on the date asked.
    pub members: Vec<(String, String)>,
}

/// Every cluster with its members on `date`.
pub async fn list(db: &Db, date: &str) -> Result<Vec<Cluster>, sqlx::Error> {
    let clusters = sqlx::query("SELECT id, code, name FROM clusters ORDER BY code")
        .fetch_all(&db.pool)
        .await?;
    let members = sqlx::query(
        "SELECT m.cluster_id, u.code, u.name FROM cluster_memberships m JOIN units u ON u.id = m.unit_id \
         WHERE m.valid_from <= $1 AND (m.valid_to IS NULL OR m.valid_to > $1) ORDER BY u.code",
    )
    .bind(date)
    .fetch_all(&db.pool)
    .await?;
    clusters
        .iter()
        .map(|c| {
            let id: i64 = c.try_get(0)?;
            let mut m = vec![];
            for r in &members {
                if r.try_get::<i64, _>(0)? == id {
                    m.push((r.try_get(1)?, r.try_get(2)?));
                }
            }
            Ok(Cluster {
                code: c.try_get(1)?,
                name: c.try_get(2)?,
                members: m,
            })
        })
        .collect()
}

fn central_actor(viewer: &Viewer) -> Result<Actor, AppError> {
    viewer.actor_for(perm::CLUSTER_MANAGE, "/VN/")
}

pub async fn create(db: &Db, viewer: &Viewer, code: &str, name: &str) -> Result<(), AppError> {
    let actor = central_actor(viewer)?;
    let code = code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > 20
        || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(AppError::field(
            "code",
            Invalid::new(
                "Mã cụm gồm chữ, số, dấu gạch ngang (tối đa 20)",
                "A cluster code has letters, digits and dashes (at most 20)",
            ),
        ));
    }
    let name = text::clean(name);
    if name.chars().count() < 2 || name.chars().count() > 200 {
        return Err(AppError::field(
            "name",
            Invalid::new(
                "Tên cụm phải có từ 2 đến 200 ký tự",
                "A cluster name must have 2 to 200 characters",
            ),
        ));
    }
    let mut tx = db.begin().await?;
    let res = sqlx::query("INSERT INTO clusters (code, name, created_at) VALUES ($1, $2, $3)")
        .bind(&code)
        .bind(&name)
        .bind(now())
        .execute(&mut *tx)
        .await;
    if let Err(e) = res {
        if crate::db::is_unique_violation(&e, "clusters_code") {
            return Err(AppError::Conflict(crate::error::FieldError::new(
                "code",
                Invalid::new("Mã cụm đã tồn tại", "This cluster code exists"),
            )));
        }
        return Err(e.into());
    }
    let after = serde_json::json!({"code": code, "name": name});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: None,
            entity: "cluster",
            entity_id: code.clone(),
            action: "create",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a province into a cluster from today, ending its earlier membership.
pub async fn assign(
    db: &Db,
    viewer: &Viewer,
    cluster_code: &str,
    province_code: &str,
) -> Result<(), AppError> {
    let actor = central_actor(viewer)?;
    let province = visible(db, viewer, province_code).await?;
    if province.level != Level::Province || !province.is_open() {
        return Err(AppError::field(
            "province",
            Invalid::new(
                "Chỉ tỉnh, thành phố mới vào cụm thi đua",
                "Only provinces join clusters",
            ),
        ));
    }
    let cluster_id: i64 = sqlx::query_scalar("SELECT id FROM clusters WHERE code = $1")
        .bind(cluster_code.trim().to_uppercase())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let day = today();
    let mut tx = db.begin().await?;
    let before: Option<String> = sqlx::query_scalar(
        "SELECT c.code FROM cluster_memberships m JOIN clusters c ON c.id = m.cluster_id WHERE m.unit_id = $1 AND m.valid_to IS NULL",
    )
    .bind(province.id)
    .fetch_optional(&mut *tx)
    .await?;
    // A membership that began today is replaced rather than left as an empty interval.
    sqlx::query("DELETE FROM cluster_memberships WHERE unit_id = $1 AND valid_to IS NULL AND valid_from = $2").bind(province.id).bind(&day).execute(&mut *tx).await?;
    sqlx::query(
        "UPDATE cluster_memberships SET valid_to = $1 WHERE unit_id = $2 AND valid_to IS NULL",
    )
    .bind(&day)
    .bind(province.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO cluster_memberships (cluster_id, unit_id, valid_from) VALUES ($1, $2, $3)",
    )
    .bind(cluster_id)
    .bind(province.id)
    .bind(&day)
    .execute(&mut *tx)
    .await?;
    let change = Change {
        unit_id: Some(province.id),
        entity: "cluster_membership",
        entity_id: province.code.clone(),
        action: "assign",
        before: Some(serde_json::json!({"cluster": before})),
        after: Some(serde_json::json!({"cluster": cluster_code.trim().to_uppercase()})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(())
}
