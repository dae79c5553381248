//! Operations on units shared by the pages and the API. Each checks scope first: a unit outside
//! the viewer's subtrees is answered as "not found", never as "forbidden".

use super::model::{self, NewUnit, Unit};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{today, Db};
use crate::error::AppError;
use khuyenhoc_domain::{text, BranchKind, Invalid, Level, UnitCode};

pub fn parse_code(code: &str) -> Result<UnitCode, AppError> {
    UnitCode::parse(code).map_err(|e| AppError::field("code", e))
}

/// The unit a URL names (`31120`: today's; `31120@2024`: the one that had the code that
/// year), if the viewer may read it.
pub async fn visible(db: &Db, viewer: &Viewer, reference: &str) -> Result<Unit, AppError> {
    let (code, year) = model::split_ref(reference.trim());
    let code = parse_code(code)?;
    let unit = match year {
        Some(y) => model::by_code_in_year(db, code.as_str(), y).await?,
        None => model::by_code(db, code.as_str()).await?,
    };
    viewer.read(unit)
}

/// The unit with this code and the position that lets the viewer use `right` on it.
pub async fn with_right(
    db: &Db,
    viewer: &Viewer,
    code: &str,
    right: &str,
) -> Result<(Unit, Actor), AppError> {
    let unit = visible(db, viewer, code).await?;
    if unit.is_historical() && WRITES_REFUSED_ON_OLD_UNITS.contains(&right) {
        return Err(AppError::bad_request(
            "Đơn vị này không còn tồn tại (trước sáp nhập 01/07/2025): chỉ xem được",
            "This unit no longer exists (before the 1 July 2025 merger): read only",
        ));
    }
    viewer.act(Some(unit), right)
}

/// What nobody does to an old unit (closed official units, the map before 1 July 2025): open
/// branches or change it (`unit.manage`), or hold positions there. People, titles and figures
/// recorded under an old unit before the merger stay possible (tests/reports.rs registers the
/// people of a merged commune at it): those are the old data the merger carries forward.
const WRITES_REFUSED_ON_OLD_UNITS: &[&str] = &[perm::UNIT_MANAGE, perm::POSITION_MANAGE];
pub fn parse_name(name: &str) -> Result<String, AppError> {
    let n = text::clean(name);
    let len = n.chars().count();
    if !(2..=200).contains(&len) || n.chars().any(char::is_control) {
        return Err(AppError::field(
            "name",
            Invalid::new(
                "Tên đơn vị phải có từ 2 đến 200 ký tự",
                "A unit name must have 2 to 200 characters",
            ),
        ));
    }
    Ok(n)
}

fn not_branch() -> AppError {
    AppError::bad_request(
        "Chỉ đổi tên, chuyển hoặc giải thể được chi hội; tỉnh và xã theo danh mục hành chính chính thức",
        "Only branches can be renamed, moved or closed; provinces and communes follow the official list",
    )
}

fn closed() -> AppError {
    AppError::bad_request("Đơn vị này đã giải thể", "This unit is closed")
}

/// Checks that a branch of `kind` may hang under `parent`.
fn check_parent(parent: &Unit, kind: BranchKind) -> Result<(), AppError> {
    let ok = match parent.level {
        Level::Commune => true,
        Level::Province => kind.may_hang_under_province(),
        Level::Central | Level::District | Level::Branch => false,
    };
    if !parent.is_open() {
        return Err(closed());
    }
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "parent",
            Invalid::new(
                "Chi hội thôn, tổ dân phố thuộc xã; chi hội trường học, cơ quan, doanh nghiệp, lực lượng vũ trang thuộc xã hoặc tỉnh",
                "Village branches belong to a commune; institutional branches to a commune or a province",
            ),
        ))
    }
}

