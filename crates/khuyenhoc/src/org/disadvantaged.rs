//! Communes in especially difficult, ethnic-minority and mountainous areas, as data dated by year
//! (table `unit_disadvantaged`, migration 0012). The criteria sets lower the threshold of the
//! Learning Citizen and other titles for subjects there (`[[pass.reduced]]` with the flag
//! `disadvantaged_area`: 70 points instead of 80); this module says, for a commune and a year,
//! whether it is marked, by which decision, who set it and when.
//!
//! - Every mark or unmark adds a row; the flag in force for (commune, year) is the latest row of
//!   that commune and year, and a commune without one is not marked that year. The rows are the
//!   history; each change is also in the audit log (entity `unit`, the commune's code, actions
//!   `mark_disadvantaged` / `unmark_disadvantaged`).
//! - Who sets it: an officer holding `unit.manage` at a province over its communes, or at the
//!   centre ([`mark`]): never at the commune itself or below (`Viewer::position_at_or_above`), so
//!   a commune cannot lower its own threshold. The central office also loads the official lists
//!   from a file (`org::disadvantaged_import`).
//! - Which year: the one given, else the current year in Vietnam (UTC+7, [`this_year`]).
//! - Scoring (`evaluation::score`) reads the flag in force for the evaluation's year each time it
//!   scores an evaluation not yet decided (so the review decides with the flag valid at decision
//!   time), and keeps the flag a decided evaluation was scored with (`evaluations.disadvantaged`).

use super::model::{self, Unit};
use super::service;
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db, Tx};
use crate::error::AppError;
use khuyenhoc_domain::{limits, Invalid, Level};
use khuyenhoc_sheets::disadvantaged::{FIRST_YEAR, LAST_YEAR};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// How a flag was set: by an officer (page or API), or from an imported list.
pub const VIA_OFFICER: &str = "officer";
pub const VIA_IMPORT: &str = "import";

/// The year of a moment in Vietnam (UTC+7, no daylight saving): 31/12 at 17:30 UTC is already
/// the next year there.
pub fn year_in_vietnam(at: i64) -> i64 {
    let offset = chrono::FixedOffset::east_opt(7 * 3600);
    match (chrono::DateTime::from_timestamp(at, 0), offset) {
        (Some(t), Some(o)) => i64::from(chrono::Datelike::year(&t.with_timezone(&o))),
        _ => 1970,
    }
}

/// The current year in Vietnam.
pub fn this_year() -> i64 {
    year_in_vietnam(now())
}

/// One row of a commune's flag: the flag for a year, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DisadvantagedFlag")]
pub struct Flag {
    pub year: i64,
    pub disadvantaged: bool,
    /// The decision that lists the commune (or the reason it was unmarked).
    pub source: String,
    /// `officer` (a province or central officer, page or API) or `import` (an official list).
    pub via: String,
    /// Who set it.
    pub set_by: Option<String>,
    /// Unix seconds.
    pub set_at: i64,
}

impl Flag {
    /// When it was set, as people in Vietnam read a time.
    pub fn set_at_text(&self) -> String {
        audit::format_time(self.set_at)
    }
    pub fn from_import(&self) -> bool {
        self.via == VIA_IMPORT
    }
}

/// A commune's flag for one year, as its page and the API show it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnitAreaYear")]
pub struct AreaYear {
    pub year: i64,
    /// Whether the commune is marked as a disadvantaged area that year.
    pub disadvantaged: bool,
    /// The row in force, if the commune was ever marked or unmarked for that year.
    pub flag: Option<Flag>,
}

/// The commune an evaluation belongs to, and its flag in force for a year.
#[derive(Debug, Clone)]
pub struct Area {
    pub commune_code: String,
    pub commune_name: String,
    pub flag: Option<Flag>,
}

impl Area {
    pub fn disadvantaged(&self) -> bool {
        self.flag.as_ref().is_some_and(|f| f.disadvantaged)
    }
}

const FLAG_COLUMNS: &str = "d.year, d.disadvantaged, d.source, d.via, p.full_name, d.set_at";

fn flag_of(r: &sqlx::any::AnyRow) -> Result<Flag, sqlx::Error> {
    Ok(Flag {
        year: r.try_get(0)?,
        disadvantaged: r.try_get::<i64, _>(1)? != 0,
        source: r.try_get(2)?,
        via: r.try_get(3)?,
        set_by: r.try_get(4)?,
        set_at: r.try_get(5)?,
    })
}

