//! A report's steps, each in one transaction with its event and audit entry: save (a draft, or
//! a returned report being corrected), submit (every value frozen in a snapshot), and the level
//! above returning it with a reason or accepting it.

use super::input::{check_input, short_text, SaveInput};
use super::lines::lines;
use super::model::{parse_period, unit_visible, Entries, Report, Snapshot, Status};
use super::read::{load, read, stored, Stored, REPORT_COLUMNS};
use super::template::template_for;
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, today, Db, Tx};
use crate::error::AppError;
use crate::reports::figures::{self, UnitRef};
use crate::state::AppState;
use khuyenhoc_domain::limits;
use khuyenhoc_reports::Period;
use sqlx::Row;

async fn event(
    tx: &mut Tx<'_>,
    id: i64,
    actor: Actor,
    action: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO report_events (report_id, at, person_id, position_id, action, note) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(now())
        .bind(actor.person_id)
        .bind(actor.position_id)
        .bind(action)
        .bind(note)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn audit_change(
    tx: &mut Tx<'_>,
    actor: Actor,
    unit_id: i64,
    id: i64,
    action: &'static str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), sqlx::Error> {
    audit::record(
        tx,
        actor,
        Change {
            unit_id: Some(unit_id),
            entity: "report",
            entity_id: id.to_string(),
            action,
            before: Some(before),
            after: Some(after),
        },
    )
    .await
}

fn locked(status: Status) -> AppError {
    match status {
        Status::Accepted => AppError::bad_request(
            "Báo cáo đã được duyệt và khoá",
            "The report has been accepted and is locked",
        ),
        _ => AppError::bad_request(
            "Báo cáo đã nộp; chỉ sửa được khi cấp trên trả lại",
            "The report has been submitted; it can be changed only if the level above returns it",
        ),
    }
}

/// What a save writes to the report row, checked.
struct Draft {
    entries: Entries,
    entries_json: String,
    number_symbol: Option<String>,
    signer_name: Option<String>,
    /// The templates the report is filled with (`VN` or `VN+01:3`).
    tag: String,
    at: i64,
}

/// Saves what the unit typed (a draft, or a returned report being corrected).
pub async fn save(
    state: &AppState,
    v: &Viewer,
    code: &str,
    period: &str,
    input: &SaveInput,
) -> Result<Report, AppError> {
    let db = &state.db;
    let period = parse_period(period)?;
    let unit = unit_visible(db, v, code).await?;
    let actor = v.actor_for(perm::REPORT_SUBMIT, &unit.path)?;
    let (t, tag) = template_for(db, &unit.path).await?;
    let entries = check_input(&t, input)?;
    let number_symbol = short_text(
        "number_symbol",
        input.number_symbol.as_deref(),
        &limits::NUMBER_SYMBOL,
    )?;
    let signer_name = short_text("signer_name", input.signer_name.as_deref(), &limits::NAME)?;
    let entries_json = serde_json::to_string(&entries).map_err(|e| anyhow::anyhow!(e))?;
    let mut tx = db.begin().await?;
    let existing =
        sqlx::query("SELECT id, status, entries FROM reports WHERE unit_id = $1 AND period = $2")
            .bind(unit.id)
            .bind(period.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let draft = Draft {
        entries,
        entries_json,
        number_symbol,
        signer_name,
        tag,
        at: now(),
    };
    let id = match existing {
        Some(r) => update_draft(&mut tx, actor, unit.id, &r, &draft).await?,
        None => insert_draft(&mut tx, actor, unit.id, &period, &draft).await?,
    };
    event(&mut tx, id, actor, "save", None).await?;
    tx.commit().await?;
    read(db, &unit, &period).await
}

/// Writes a save over the stored report `r` (id, status, entries), if it may still be changed.
async fn update_draft(
    tx: &mut Tx<'_>,
    actor: Actor,
    unit_id: i64,
    r: &sqlx::any::AnyRow,
    d: &Draft,
) -> Result<i64, AppError> {
    let id: i64 = r.try_get(0)?;
    let status = Status::parse(&r.try_get::<String, _>(1)?);
    if !status.editable() {
        return Err(locked(status));
    }
    let before: String = r.try_get(2)?;
    let updated = sqlx::query(
        "UPDATE reports SET entries = $1, number_symbol = $2, signer_name = $3, templates = $4, updated_at = $5 \
         WHERE id = $6 AND status IN ('draft', 'returned')",
    )
    .bind(&d.entries_json)
    .bind(&d.number_symbol)
    .bind(&d.signer_name)
    .bind(&d.tag)
    .bind(d.at)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(locked(Status::Submitted));
    }
    audit_change(
        tx,
        actor,
        unit_id,
        id,
        "save",
        serde_json::from_str(&before).unwrap_or_default(),
        serde_json::to_value(&d.entries).unwrap_or_default(),
    )
    .await?;
    Ok(id)
}

/// Starts the unit's report for the period with the first save.
async fn insert_draft(
    tx: &mut Tx<'_>,
    actor: Actor,
    unit_id: i64,
    period: &Period,
    d: &Draft,
) -> Result<i64, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO reports (unit_id, period, templates, status, entries, number_symbol, signer_name, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(unit_id)
    .bind(period.to_string())
    .bind(&d.tag)
    .bind(&d.entries_json)
    .bind(&d.number_symbol)
    .bind(&d.signer_name)
    .bind(d.at)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if crate::db::is_unique_violation(&e, "reports_unit_period") {
            AppError::bad_request("Báo cáo vừa được người khác tạo; hãy tải lại trang", "Someone has just started this report: reload the page")
        } else {
            e.into()
        }
    })?;
    audit_change(
        tx,
        actor,
        unit_id,
        id,
        "create",
        serde_json::Value::Null,
        serde_json::to_value(&d.entries).unwrap_or_default(),
    )
    .await?;
    Ok(id)
}

