//! Reading reports: the stored rows (one, or many units' at once), the report built with live
//! values while it is not handed in and frozen ones after, its history, the periods a unit has
//! reports for, and who may submit or review.

use super::lines::lines;
use super::model::{parse_period, state_of, unit_visible, Entries, Report, Snapshot, Status};
use super::template::template_for;
use crate::auth::{perm, Viewer};
use crate::db::{today, Db};
use crate::error::AppError;
use crate::reports::figures::{self, Base, UnitRef};
use crate::state::AppState;
use khuyenhoc_reports::{Period, Template};
use sqlx::Row;
use std::collections::BTreeMap;

/// A report row as stored.
pub(super) struct Stored {
    pub(super) id: i64,
    pub(super) status: Status,
    pub(super) templates: String,
    pub(super) entries: Entries,
    pub(super) snapshot: Option<Snapshot>,
    pub(super) number_symbol: Option<String>,
    pub(super) signer_name: Option<String>,
    pub(super) submitted_at: Option<i64>,
    pub(super) decided_at: Option<i64>,
    pub(super) return_reason: Option<String>,
}

/// The columns `stored` reads, in its order.
pub(super) const REPORT_COLUMNS: &str = "id, status, templates, entries, snapshot, number_symbol, signer_name, submitted_at, decided_at, return_reason, unit_id, period";

pub(super) fn stored(r: &sqlx::any::AnyRow) -> Result<Stored, AppError> {
    let entries: String = r.try_get(3)?;
    let snapshot: Option<String> = r.try_get(4)?;
    Ok(Stored {
        id: r.try_get(0)?,
        status: Status::parse(&r.try_get::<String, _>(1)?),
        templates: r.try_get(2)?,
        entries: serde_json::from_str(&entries).map_err(|e| anyhow::anyhow!(e))?,
        snapshot: snapshot
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| anyhow::anyhow!(e))?,
        number_symbol: r.try_get(5)?,
        signer_name: r.try_get(6)?,
        submitted_at: r.try_get(7)?,
        decided_at: r.try_get(8)?,
        return_reason: r.try_get(9)?,
    })
}

pub(super) async fn load(
    db: &Db,
    unit_id: i64,
    period: &Period,
) -> Result<Option<Stored>, AppError> {
    let r = sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE unit_id = $1 AND period = $2"
    ))
    .bind(unit_id)
    .bind(period.to_string())
    .fetch_optional(&db.pool)
    .await?;
    r.as_ref().map(stored).transpose()
}