/// The flag in force for a commune and a year; with `marked`, the latest row of that value.
pub async fn in_force(
    conn: &mut AnyConnection,
    unit_id: i64,
    year: i64,
    marked: Option<bool>,
) -> Result<Option<Flag>, sqlx::Error> {
    let only = match marked {
        Some(true) => " AND d.disadvantaged = 1",
        Some(false) => " AND d.disadvantaged = 0",
        None => "",
    };
    let sql = format!(
        "SELECT {FLAG_COLUMNS} FROM unit_disadvantaged d LEFT JOIN people p ON p.id = d.set_by \
         WHERE d.unit_id = $1 AND d.year = $2{only} ORDER BY d.id DESC LIMIT 1"
    );
    sqlx::query(&sql)
        .bind(unit_id)
        .bind(year)
        .fetch_optional(conn)
        .await?
        .map(|r| flag_of(&r))
        .transpose()
}

/// The commune code in a unit path (`/VN/01/00004/00004-1/` → `00004`), if the path lies under
/// one (a branch of a province lies under none).
pub fn commune_code(unit_path: &str) -> Option<&str> {
    unit_path
        .trim_matches('/')
        .split('/')
        .nth(2)
        .filter(|c| !c.contains('-'))
}

/// The commune of a unit path and its flag for `year` (`marked`: as for [`in_force`]); `None`
/// for a unit under no commune.
pub async fn area_of(
    conn: &mut AnyConnection,
    unit_path: &str,
    year: i64,
    marked: Option<bool>,
) -> Result<Option<Area>, sqlx::Error> {
    let Some(path) = commune_code(unit_path).and_then(|_| super::ancestor_path(unit_path, 2))
    else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT id, code, name FROM units WHERE path = $1 AND level = 'commune'")
        .bind(path)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let flag = in_force(conn, row.try_get(0)?, year, marked).await?;
    Ok(Some(Area {
        commune_code: row.try_get(1)?,
        commune_name: row.try_get(2)?,
        flag,
    }))
}

/// Whether the commune of a unit path is marked for `year` (the batch import's check).
pub async fn is_marked(db: &Db, unit_path: &str, year: i64) -> Result<bool, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    Ok(area_of(&mut conn, unit_path, year, None)
        .await?
        .is_some_and(|a| a.disadvantaged()))
}

/// A commune's flag for a year.
pub async fn for_year(db: &Db, unit: &Unit, year: i64) -> Result<AreaYear, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    let flag = in_force(&mut conn, unit.id, year, None).await?;
    Ok(AreaYear {
        year,
        disadvantaged: flag.as_ref().is_some_and(|f| f.disadvantaged),
        flag,
    })
}

/// Every row of a commune, the latest first (at most `limit`).
pub async fn history(db: &Db, unit_id: i64, limit: i64) -> Result<Vec<Flag>, sqlx::Error> {
    let sql = format!(
        "SELECT {FLAG_COLUMNS} FROM unit_disadvantaged d LEFT JOIN people p ON p.id = d.set_by \
         WHERE d.unit_id = $1 ORDER BY d.id DESC LIMIT {}",
        limit.clamp(1, 1000)
    );
    sqlx::query(&sql)
        .bind(unit_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(flag_of)
        .collect()
}

/// A row to add.
#[derive(Debug, Clone)]
pub struct NewFlag<'a> {
    pub unit_id: i64,
    pub year: i64,
    pub disadvantaged: bool,
    pub source: &'a str,
    pub via: &'static str,
    pub import_sha256: Option<&'a str>,
    pub set_by: Option<i64>,
    pub set_position: Option<i64>,
}

