//! Creating positions, handing them over and vacating them.

use super::model::{self, Position};
use crate::accounts::model as people;
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db, Tx};
use crate::error::AppError;
use crate::org::service::with_right;
use khuyenhoc_domain::{text, Invalid};

/// The position, if the viewer may read it, and the viewer's managing position if they have one
/// and hold, over the position's unit, every right it carries (see [`holds_all`]).
pub async fn visible(
    db: &Db,
    viewer: &Viewer,
    id: i64,
) -> Result<(Position, Option<Actor>), AppError> {
    let pos = viewer.read(model::by_id(db, id).await?)?;
    let actor = match viewer.actor_for(perm::POSITION_MANAGE, &pos.unit_path) {
        Ok(a)
            if holds_all(
                viewer,
                &pos.unit_path,
                &type_rights(db, &pos.type_code).await?,
            ) =>
        {
            Some(a)
        }
        _ => None,
    };
    Ok((pos, actor))
}

/// The rights a position type carries.
async fn type_rights(db: &Db, type_code: &str) -> Result<Vec<String>, sqlx::Error> {
    let rights: Option<String> =
        sqlx::query_scalar("SELECT permissions FROM position_types WHERE code = $1")
            .bind(type_code)
            .fetch_optional(&db.pool)
            .await?;
    Ok(rights
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect())
}

/// Whether the viewer may use, over the unit at `path`, every one of `rights`. Nobody makes,
/// hands over or empties a position carrying a right they lack there: a commune vice-chair,
/// who keeps no books, would otherwise make a chair's position at the commune, or take the
/// chair's own, and hold the funds.
fn holds_all(viewer: &Viewer, path: &str, rights: &[String]) -> bool {
    rights
        .iter()
        .all(|r| viewer.position_for(r, path).is_some())
}

pub async fn create(
    db: &Db,
    viewer: &Viewer,
    unit_code: &str,
    type_code: &str,
    title: Option<&str>,
) -> Result<Position, AppError> {
    let (unit, actor) = with_right(db, viewer, unit_code, perm::POSITION_MANAGE).await?;
    if !unit.is_open() {
        return Err(AppError::bad_request(
            "Đơn vị này đã giải thể",
            "This unit is closed",
        ));
    }
    let type_id: i64 = sqlx::query_scalar("SELECT id FROM position_types WHERE code = $1")
        .bind(type_code.trim())
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "type",
                Invalid::new("Không có loại chức danh này", "No such position type"),
            )
        })?;
    if !holds_all(
        viewer,
        &unit.path,
        &type_rights(db, type_code.trim()).await?,
    ) {
        return Err(AppError::field(
            "type",
            Invalid::new(
                "Bạn chỉ lập được chức danh mà bạn có đủ mọi quyền của nó tại đơn vị này",
                "You can only create a position whose every right you hold at this unit",
            ),
        ));
    }
    let title = title.map(text::clean).filter(|t| !t.is_empty());
    if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(AppError::field(
            "title",
            Invalid::new(
                "Tên chức danh tối đa 200 ký tự",
                "A title has at most 200 characters",
            ),
        ));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO positions (unit_id, type_id, title, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(unit.id)
        .bind(type_id)
        .bind(&title)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
    let after = serde_json::json!({"unit": unit.code, "type": type_code.trim(), "title": title});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "position",
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

/// Takes the position's row lock for the rest of the transaction.
async fn lock_position(tx: &mut Tx<'_>, position_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE positions SET closed_at = closed_at WHERE id = $1")
        .bind(position_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

async fn end_holding(tx: &mut Tx<'_>, position_id: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE position_holdings SET to_at = $1 WHERE position_id = $2 AND to_at IS NULL")
        .bind(at)
        .bind(position_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Hands the position to another person (in the viewer's scope): rights move at once.
pub async fn handover(
    db: &Db,
    viewer: &Viewer,
    position_id: i64,
    to: &people::Lookup,
) -> Result<Position, AppError> {
    let (pos, actor) = visible(db, viewer, position_id).await?;
    let actor = actor.ok_or(AppError::NotFound)?;
    if pos.closed {
        return Err(AppError::bad_request(
            "Chức danh này đã đóng",
            "This position is closed",
        ));
    }
    let person = people::find_visible(db, viewer, to).await?.ok_or_else(|| {
        AppError::field(
            "person",
            Invalid::new(
                "Không tìm thấy người nhận trong phạm vi của bạn",
                "No such person in your scope",
            ),
        )
    })?;
    if pos
        .holder
        .as_ref()
        .is_some_and(|h| h.person_id == person.id)
    {
        return Err(AppError::field(
            "person",
            Invalid::new(
                "Người này đang giữ chức danh",
                "This person already holds the position",
            ),
        ));
    }
    let t = now();
    let mut tx = db.begin().await?;
    // Concurrent handovers of one position queue here (a row lock on PostgreSQL, the write lock
    // on SQLite), so each sees the holder the previous one left.
    lock_position(&mut tx, pos.id).await?;
    let current: Option<i64> = sqlx::query_scalar(
        "SELECT person_id FROM position_holdings WHERE position_id = $1 AND to_at IS NULL",
    )
    .bind(pos.id)
    .fetch_optional(&mut *tx)
    .await?;
    if current == Some(person.id) {
        return Err(AppError::field(
            "person",
            Invalid::new(
                "Người này đang giữ chức danh",
                "This person already holds the position",
            ),
        ));
    }
    end_holding(&mut tx, pos.id, t).await?;
    sqlx::query(
        "INSERT INTO position_holdings (position_id, person_id, from_at) VALUES ($1, $2, $3)",
    )
    .bind(pos.id)
    .bind(person.id)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    let before = serde_json::json!({"holder": current});
    let after = serde_json::json!({"holder": person.id});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(pos.unit_id),
            entity: "position",
            entity_id: pos.id.to_string(),
            action: "handover",
            before: Some(before),
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    model::by_id(db, pos.id).await?.ok_or(AppError::NotFound)
}

/// Ends the current holding without a successor.
pub async fn vacate(db: &Db, viewer: &Viewer, position_id: i64) -> Result<Position, AppError> {
    let (pos, actor) = visible(db, viewer, position_id).await?;
    let actor = actor.ok_or(AppError::NotFound)?;
    let Some(holder) = pos.holder.clone() else {
        return Ok(pos);
    };
    let mut tx = db.begin().await?;
    lock_position(&mut tx, pos.id).await?;
    end_holding(&mut tx, pos.id, now()).await?;
    let before = serde_json::json!({"holder": holder.person_id});
    let after = serde_json::json!({"holder": null});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(pos.unit_id),
            entity: "position",
            entity_id: pos.id.to_string(),
            action: "vacate",
            before: Some(before),
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    model::by_id(db, pos.id).await?.ok_or(AppError::NotFound)
}
