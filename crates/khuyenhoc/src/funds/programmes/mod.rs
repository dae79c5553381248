//! Scholarship and award programmes (e.g. "Học không bao giờ cùng"): a round belongs to a fund;
//! branches in the fund unit's subtree nominate; the fund's managers select or reject with a
//! reason, never a nomination of their own (another manager decides it); selected recipients are paid by ledger entries; the list is published, showing only
//! initials and the commune for minors.
//!
//! A round goes `nominating` → `selecting` (the first decision) → `paying` (the first payment)
//! → `published`. The list is published only once something was paid; paying later (a late
//! recipient) keeps it published, and the new recipient appears on it.
//!
//! By step: `rounds` (opening a round, nominating, deciding), `payments` (paying the selected,
//! publishing the list), `public` (the published list as anyone sees it).

mod payments;
mod public;
mod rounds;

pub use payments::{pay, publish};
pub use public::{initials, public_list, PublicRecipient};
pub use rounds::{create, decide, nominate, NewNomination, NewProgramme};

use crate::auth::Viewer;
use crate::db::Db;
use crate::error::AppError;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Programme {
    pub id: i64,
    pub fund_id: i64,
    pub fund_name: String,
    pub kind: String,
    pub name: String,
    pub target_group: String,
    pub criteria: String,
    pub amount_each: i64,
    pub budget: Option<i64>,
    pub status: String,
    pub show_full_names: bool,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub unit_id: i64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Nomination {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub full_name: String,
    pub birth_year: Option<i64>,
    pub minor: bool,
    pub school: Option<String>,
    pub reason: String,
    pub status: String,
    pub decision_reason: Option<String>,
    pub payment_entry_id: Option<i64>,
    /// The officer who nominated (they never decide it: `rounds::decide`).
    #[serde(skip)]
    pub nominated_by: Option<i64>,
}

/// The Vietnamese and English words for the status code of a programme or a nomination (the
/// codes themselves stay in the API and the database).
fn status_words(status: &str) -> (&str, &str) {
    match status {
        "nominating" => ("Đang nhận đề cử", "Taking nominations"),
        "selecting" => ("Đang xét chọn", "Selecting"),
        "paying" => ("Đang chi trả", "Paying"),
        "published" => ("Đã công bố danh sách", "List published"),
        "nominated" => ("Đã đề cử", "Nominated"),
        "selected" => ("Được chọn", "Selected"),
        "rejected" => ("Không được chọn", "Not selected"),
        "paid" => ("Đã chi trả", "Paid"),
        other => (other, other),
    }
}

impl Programme {
    pub fn status_vi(&self) -> &str {
        status_words(&self.status).0
    }
    pub fn status_en(&self) -> &str {
        status_words(&self.status).1
    }
}

impl Nomination {
    pub fn status_vi(&self) -> &str {
        status_words(&self.status).0
    }
    pub fn status_en(&self) -> &str {
        status_words(&self.status).1
    }
}

const SELECT: &str = "SELECT p.id, p.fund_id, f.name, p.kind, p.name, p.target_group, p.criteria, p.amount_each, p.budget, p.status, p.show_full_names, u.path, u.id \
    FROM programmes p JOIN funds f ON f.id = p.fund_id JOIN units u ON u.id = f.unit_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Programme, sqlx::Error> {
    Ok(Programme {
        id: r.try_get(0)?,
        fund_id: r.try_get(1)?,
        fund_name: r.try_get(2)?,
        kind: r.try_get(3)?,
        name: r.try_get(4)?,
        target_group: r.try_get(5)?,
        criteria: r.try_get(6)?,
        amount_each: r.try_get(7)?,
        budget: r.try_get(8)?,
        status: r.try_get(9)?,
        show_full_names: r.try_get::<i64, _>(10)? != 0,
        unit_path: r.try_get(11)?,
        unit_id: r.try_get(12)?,
    })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Programme>, AppError> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    Ok(sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()?)
}

pub async fn of_fund(db: &Db, fund_id: i64) -> Result<Vec<Programme>, AppError> {
    let sql = format!("{SELECT} WHERE p.fund_id = $1 ORDER BY p.id DESC");
    Ok(sqlx::query(&sql)
        .bind(fund_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?)
}

/// Readable by officers of the fund's unit and of any unit below it (they nominate).
pub async fn visible(db: &Db, v: &Viewer, id: i64) -> Result<Programme, AppError> {
    let p = by_id(db, id).await?.ok_or(AppError::NotFound)?;
    let below = v
        .positions
        .iter()
        .any(|pos| pos.unit_path.starts_with(&p.unit_path));
    if v.can_read(&p.unit_path) || below {
        Ok(p)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn nominations(db: &Db, programme_id: i64) -> Result<Vec<Nomination>, AppError> {
    Ok(sqlx::query(
        "SELECT n.id, u.code, u.name, n.full_name, n.birth_year, n.minor, n.school, n.reason, n.status, n.decision_reason, n.payment_entry_id, n.created_by \
         FROM nominations n JOIN units u ON u.id = n.unit_id WHERE n.programme_id = $1 ORDER BY u.path, n.id",
    )
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(Nomination {
            id: r.try_get(0)?,
            unit_code: r.try_get(1)?,
            unit_name: r.try_get(2)?,
            full_name: r.try_get(3)?,
            birth_year: r.try_get(4)?,
            minor: r.try_get::<i64, _>(5)? != 0,
            school: r.try_get(6)?,
            reason: r.try_get(7)?,
            status: r.try_get(8)?,
            decision_reason: r.try_get(9)?,
            payment_entry_id: r.try_get(10)?,
            nominated_by: r.try_get(11)?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?)
}