/// Reports of many units for one period, by unit id.
pub(super) async fn load_many(
    db: &Db,
    units: &[UnitRef],
    period: &Period,
) -> Result<BTreeMap<i64, Stored>, AppError> {
    let mut out = BTreeMap::new();
    if units.is_empty() {
        return Ok(out);
    }
    let marks: Vec<String> = (2..units.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE period = $1 AND unit_id IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(period.to_string());
    for u in units {
        q = q.bind(u.id);
    }
    for r in q.fetch_all(&db.pool).await? {
        let unit: i64 = r.try_get(10)?;
        out.insert(unit, stored(&r)?);
    }
    Ok(out)
}

pub(super) fn build(
    unit: &UnitRef,
    period: &Period,
    t: &Template,
    tag: String,
    s: Option<Stored>,
    live: Option<(&Base, &str)>,
) -> Report {
    let deadline = t.deadline(period, unit.level.code());
    let status = s.as_ref().map_or(Status::NotStarted, |s| s.status);
    let entries = s.as_ref().map(|s| s.entries.clone()).unwrap_or_default();
    let frozen = s
        .as_ref()
        .and_then(|s| s.snapshot.clone())
        .filter(|_| status.is_in());
    let (lines, base, as_of) = match (frozen.clone(), live) {
        (Some(snap), _) => (snap.lines, snap.base, snap.as_of),
        (None, Some((base, as_of))) => (lines(t, base, &entries), base.clone(), as_of.to_owned()),
        (None, None) => (lines(t, &Base::new(), &entries), Base::new(), String::new()),
    };
    let submitted_late = match (&deadline, s.as_ref().and_then(|s| s.submitted_at)) {
        (Some(d), Some(at)) => chrono::DateTime::from_timestamp(at, 0)
            .map(|t| t.date_naive().format("%Y-%m-%d").to_string())
            .is_some_and(|day| day.as_str() > d.as_str()),
        _ => false,
    };
    Report {
        id: s.as_ref().map(|s| s.id),
        unit: unit.clone(),
        period: period.to_string(),
        period_vi: period.label_vi(),
        period_en: period.label_en(),
        status,
        state: state_of(status, deadline.as_deref(), &today()),
        deadline,
        submitted_late,
        templates: s.as_ref().map_or(tag, |s| s.templates.clone()),
        title_vi: t.title_vi.clone(),
        symbol: t.symbol.clone(),
        number_symbol: s.as_ref().and_then(|s| s.number_symbol.clone()),
        signer_name: s.as_ref().and_then(|s| s.signer_name.clone()),
        submitted_at: s.as_ref().and_then(|s| s.submitted_at),
        decided_at: s.as_ref().and_then(|s| s.decided_at),
        return_reason: s.as_ref().and_then(|s| s.return_reason.clone()),
        frozen: frozen.is_some(),
        as_of,
        lines,
        last_year: vec![],
        entries,
        base,
    }
}

/// A unit's report for a period, with live values while it is not handed in.
pub async fn get(
    state: &AppState,
    v: &Viewer,
    code: &str,
    period: &str,
) -> Result<Report, AppError> {
    let db = &state.db;
    let period = parse_period(period)?;
    let unit = unit_visible(db, v, code).await?;
    read(db, &unit, &period).await
}

pub async fn read(db: &Db, unit: &UnitRef, period: &Period) -> Result<Report, AppError> {
    let mut r = read_one(db, unit, period).await?;
    let before = read_one(db, unit, &period.previous()).await?;
    r.last_year = r
        .lines
        .iter()
        .map(|l| {
            let b = before.lines.iter().find(|b| b.key == l.key);
            b.and_then(|b| b.value)
        })
        .collect();
    Ok(r)
}

/// A unit's report for a period, without the year before.
async fn read_one(db: &Db, unit: &UnitRef, period: &Period) -> Result<Report, AppError> {
    let (t, tag) = template_for(db, &unit.path).await?;
    let s = load(db, unit.id, period).await?;
    let as_of = today();
    let base = if s.as_ref().is_some_and(|s| s.status.is_in()) {
        Base::new()
    } else {
        figures::live(db, std::slice::from_ref(unit), period, &as_of)
            .await?
            .pop()
            .unwrap_or_default()
    };
    Ok(build(unit, period, &t, tag, s, Some((&base, &as_of))))
}

/// A report's history: (at, person name, action, note).
pub async fn history(
    db: &Db,
    id: i64,
) -> Result<Vec<(i64, String, String, Option<String>)>, AppError> {
    Ok(sqlx::query("SELECT e.at, COALESCE(p.full_name, ''), e.action, e.note FROM report_events e LEFT JOIN people p ON p.id = e.person_id WHERE e.report_id = $1 ORDER BY e.id")
        .bind(id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// The report periods of a unit that have a report, newest first, with their state.
pub async fn list(db: &Db, unit: &UnitRef) -> Result<Vec<(String, String)>, AppError> {
    Ok(
        sqlx::query("SELECT period, status FROM reports WHERE unit_id = $1 ORDER BY period DESC")
            .bind(unit.id)
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?,
    )
}

/// Whether the viewer may hand in this unit's report / decide on reports of units below it.
pub fn can_submit(v: &Viewer, unit: &UnitRef) -> bool {
    v.position_for(perm::REPORT_SUBMIT, &unit.path).is_some()
}

pub fn can_review_children(v: &Viewer, unit: &UnitRef) -> bool {
    v.position_for(perm::REPORT_REVIEW, &unit.path).is_some()
}
