//! What officers do with cooperation programmes, for the pages and the API alike: every input
//! checked field by field, scope asked of the Viewer (a unit sees the programmes it owns or that
//! cover it; only `unit.manage` over the owning unit changes one: rights never climb), one
//! transaction per change with its audit entry.

use super::model::{self, Detail, Partner, Programme, PARTNER_KINDS, REVIEW_KINDS};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::org::model::Unit;
use khuyenhoc_domain::limits::{self, Limit};
use khuyenhoc_domain::{text, Invalid};
use serde::Deserialize;

pub(super) fn invalid(field: &'static str, vi: &'static str, en: &'static str) -> AppError {
    AppError::field(field, Invalid::new(vi, en))
}

/// A required text within its limit (meetings use it too).
pub fn required(field: &'static str, s: &str, limit: &Limit) -> Result<String, AppError> {
    let t = limit.check(s).map_err(|e| AppError::field(field, e))?;
    if t.is_empty() {
        return Err(invalid(field, "Bắt buộc nhập", "Required"));
    }
    Ok(t)
}

/// An optional text within its limit, empty as none (meetings use it too).
pub fn optional(
    field: &'static str,
    s: Option<&str>,
    limit: &Limit,
) -> Result<Option<String>, AppError> {
    let t = limit
        .check(s.unwrap_or_default())
        .map_err(|e| AppError::field(field, e))?;
    Ok(Some(t).filter(|t| !t.is_empty()))
}

/// A day typed as `YYYY-MM-DD` (the date picker) or `dd/mm/yyyy`, stored as `YYYY-MM-DD`.
pub fn day(field: &'static str, s: &str) -> Result<String, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(invalid(field, "Bắt buộc nhập ngày", "A date is required"));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| {
            invalid(
                field,
                "Ngày phải có dạng dd/mm/yyyy (ví dụ 30/06/2026)",
                "A date must look like dd/mm/yyyy (e.g. 30/06/2026)",
            )
        })
}

/// A new partner as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact: Option<String>,
}

/// Adds a partner to the register of the unit `code` (`unit.manage` there).
pub async fn add_partner(
    db: &Db,
    v: &Viewer,
    code: &str,
    f: &NewPartner,
) -> Result<Partner, AppError> {
    let (unit, actor) = crate::org::service::with_right(db, v, code, perm::UNIT_MANAGE).await?;
    let kind = f.kind.trim();
    if !PARTNER_KINDS.iter().any(|k| k.0 == kind) {
        return Err(invalid(
            "kind",
            "Hãy chọn loại đối tác",
            "Choose the kind of partner",
        ));
    }
    let name = required("name", &f.name, &limits::NAME)?;
    let contact = optional("contact", f.contact.as_deref(), &limits::DESCRIPTION)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO coop_partners (unit_id, kind, name, name_folded, contact, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(unit.id)
    .bind(kind)
    .bind(&name)
    .bind(text::fold(&name))
    .bind(&contact)
    .bind(now())
    .bind(v.person_id)
    .fetch_one(&mut *tx)
    .await?;
    let p = Partner {
        id,
        unit_code: unit.code.clone(),
        kind: kind.to_owned(),
        name,
        contact,
        unit_path: unit.path.clone(),
    };
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "coop_partner",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: audit::json(&p),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// Which units of ours a programme covers, as typed: unit codes, or every unit of a level in the
/// owner's subtree.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    #[serde(default)]
    pub units: Vec<String>,
    /// province, commune or branch: every open unit of that level below the owner.
    #[serde(default)]
    pub level: Option<String>,
}

/// A review the programme foresees, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub due_on: String,
}

/// A commitment, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCommitment {
    #[serde(default)]
    pub what: String,
    /// The partner who undertakes it; none: our side.
    #[serde(default)]
    pub partner_id: Option<i64>,
    #[serde(default)]
    pub due_on: String,
}

/// A new programme as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProgramme {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub partner_ids: Vec<i64>,
    #[serde(default)]
    pub covers: Coverage,
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub reviews: Vec<NewReview>,
    #[serde(default)]
    pub commitments: Vec<NewCommitment>,
}

/// The most partners, covered units (named one by one), reviews and commitments one programme
/// is given at once.
const MAX_PARTNERS: usize = 50;
const MAX_NAMED_UNITS: usize = 500;
const MAX_ITEMS: usize = 100;