/// Hands the report in: every value is computed now and frozen in the snapshot.
pub async fn submit(
    state: &AppState,
    v: &Viewer,
    code: &str,
    period: &str,
) -> Result<Report, AppError> {
    let db = &state.db;
    let p = parse_period(period)?;
    let unit = unit_visible(db, v, code).await?;
    let actor = v.actor_for(perm::REPORT_SUBMIT, &unit.path)?;
    let Some(s) = load(db, unit.id, &p).await? else {
        return Err(AppError::bad_request(
            "Hãy lưu báo cáo trước khi nộp",
            "Save the report before submitting it",
        ));
    };
    if !s.status.editable() {
        return Err(locked(s.status));
    }
    let (t, _) = template_for(db, &unit.path).await?;
    let as_of = today();
    let base = figures::live(db, std::slice::from_ref(&unit), &p, &as_of)
        .await?
        .pop()
        .unwrap_or_default();
    let snapshot = Snapshot {
        as_of,
        taken_at: now(),
        lines: lines(&t, &base, &s.entries),
        base,
    };
    let json = serde_json::to_string(&snapshot).map_err(|e| anyhow::anyhow!(e))?;
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE reports SET status = 'submitted', snapshot = $1, submitted_at = $2, return_reason = NULL, updated_at = $2 \
         WHERE id = $3 AND status IN ('draft', 'returned')",
    )
    .bind(&json)
    .bind(snapshot.taken_at)
    .bind(s.id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(locked(Status::Submitted));
    }
    event(&mut tx, s.id, actor, "submit", None).await?;
    audit_change(
        &mut tx,
        actor,
        unit.id,
        s.id,
        "submit",
        serde_json::json!({"status": s.status.code()}),
        serde_json::json!({"status": "submitted", "lines": snapshot.lines.len()}),
    )
    .await?;
    tx.commit().await?;
    read(db, &unit, &p).await
}