/// Adds rows in the caller's transaction, many per statement.
pub async fn insert(tx: &mut Tx<'_>, rows: &[NewFlag<'_>]) -> Result<(), sqlx::Error> {
    use crate::db::rows as r;
    let at = now();
    for chunk in rows.chunks(r::per_statement(9, 2000)) {
        let sql = format!(
            "INSERT INTO unit_disadvantaged (unit_id, year, disadvantaged, source, via, import_sha256, set_by, set_position, set_at) VALUES {}",
            r::values(tx.backend(), chunk.len(), &r::row_of(9, ""))
        );
        let mut q = sqlx::query(&sql);
        for f in chunk {
            q = q
                .bind(f.unit_id)
                .bind(f.year)
                .bind(i64::from(f.disadvantaged))
                .bind(f.source.to_owned())
                .bind(f.via)
                .bind(f.import_sha256.map(str::to_owned))
                .bind(f.set_by)
                .bind(f.set_position)
                .bind(at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// What an officer asks: mark or unmark a commune for a year (default: this year in Vietnam),
/// with the decision that lists it (required to mark) or the reason to unmark.
#[derive(Debug, Clone, Default)]
pub struct Mark {
    pub disadvantaged: bool,
    pub year: Option<i64>,
    pub source: String,
}

fn invalid(field: &'static str, vi: &'static str, en: &'static str) -> AppError {
    AppError::field(field, Invalid::new(vi, en))
}

/// The year and source of a mark, checked.
fn checked(m: &Mark) -> Result<(i64, String), AppError> {
    let year = m.year.unwrap_or_else(this_year);
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(invalid(
            "year",
            "Năm phải có 4 chữ số, từ 2000 đến 2100",
            "The year must have 4 digits, from 2000 to 2100",
        ));
    }
    let source = limits::DESCRIPTION
        .check(&m.source)
        .map_err(|e| AppError::field("source", e))?;
    if m.disadvantaged && source.chars().count() < 3 {
        return Err(invalid(
            "source",
            "Ghi quyết định phê duyệt danh sách (số, ngày, cơ quan ban hành)",
            "Give the decision that lists the commune (number, date, issuer)",
        ));
    }
    Ok((year, source))
}

/// An officer marks or unmarks a commune of theirs for a year: a province or central officer
/// with `unit.manage` over it (404 for anyone else, as for a missing unit). Nothing is written
/// when the flag in force already says the same with the same source.
pub async fn mark(db: &Db, viewer: &Viewer, code: &str, m: &Mark) -> Result<AreaYear, AppError> {
    let unit = service::visible(db, viewer, code).await?;
    let position = viewer
        .position_at_or_above(perm::UNIT_MANAGE, &unit.path, Level::Province)
        .ok_or(AppError::NotFound)?;
    let actor = audit::Actor::new(viewer.person_id, Some(position.position_id));
    if unit.level != Level::Commune {
        return Err(AppError::bad_request(
            "Chỉ xã, phường, đặc khu mới được đánh dấu thuộc vùng đặc biệt khó khăn",
            "Only a commune, ward or special zone can be marked as a disadvantaged area",
        ));
    }
    if !unit.is_open() {
        return Err(AppError::bad_request(
            "Đơn vị này đã giải thể",
            "This unit is closed",
        ));
    }
    let (year, source) = checked(m)?;
    let mut tx = db.begin().await?;
    let before = in_force(&mut tx, unit.id, year, None).await?;
    let same = before
        .as_ref()
        .is_some_and(|b| b.disadvantaged == m.disadvantaged && b.source == source);
    if !same {
        let row = NewFlag {
            unit_id: unit.id,
            year,
            disadvantaged: m.disadvantaged,
            source: &source,
            via: VIA_OFFICER,
            import_sha256: None,
            set_by: Some(viewer.person_id),
            set_position: Some(position.position_id),
        };
        insert(&mut tx, &[row]).await?;
        let state = |f: Option<&Flag>| serde_json::json!({"year": year, "disadvantaged": f.is_some_and(|f| f.disadvantaged), "source": f.map(|f| f.source.clone())});
        let change = Change {
            unit_id: Some(unit.id),
            entity: "unit",
            entity_id: unit.code.clone(),
            action: if m.disadvantaged {
                "mark_disadvantaged"
            } else {
                "unmark_disadvantaged"
            },
            before: Some(state(before.as_ref())),
            after: Some(
                serde_json::json!({"year": year, "disadvantaged": m.disadvantaged, "source": source}),
            ),
        };
        audit::record(&mut tx, actor, change).await?;
    }
    tx.commit().await?;
    Ok(for_year(db, &unit, year).await?)
}

/// Whether the viewer may mark or unmark this unit (the unit page shows the form).
pub fn may_mark(viewer: &Viewer, unit: &Unit) -> bool {
    unit.level == Level::Commune
        && unit.is_open()
        && viewer
            .position_at_or_above(perm::UNIT_MANAGE, &unit.path, Level::Province)
            .is_some()
}

/// The unit by code for the import's checks.
pub async fn commune_by_code(db: &Db, code: &str) -> Result<Option<Unit>, sqlx::Error> {
    Ok(model::by_code(db, code)
        .await?
        .filter(|u| u.level == Level::Commune))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_is_vietnams() {
        // 31/12/2025 16:59:59 UTC is 23:59:59 in Vietnam; a second later it is 2026 there.
        let t = chrono::NaiveDate::from_ymd_opt(2025, 12, 31)
            .and_then(|d| d.and_hms_opt(16, 59, 59))
            .expect("a time")
            .and_utc()
            .timestamp();
        assert_eq!(year_in_vietnam(t), 2025);
        assert_eq!(year_in_vietnam(t + 1), 2026);
    }

    #[test]
    fn the_commune_of_a_path() {
        assert_eq!(commune_code("/VN/01/00004/00004-1/"), Some("00004"));
        assert_eq!(commune_code("/VN/01/00004/"), Some("00004"));
        assert_eq!(commune_code("/VN/01/01-3/"), None);
        assert_eq!(commune_code("/VN/01/"), None);
    }
}
