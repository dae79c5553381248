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
    viewer.read(named(db, reference).await?)
}

/// The unit a URL names, whoever asks.
async fn named(db: &Db, reference: &str) -> Result<Option<Unit>, AppError> {
    let (code, year) = model::split_ref(reference.trim());
    let code = parse_code(code)?;
    Ok(match year {
        Some(y) => model::by_code_in_year(db, code.as_str(), y).await?,
        None => model::by_code(db, code.as_str()).await?,
    })
}

/// The unit a URL names, if the viewer may READ it: a unit in scope ([`visible`]), or an old unit
/// (before the 1 July 2025 merger) that became part of the viewer's scope, itself or through
/// its old district or province ([`became_part_of_scope`]). Only the unit's page and
/// `GET /api/v1/units/{code}` use it: every write still goes through [`with_right`], whose
/// scope check refuses the old unit (rights never climb).
pub async fn readable(db: &Db, viewer: &Viewer, reference: &str) -> Result<Unit, AppError> {
    match named(db, reference).await? {
        Some(u)
            if !viewer.can_read(&u.path)
                && u.is_historical()
                && became_part_of_scope(db, viewer, &u.path).await? =>
        {
            Ok(u)
        }
        other => viewer.read(other),
    }
}

/// Whether the old unit at `path`, or one of its old ancestors below the centre (its district,
/// its province), has a successor the viewer reads: old Hà Nội's communes became part of Hà
/// Nội, so Hà Nội's officers read them; old Cần Thơ's did not. One indexed query.
pub async fn became_part_of_scope(
    db: &Db,
    viewer: &Viewer,
    path: &str,
) -> Result<bool, sqlx::Error> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let prefixes: Vec<String> = (2..=segments.len())
        .map(|n| format!("/{}/", segments[..n].join("/")))
        .collect();
    if prefixes.is_empty() {
        return Ok(false);
    }
    let marks: Vec<String> = (1..=prefixes.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT DISTINCT n.path FROM units p JOIN unit_successions s ON s.predecessor_id = p.id \
         JOIN units n ON n.id = s.successor_id WHERE p.path IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql);
    for p in &prefixes {
        q = q.bind(p);
    }
    let successors = q.fetch_all(&db.pool).await?;
    Ok(successors.iter().any(|p| viewer.can_read(p)))
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

/// The effective date of a move: `on` as typed (`2026-03-01` or `01/03/2026`), today when
/// empty; never after today (a move is recorded when it happens or after).
fn move_date(on: &str) -> Result<String, AppError> {
    let today = today();
    if on.trim().is_empty() {
        return Ok(today);
    }
    let d = khuyenhoc_ledger::Date::parse_typed(on)
        .map_err(|e| AppError::field("effective_date", e))?
        .to_string();
    if d > today {
        return Err(AppError::field(
            "effective_date",
            Invalid::new(
                "Ngày hiệu lực của việc chuyển không được sau hôm nay",
                "A move cannot take effect after today",
            ),
        ));
    }
    Ok(d)
}

/// A unit to move: a branch (with `unit.manage` over it), or a commune moved to another
/// province by the central office only.
async fn movable(db: &Db, viewer: &Viewer, code: &str) -> Result<(Unit, Actor), AppError> {
    let (unit, actor) = with_right(db, viewer, code, perm::UNIT_MANAGE).await?;
    if !unit.is_open() {
        return Err(closed());
    }
    match unit.level {
        Level::Branch => Ok((unit, actor)),
        Level::Commune => {
            let central = viewer
                .position_at_or_above(perm::UNIT_MANAGE, &unit.path, Level::Central)
                .map(|p| Actor::new(viewer.person_id, Some(p.position_id)));
            central.map(|a| (unit, a)).ok_or_else(|| {
                AppError::bad_request(
                    "Chỉ Trung ương Hội chuyển được một xã sang tỉnh khác",
                    "Only the central office moves a commune to another province",
                )
            })
        }
        _ => Err(not_branch()),
    }
}