/// The units a coverage names, all in the owner's subtree (and not the owner itself).
async fn covered_units(db: &Db, owner: &Unit, c: &Coverage) -> Result<Vec<i64>, AppError> {
    let mut ids = vec![];
    if let Some(level) = c.level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        let level = khuyenhoc_domain::Level::parse(level)
            .ok()
            .filter(|l| l.depth() > owner.level.depth())
            .ok_or_else(|| {
                invalid(
                    "covers",
                    "Hãy chọn một cấp thấp hơn đơn vị chủ trì",
                    "Choose a level below the owning unit",
                )
            })?;
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM units WHERE path >= $1 AND path < $2 AND level = $3 AND valid_to IS NULL",
        )
        .bind(&owner.path)
        .bind(crate::org::path_upper_bound(&owner.path))
        .bind(level.code())
        .fetch_all(&db.pool)
        .await?;
        ids.extend(rows.into_iter().map(|r| r.0));
    }
    if c.units.len() > MAX_NAMED_UNITS {
        return Err(invalid(
            "covers",
            "Tối đa 500 đơn vị; hãy chọn theo cấp",
            "At most 500 units; choose a level instead",
        ));
    }
    for code in &c.units {
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        let unit = crate::org::model::by_code(db, code)
            .await?
            .filter(|u| u.path.starts_with(&owner.path) && u.path != owner.path && u.is_open())
            .ok_or_else(|| {
                invalid(
                    "covers",
                    "Đơn vị được phối hợp phải thuộc đơn vị chủ trì",
                    "A covered unit must lie under the owning unit",
                )
            })?;
        ids.push(unit.id);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

pub(super) fn review_kind(kind: &str) -> Result<&'static str, AppError> {
    REVIEW_KINDS
        .iter()
        .find(|k| k.0 == kind.trim())
        .map(|k| k.0)
        .ok_or_else(|| {
            invalid(
                "reviews",
                "Hãy chọn sơ kết hoặc tổng kết",
                "Choose an interim or a final review",
            )
        })
}

/// Whether a partner may be named in a programme of the unit at `owner_path`: in the owner's
/// register or in that of a unit above it.
async fn usable_partner(db: &Db, owner_path: &str, id: i64) -> Result<Partner, AppError> {
    model::partner(db, id)
        .await?
        .filter(|p| owner_path.starts_with(&p.unit_path))
        .ok_or_else(|| {
            invalid(
                "partner_ids",
                "Đối tác không có trong danh bạ của đơn vị hoặc cấp trên",
                "The partner is not in the register of the unit or of a unit above it",
            )
        })
}