/// The report by id with the position that lets the viewer decide on it: a `report.review`
/// position strictly above the reporting unit.
async fn for_decision(
    db: &Db,
    v: &Viewer,
    id: i64,
) -> Result<(Stored, UnitRef, Period, Actor), AppError> {
    let r = sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let s = stored(&r)?;
    let unit_id: i64 = r.try_get(10)?;
    let period = parse_period(&r.try_get::<String, _>(11)?)?;
    let u = crate::org::model::by_id(db, unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !v.can_read(&u.path) {
        return Err(AppError::NotFound);
    }
    let pos = v
        .positions
        .iter()
        .filter(|p| {
            u.path.starts_with(&p.unit_path)
                && p.unit_path != u.path
                && p.permissions.iter().any(|x| x == perm::REPORT_REVIEW)
        })
        .max_by_key(|p| p.unit_path.len())
        .ok_or(AppError::NotFound)?;
    Ok((
        s,
        UnitRef::from(&u),
        period,
        Actor::new(v.person_id, Some(pos.position_id)),
    ))
}

/// The level above returns a submitted report, with a reason.
pub async fn return_report(
    state: &AppState,
    v: &Viewer,
    id: i64,
    reason: &str,
) -> Result<Report, AppError> {
    let db = &state.db;
    let (s, unit, period, actor) = for_decision(db, v, id).await?;
    let reason = khuyenhoc_domain::text::clean(reason);
    if reason.chars().count() < 5 || reason.chars().count() > 2000 {
        return Err(AppError::bad_request(
            "Cần ghi rõ lý do trả lại (từ 5 đến 2.000 ký tự)",
            "Give the reason for returning it (5 to 2,000 characters)",
        ));
    }
    decide(db, &s, &unit, actor, "returned", Some(&reason)).await?;
    read(db, &unit, &period).await
}

/// The level above accepts a submitted report; it is locked from then on.
pub async fn accept(state: &AppState, v: &Viewer, id: i64) -> Result<Report, AppError> {
    let db = &state.db;
    let (s, unit, period, actor) = for_decision(db, v, id).await?;
    decide(db, &s, &unit, actor, "accepted", None).await?;
    read(db, &unit, &period).await
}

async fn decide(
    db: &Db,
    s: &Stored,
    unit: &UnitRef,
    actor: Actor,
    to: &str,
    reason: Option<&str>,
) -> Result<(), AppError> {
    if s.status != Status::Submitted {
        return Err(match s.status {
            Status::Accepted => locked(Status::Accepted),
            _ => {
                AppError::bad_request("Báo cáo chưa được nộp", "The report has not been submitted")
            }
        });
    }
    let mut tx = db.begin().await?;
    let n = sqlx::query("UPDATE reports SET status = $1, return_reason = $2, decided_at = $3, updated_at = $3 WHERE id = $4 AND status = 'submitted'")
        .bind(to)
        .bind(reason)
        .bind(now())
        .bind(s.id)
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() != 1 {
        return Err(AppError::bad_request(
            "Báo cáo vừa được xử lý; hãy tải lại trang",
            "The report has just been decided: reload the page",
        ));
    }
    let action = if to == "accepted" { "accept" } else { "return" };
    event(&mut tx, s.id, actor, action, reason).await?;
    // The person who submitted it is told.
    let submitter: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT person_id FROM report_events WHERE report_id = $1 AND action = 'submit' ORDER BY id DESC LIMIT 1",
    )
    .bind(s.id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(person) = submitter.flatten() {
        let notice = match reason {
            Some(r) => crate::notify::Notice::ReportReturned {
                report_id: s.id,
                reason: r.to_owned(),
            },
            None => crate::notify::Notice::ReportAccepted { report_id: s.id },
        };
        crate::notify::send(&mut tx, person, notice).await?;
    }
    audit_change(
        &mut tx,
        actor,
        unit.id,
        s.id,
        action,
        serde_json::json!({"status": "submitted"}),
        serde_json::json!({"status": to, "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