/// The first report handed in (submitted or accepted) of a period ending on or after `on` at
/// one of `units`: a move dated `on` would change the structure of that period.
async fn report_handed_in_after(
    tx: &mut crate::db::Tx<'_>,
    units: &[i64],
    on: &str,
) -> Result<Option<(String, String)>, AppError> {
    let marks: Vec<String> = (1..=units.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT u.name, r.period FROM reports r JOIN units u ON u.id = r.unit_id \
         WHERE r.status IN ('submitted', 'accepted') AND r.unit_id IN ({}) ORDER BY r.period, u.path",
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in units {
        q = q.bind(id);
    }
    for r in q.fetch_all(&mut **tx).await? {
        use sqlx::Row;
        let (name, period): (String, String) = (r.try_get(0)?, r.try_get(1)?);
        let Ok(p) = khuyenhoc_reports::Period::parse(&period) else {
            continue;
        };
        if p.end_date().as_str() >= on {
            return Ok(Some((name, p.label_vi() + " / " + &p.label_en())));
        }
    }
    Ok(None)
}

/// Checks the effective date `on` of a move of `unit` from `old_parent` to `parent`; answers
/// the day the unit's current link started (its last move, or its opening).
async fn check_move_date(
    tx: &mut crate::db::Tx<'_>,
    unit: &Unit,
    parent: &Unit,
    old_parent: i64,
    on: &str,
) -> Result<String, AppError> {
    let date_error = |vi: &str, en: &str| AppError::bad_request(vi, en);
    if on < parent.valid_from.as_str() {
        return Err(date_error(
            &format!(
                "Đơn vị cấp trên mới chỉ có từ ngày {}",
                crate::i18n::day(&parent.valid_from)
            ),
            &format!(
                "The new parent exists only from {}",
                crate::i18n::day(&parent.valid_from)
            ),
        ));
    }
    // The current link started at the unit's last move, or when it opened.
    let last_move: Option<String> =
        sqlx::query_scalar("SELECT MAX(valid_to) FROM unit_parent_links WHERE unit_id = $1")
            .bind(unit.id)
            .fetch_one(&mut **tx)
            .await?;
    let since = last_move.unwrap_or_else(|| unit.valid_from.clone());
    if on < since.as_str() {
        return Err(date_error(
            &format!(
                "Đơn vị thuộc đơn vị cấp trên hiện nay từ ngày {}: ngày chuyển không được trước ngày đó",
                crate::i18n::day(&since)
            ),
            &format!(
                "The unit has belonged to its current parent since {}: the move cannot be dated earlier",
                crate::i18n::day(&since)
            ),
        ));
    }
    let mut chains = crate::reports::counters::chain(tx, old_parent, "").await?;
    chains.extend(crate::reports::counters::chain(tx, parent.id, "").await?);
    if let Some((name, period)) = report_handed_in_after(tx, &chains, on).await? {
        return Err(date_error(
            &format!(
                "{name} đã nộp báo cáo kỳ {period} trở về sau: ngày chuyển phải sau kỳ đã báo cáo"
            ),
            &format!(
                "{name} has handed in the report of {period} or later: date the move after the reported period"
            ),
        ));
    }
    Ok(since)
}

/// Moves a branch under another commune or province (or, for the central office, a commune to
/// another province) from the date `on` (today when empty); the viewer needs the right over
/// both. The link replaced is kept in `unit_parent_links` with its lifetime; the figures of
/// periods ended before `on` stay with the former parent (their counters are not moved). A
/// date within a period that the former or the new parent (or a unit above them) has already
/// handed in a report for is refused: that report's structure would change under it.
pub async fn move_branch(
    db: &Db,
    viewer: &Viewer,
    code: &str,
    new_parent: &str,
    on: &str,
) -> Result<Unit, AppError> {
    let (unit, actor) = movable(db, viewer, code).await?;
    let on = move_date(on)?;
    let (parent, _) = with_right(db, viewer, new_parent, perm::UNIT_MANAGE)
        .await
        .map_err(|e| match e {
            AppError::NotFound => AppError::field(
                "parent",
                Invalid::new("Không tìm thấy đơn vị cấp trên này", "No such parent unit"),
            ),
            e => e,
        })?;
    if unit.level == Level::Commune {
        if parent.level != Level::Province || !parent.is_open() {
            return Err(AppError::field(
                "parent",
                Invalid::new(
                    "Xã chỉ chuyển được sang một tỉnh đang hoạt động",
                    "A commune moves only to an open province",
                ),
            ));
        }
    } else {
        let kind = BranchKind::parse(&unit.kind).map_err(|e| AppError::field("kind", e))?;
        check_parent(&parent, kind)?;
    }
    let Some(old_parent) = unit.parent_id else {
        return Err(not_branch());
    };
    if old_parent == parent.id {
        return Err(AppError::field(
            "parent",
            Invalid::new(
                "Đơn vị đã thuộc đơn vị cấp trên này",
                "The unit already belongs to this parent",
            ),
        ));
    }
    let mut tx = db.begin().await?;
    let since = check_move_date(&mut tx, &unit, &parent, old_parent, &on).await?;
    if on > since {
        sqlx::query(
            "INSERT INTO unit_parent_links (unit_id, parent_id, path, valid_from, valid_to) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(unit.id)
        .bind(old_parent)
        .bind(&unit.path)
        .bind(&since)
        .bind(&on)
        .execute(&mut *tx)
        .await?;
    }
    let new_path = format!("{}{}/", parent.path, unit.code);
    // The unit's counters hold its subtree's totals: move those of the periods the move
    // reaches from the old ancestors to the new ones in the same transaction.
    crate::reports::counters::move_subtree(&mut tx, unit.id, old_parent, parent.id, &on).await?;
    sqlx::query("UPDATE units SET path = $1 || substr(path, CAST($2 AS INTEGER)), parent_id = CASE WHEN id = $3 THEN $4 ELSE parent_id END WHERE path >= $5 AND path < $6")
        .bind(&new_path)
        .bind(i64::try_from(unit.path.len() + 1).unwrap_or(i64::MAX))
        .bind(unit.id)
        .bind(parent.id)
        .bind(&unit.path)
        .bind(super::path_upper_bound(&unit.path))
        .execute(&mut *tx)
        .await?;
    // The fund totals follow today's structure: the subtree's leave the old ancestors.
    crate::funds::totals::move_subtree(&mut tx, unit.id, old_parent, &new_path).await?;
    let change = Change {
        unit_id: Some(unit.id),
        entity: "unit",
        entity_id: unit.code.clone(),
        action: "move",
        before: Some(serde_json::json!({"parent": unit.parent_code})),
        after: Some(serde_json::json!({"parent": parent.code, "effective_date": on})),
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