pub async fn open_branch(
    db: &Db,
    viewer: &Viewer,
    parent_code: &str,
    name: &str,
    kind: &str,
) -> Result<Unit, AppError> {
    let (parent, actor) = with_right(db, viewer, parent_code, perm::UNIT_MANAGE).await?;
    let name = parse_name(name)?;
    let kind = BranchKind::parse(kind).map_err(|e| AppError::field("kind", e))?;
    check_parent(&parent, kind)?;
    let mut tx = db.begin().await?;
    let seq: i64 = sqlx::query_scalar(
        "UPDATE units SET branch_seq = branch_seq + 1 WHERE id = $1 RETURNING branch_seq",
    )
    .bind(parent.id)
    .fetch_one(&mut *tx)
    .await?;
    let parent_code = UnitCode::parse(&parent.code).map_err(|e| AppError::field("parent", e))?;
    let seq = u32::try_from(seq).map_err(|e| anyhow::anyhow!("branch counter overflow: {e}"))?;
    let code = UnitCode::branch(&parent_code, seq).map_err(|e| AppError::field("parent", e))?;
    let today = today();
    let id = model::insert(
        &mut tx,
        &NewUnit {
            code: code.as_str(),
            level: Level::Branch,
            kind: kind.code(),
            name: &name,
            parent: Some((&parent.path, parent.id)),
            valid_from: &today,
        },
    )
    .await?;
    let after = serde_json::json!({"code": code.as_str(), "name": name, "kind": kind.code(), "parent": parent.code});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(id),
            entity: "unit",
            entity_id: code.to_string(),
            action: "open",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

async fn branch_with_right(
    db: &Db,
    viewer: &Viewer,
    code: &str,
) -> Result<(Unit, Actor), AppError> {
    let (unit, actor) = with_right(db, viewer, code, perm::UNIT_MANAGE).await?;
    if !unit.is_branch() {
        return Err(not_branch());
    }
    if !unit.is_open() {
        return Err(closed());
    }
    Ok((unit, actor))
}

pub async fn rename(db: &Db, viewer: &Viewer, code: &str, name: &str) -> Result<Unit, AppError> {
    let (unit, actor) = branch_with_right(db, viewer, code).await?;
    let name = parse_name(name)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE units SET name = $1, name_folded = $2 WHERE id = $3")
        .bind(&name)
        .bind(text::fold(&name))
        .bind(unit.id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        unit_id: Some(unit.id),
        entity: "unit",
        entity_id: unit.code.clone(),
        action: "rename",
        before: Some(serde_json::json!({"name": unit.name})),
        after: Some(serde_json::json!({"name": name})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    model::by_id(db, unit.id).await?.ok_or(AppError::NotFound)
}

/// Moves a branch under another commune or province; the viewer needs the right over both.
pub async fn move_branch(
    db: &Db,
    viewer: &Viewer,
    code: &str,
    new_parent: &str,
) -> Result<Unit, AppError> {
    let (unit, actor) = branch_with_right(db, viewer, code).await?;
    let (parent, _) = with_right(db, viewer, new_parent, perm::UNIT_MANAGE)
        .await
        .map_err(|e| match e {
            AppError::NotFound => AppError::field(
                "parent",
                Invalid::new("Không tìm thấy đơn vị cấp trên này", "No such parent unit"),
            ),
            e => e,
        })?;
    let kind = BranchKind::parse(&unit.kind).map_err(|e| AppError::field("kind", e))?;
    check_parent(&parent, kind)?;
    let new_path = format!("{}{}/", parent.path, unit.code);
    let mut tx = db.begin().await?;
    // The branch's counters hold its subtree's totals: move them from the old ancestors to the
    // new ones in the same transaction.
    let old_parent_path = unit
        .path
        .trim_end_matches(&format!("{}/", unit.code))
        .to_owned();
    crate::reports::counters::move_subtree(&mut tx, unit.id, &old_parent_path, &parent.path)
        .await?;
    sqlx::query("UPDATE units SET path = $1 || substr(path, CAST($2 AS INTEGER)), parent_id = CASE WHEN id = $3 THEN $4 ELSE parent_id END WHERE path >= $5 AND path < $6")
        .bind(&new_path)
        .bind(i64::try_from(unit.path.len() + 1).unwrap_or(i64::MAX))
        .bind(unit.id)
        .bind(parent.id)
        .bind(&unit.path)
        .bind(super::path_upper_bound(&unit.path))
        .execute(&mut *tx)
        .await?;
    let change = Change {
        unit_id: Some(unit.id),
        entity: "unit",
        entity_id: unit.code.clone(),
        action: "move",
        before: Some(serde_json::json!({"parent": unit.parent_code})),
        after: Some(serde_json::json!({"parent": parent.code})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    model::by_id(db, unit.id).await?.ok_or(AppError::NotFound)
}

/// Closes a branch today: its positions close and their holders step down.
pub async fn close_branch(db: &Db, viewer: &Viewer, code: &str) -> Result<Unit, AppError> {
    let (unit, actor) = branch_with_right(db, viewer, code).await?;
    let today = today();
    let t = crate::db::now();
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE units SET valid_to = $1 WHERE id = $2")
        .bind(&today)
        .bind(unit.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE position_holdings SET to_at = $1 WHERE to_at IS NULL AND position_id IN (SELECT id FROM positions WHERE unit_id = $2)")
        .bind(t)
        .bind(unit.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE positions SET closed_at = $1 WHERE unit_id = $2 AND closed_at IS NULL")
        .bind(t)
        .bind(unit.id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        unit_id: Some(unit.id),
        entity: "unit",
        entity_id: unit.code.clone(),
        action: "close",
        before: Some(serde_json::json!({"valid_to": null})),
        after: Some(serde_json::json!({"valid_to": today})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    model::by_id(db, unit.id).await?.ok_or(AppError::NotFound)
}