/// A new programme once checked.
struct Checked {
    title: String,
    signed_on: String,
    starts_on: String,
    ends_on: String,
    partner_ids: Vec<i64>,
    units: Vec<i64>,
    reviews: Vec<(&'static str, String)>,
    commitments: Vec<(String, Option<i64>, String)>,
}

/// Every field of a new programme of `unit`, checked.
async fn check(db: &Db, unit: &Unit, f: &NewProgramme) -> Result<Checked, AppError> {
    let title = required("title", &f.title, &limits::TITLE)?;
    let signed_on = day("signed_on", &f.signed_on)?;
    let starts_on = day("starts_on", &f.starts_on)?;
    let ends_on = day("ends_on", &f.ends_on)?;
    if ends_on < starts_on {
        return Err(invalid(
            "ends_on",
            "Ngày kết thúc không được trước ngày bắt đầu",
            "The end cannot come before the start",
        ));
    }
    let mut partner_ids = f.partner_ids.clone();
    partner_ids.sort_unstable();
    partner_ids.dedup();
    if partner_ids.is_empty() || partner_ids.len() > MAX_PARTNERS {
        return Err(invalid(
            "partner_ids",
            "Hãy chọn từ 1 đến 50 đối tác",
            "Choose from 1 to 50 partners",
        ));
    }
    for id in &partner_ids {
        usable_partner(db, &unit.path, *id).await?;
    }
    let units = covered_units(db, unit, &f.covers).await?;
    if f.reviews.len() > MAX_ITEMS || f.commitments.len() > MAX_ITEMS {
        return Err(invalid("reviews", "Tối đa 100 mục", "At most 100 items"));
    }
    let mut reviews = vec![];
    for r in &f.reviews {
        reviews.push((review_kind(&r.kind)?, day("reviews", &r.due_on)?));
    }
    let mut commitments = vec![];
    for c in &f.commitments {
        commitments.push(commitment(&partner_ids, c)?);
    }
    Ok(Checked {
        title,
        signed_on,
        starts_on,
        ends_on,
        partner_ids,
        units,
        reviews,
        commitments,
    })
}

/// Creates a programme of the unit `code` (`unit.manage` there).
pub async fn create(
    db: &Db,
    v: &Viewer,
    code: &str,
    f: &NewProgramme,
) -> Result<Programme, AppError> {
    let (unit, actor) = crate::org::service::with_right(db, v, code, perm::UNIT_MANAGE).await?;
    let Checked {
        title,
        signed_on,
        starts_on,
        ends_on,
        partner_ids,
        units,
        reviews,
        commitments,
    } = check(db, &unit, f).await?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO coop_programmes (unit_id, title, title_folded, signed_on, starts_on, ends_on, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(unit.id)
    .bind(&title)
    .bind(text::fold(&title))
    .bind(&signed_on)
    .bind(&starts_on)
    .bind(&ends_on)
    .bind(now())
    .bind(v.person_id)
    .fetch_one(&mut *tx)
    .await?;
    for p in &partner_ids {
        sqlx::query(
            "INSERT INTO coop_programme_partners (programme_id, partner_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(p)
        .execute(&mut *tx)
        .await?;
    }
    for u in &units {
        sqlx::query("INSERT INTO coop_programme_units (programme_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(u)
            .execute(&mut *tx)
            .await?;
    }
    for (kind, due) in &reviews {
        insert_review(&mut tx, id, kind, due).await?;
    }
    for (what, partner, due) in &commitments {
        insert_commitment(&mut tx, id, what, *partner, due).await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "coop_programme",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(serde_json::json!({
                "title": title, "signed_on": signed_on, "starts_on": starts_on, "ends_on": ends_on,
                "partner_ids": partner_ids, "units": units.len(),
                "reviews": reviews.iter().map(|r| serde_json::json!({"kind": r.0, "due_on": r.1})).collect::<Vec<_>>(),
                "commitments": commitments.len(),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    model::programme(db, id).await?.ok_or(AppError::NotFound)
}

pub(super) fn commitment(
    partner_ids: &[i64],
    c: &NewCommitment,
) -> Result<(String, Option<i64>, String), AppError> {
    let what = required("what", &c.what, &limits::DESCRIPTION)?;
    if let Some(p) = c.partner_id {
        if !partner_ids.contains(&p) {
            return Err(invalid(
                "partner_id",
                "Bên thực hiện phải là một đối tác của chương trình",
                "The party must be one of the programme's partners",
            ));
        }
    }
    Ok((what, c.partner_id, day("due_on", &c.due_on)?))
}

pub(super) async fn insert_review(
    tx: &mut crate::db::Tx<'_>,
    programme_id: i64,
    kind: &str,
    due_on: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO coop_reviews (programme_id, kind, due_on, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(programme_id)
    .bind(kind)
    .bind(due_on)
    .bind(now())
    .fetch_one(&mut **tx)
    .await
}

pub(super) async fn insert_commitment(
    tx: &mut crate::db::Tx<'_>,
    programme_id: i64,
    what: &str,
    partner_id: Option<i64>,
    due_on: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO coop_commitments (programme_id, what, partner_id, due_on, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(programme_id)
    .bind(what)
    .bind(partner_id)
    .bind(due_on)
    .bind(now())
    .fetch_one(&mut **tx)
    .await
}

/// Whether the viewer reads the programme: a position over its owner, or at (or below) a unit
/// it covers.
pub async fn may_read(db: &Db, v: &Viewer, p: &Programme) -> Result<bool, AppError> {
    if v.can_read(&p.unit_path) {
        return Ok(true);
    }
    if !v.is_officer() {
        return Ok(false);
    }
    let covered = model::covered(db, p.id).await?;
    Ok(v.positions
        .iter()
        .any(|h| covered.iter().any(|c| h.unit_path.starts_with(&c.path))))
}

/// The programme `id` with everything it holds, if the viewer reads it; else "not found".
pub async fn read(db: &Db, v: &Viewer, id: i64) -> Result<Detail, AppError> {
    let p = model::programme(db, id).await?.ok_or(AppError::NotFound)?;
    if !may_read(db, v, &p).await? {
        return Err(AppError::NotFound);
    }
    Ok(model::detail(db, p).await?)
}

/// Whether the viewer may change the programme (`unit.manage` over its owner).
pub fn may_edit(v: &Viewer, p: &Programme) -> bool {
    v.position_for(perm::UNIT_MANAGE, &p.unit_path).is_some()
}

/// The programme `id` and the actor who changes it; "not found" without `unit.manage` over its
/// owning unit (a covered unit's officers read it, never change it).
pub(super) async fn editable(db: &Db, v: &Viewer, id: i64) -> Result<(Programme, Actor), AppError> {
    v.act(model::programme(db, id).await?, perm::UNIT_MANAGE)
}
